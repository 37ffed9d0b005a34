"""An independent, strict emulator of the services the console talks to.

Listeners (all on loopback): a hub with Login with Amazon (`/ap/oa` consent page,
`/auth/o2/token` and `/auth/O2/token`, `/auth/o2/revoke`) and admin routes (`/__admin/reset`,
`/__admin/clock`, `/__admin/faults`, `/__admin/state`, `/__admin/tokens`, `/__admin/config`);
three regional Skill Enablement APIs (NA, EU, FE: operations 1–7); and a partner OAuth server
(`/oauth/authorize` auto-approves and redirects with a one-time code; `/oauth/token`).

Rules it enforces, following `shared/skill-enablement-api.md`:
- Bearer tokens are required (401 missing/unknown/expired/revoked); developer tokens with SMAPI
  scopes for owner operations, customer tokens with `alexa::skills:account_linking` for customer
  ones (403 otherwise); owner operations only on NA.
- Customers are served only by their home region (elsewhere 400 `incorrectEndpoint`);
  `alexaApiEndpoint` lists NA, EU, FE for the ambiguous customer (home EU).
- A customer's never-enabled skill reads as 200 with status `NO_ASSOCIATION`; DELETE of it is 404
  `NO_ASSOCIATION`; unknown skills are 404, malformed IDs, stages and bodies 400.
- Customer enable redeems the partner code (single use, 5 minutes, same redirectUri, PKCE) and
  starts `ENABLING`, which becomes `ENABLED` (or `ENABLING_FAILED` for the flaky skill) once the
  transition delay has passed on the sandbox clock; disabling likewise. The clock is wall time
  plus an offset that `/__admin/clock` or `SandboxServer.clock.advance()` moves forward.

It imports nothing from the rest of the console: it checks the client, and the client checks it.
"""

from console.sandbox.server import SandboxServer, SandboxUrls

__all__ = ["SandboxServer", "SandboxUrls"]
