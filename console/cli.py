"""skillctl: the command-line face over the service layer (a stable contract; see DESIGN.md).

Exit codes: 0 success (status: enabled); 2 bad input, nothing sent; 3 authentication;
4 not enabled / not found / NO_ASSOCIATION; 5 throttled or server error after retries;
6 network error, or a change whose answer was lost and whose state could not be read
(`uncertain`); 1 anything else (a refused request, ENABLING_FAILED/DISABLING_FAILED).
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import sys
import threading
from collections.abc import Awaitable, Callable, Iterator
from dataclasses import dataclass
from typing import Any

import click

from console.api.errors import (
    AuthError,
    ConsoleError,
    InProgressError,
    NetworkError,
    NotFoundError,
    ServerError,
    ThrottledError,
    TransitionFailedError,
    ValidationError,
)
from console.api.models import (
    FAILED_STATES,
    NOT_ENABLED,
    TRANSITIONAL_STATES,
    Attempt,
    OperationResult,
)
from console.api.redact import redact
from console.api.regions import EndpointMemory
from console.api.validation import check_auth_code, check_redirect_uri, is_loopback_url
from console.auth.lwa import LoginFlow, LoginKind
from console.auth.profile import NOT_ASKED, Customer, customer_words
from console.auth.tokens import TokenStore
from console.config import (
    RuntimeState,
    add_profile,
    api_settings,
    history_retention_days,
    list_profiles,
    profile_env,
    valid_profile_name,
)
from console.services import ConsoleService
from console.services.history import open_history
from console.services.partner import SANDBOX_PARTNER_REDIRECT, fetch_partner_code
from console.services.session import effective_env, login, logout, token_provider, whoami
from console.streams import ensure_std_streams

STAGES = click.Choice(["development", "live"])
NOT_FOUND_STATES = frozenset({NOT_ENABLED, "NO_ASSOCIATION", "DISABLED"})
CHECKS = frozenset({"status", "customer-status"})  # where "not enabled" is the answer: exit 4
# The states a customer change counts as done in: after waiting, and as accepted (--no-wait,
# or when the follow-up read that was to confirm it failed: its own answer then stands).
SETTLED = {
    "customer-enable": frozenset({"ENABLED"}),
    "customer-disable": frozenset({"DISABLED", "NO_ASSOCIATION"}),
}
ACCEPTED = {
    "customer-enable": frozenset({"ENABLED", "ENABLING"}),
    "customer-disable": frozenset({"DISABLED", "NO_ASSOCIATION", "DISABLING"}),
}
Operation = Callable[[ConsoleService], Awaitable[OperationResult]]


@dataclass
class Options:
    profile: str
    sandbox: bool
    as_json: bool
    verbose: bool


def exit_code_for(error: ConsoleError) -> int:
    if isinstance(error, ValidationError):
        return 2
    if isinstance(error, AuthError):
        return 3
    if isinstance(error, NotFoundError):
        return 4
    if isinstance(error, ThrottledError | ServerError):
        return 5
    if isinstance(error, NetworkError):
        return 6
    return 1


def attempt_line(attempt: Attempt) -> str:
    status = attempt.status if attempt.status is not None else "---"
    extra = f" ({attempt.error})" if attempt.error else ""
    rid = f" [request id {attempt.request_id}]" if attempt.request_id else ""
    return (
        f"#{attempt.attempt} {attempt.method} {attempt.url} → {status} "
        f"{attempt.elapsed_ms:.0f} ms, {attempt.decision}{extra}{rid}"
    )


def error_lines(error: ConsoleError) -> list[str]:
    """error:, each violation Amazon listed, hint: (for stderr)."""
    where = f" ({error.endpoint})" if error.endpoint else ""
    lines = [f"error: {error.message}{where}"]
    lines += [f"  - {v.message}" + (f" [{v.code}]" if v.code else "") for v in error.violations]
    lines.append(f"hint: {error.hint}")
    return [redact(line) for line in lines]


@contextlib.contextmanager
def environment(opts: Options, account: str) -> Iterator[dict[str, str]]:
    """The effective SKILL_CONSOLE_* settings; with --sandbox, a running sandbox's."""
    env = effective_env(opts.profile)
    if not opts.sandbox:
        yield env
        return
    from console.sandbox.server import SandboxServer  # only paid for with --sandbox

    account = env.get("SKILL_CONSOLE_SANDBOX_ACCOUNT", account)
    with SandboxServer(port_base=0) as server:
        accounts = server.state.world.accounts
        if account not in accounts:
            raise ValidationError(
                f"SKILL_CONSOLE_SANDBOX_ACCOUNT={account!r} is not a sandbox account",
                hint=f"Use one of {', '.join(accounts)}, or unset it; nothing was sent.",
            )
        for key in list(env):
            if key.startswith("SKILL_CONSOLE_") and key.endswith("_TOKEN"):
                del env[key]
        env.update(server.env(account))
        env["SKILL_CONSOLE_PARTNER_AUTHORIZE_URL"] = server.urls.partner_authorize_url
        yield env


def result_json(result: OperationResult | None, error: ConsoleError | None, **base: Any) -> str:
    attempts = result.attempts if result else (error.attempts if error else ())
    payload: dict[str, Any] = {
        "ok": error is None and not _absent(result),
        "operation": base.get("operation"),
        "skill_id": base.get("skill_id"),
        "stage": base.get("stage"),
        "state": result.state if result else None,
        "account_link": result.account_link if result else None,
        "endpoint": result.endpoint if result else (error.endpoint if error else None),
        "attempts": [
            {
                "method": a.method,
                "url": a.url,
                "status": a.status,
                "elapsed_ms": round(a.elapsed_ms, 1),
                "decision": a.decision,
                "request_id": a.request_id,
            }
            for a in attempts
        ],
    }
    if result is not None and result.detail:
        payload["detail"] = result.detail
    if result is not None and result.endpoints:
        payload["endpoints"] = list(result.endpoints)
    if result is not None and result.stage and not payload["stage"]:
        payload["stage"] = result.stage
    payload["notes"] = list(result.notes) if result else []
    if error is not None:
        payload["error"] = error.to_dict()
    return json.dumps(_redacted(payload))


def _redacted(value: Any) -> Any:
    """Every string in a JSON-able value, redacted (the document's shape stays valid)."""
    if isinstance(value, str):
        return redact(value)
    if isinstance(value, dict):
        return {k: _redacted(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_redacted(v) for v in value]
    return value


def human(result: OperationResult) -> str:
    n = len(result.attempts)
    where = f"{result.endpoint}, {n} attempt{'s' if n != 1 else ''}"
    if result.operation == "customer-endpoint":
        if len(result.endpoints) > 1:
            count = len(result.endpoints)
            head = f"{count} endpoints: Alexa could not decide; they are tried in order"
            lines = [head, *(f"  {url}" for url in result.endpoints)]
            return "\n".join(lines) + f"\n({where})"
        return "\n".join(result.endpoints) + f"  ({where})"
    parts = [result.state or "DONE"]
    if result.skill_id:
        parts.append(result.skill_id)
    if result.stage:
        parts.append(result.stage)
    if result.account_link:
        parts.append(f"account link {result.account_link}")
    return "  ".join(parts) + f"  ({where})"


def run(
    opts: Options,
    operation: str,
    account: str,
    call: Operation,
    *,
    expect: frozenset[str] | None = None,
    **base: Any,
) -> int:
    """Run one use case and report it; returns the exit code.

    `expect`: the states that count as done (a change that ends elsewhere is a failure)."""
    base["operation"] = operation
    result: OperationResult | None = None
    error: ConsoleError | None = None
    try:
        result = asyncio.run(_run_async(opts, account, call))
    except ConsoleError as exc:
        error = exc
    except KeyboardInterrupt:
        click.echo("interrupted: the last request may or may not have completed", err=True)
        return 130
    code, error = judge(result, error, expect)
    if opts.as_json:
        click.echo(result_json(result, error, **base))
    elif result is not None:
        click.echo(redact(human(result)))
        if result.detail:  # e.g. op 3's 404 message, which may say the skill does not exist
            click.echo(redact(f"  the service says: {result.detail}"))
    if not opts.as_json:
        for note in result.notes if result else ():
            click.echo(redact(f"note: {note}"), err=True)
    if error is not None and not opts.as_json:
        for line in error_lines(error):
            click.echo(line, err=True)
    return code


def judge(
    result: OperationResult | None,
    error: ConsoleError | None,
    expect: frozenset[str] | None = None,
) -> tuple[int, ConsoleError | None]:
    """The exit code and the error to report for what a use case returned or raised.

    `expect`: the states a change counts as done in. A result whose follow-up read failed
    (`verified` False) is judged by what its own answer said: accepted counts as done."""
    if error is None and result is not None:
        if not result.verified and result.operation in ACCEPTED:
            expect = ACCEPTED[result.operation]
        error = _final_failure(result, expect)
    if error is not None:
        return exit_code_for(error), error
    return (4 if _absent(result) else 0), None


def _final_failure(result: OperationResult, expect: frozenset[str] | None) -> ConsoleError | None:
    """Alexa answered, but the change did not happen (or has not yet)."""
    common: dict[str, Any] = {"endpoint": result.endpoint, "attempts": result.attempts}
    if result.state in FAILED_STATES:
        return TransitionFailedError(
            f"Alexa reports {result.state}: the change did not complete", **common
        )
    if expect is None or result.state in expect:
        return None
    if result.state in TRANSITIONAL_STATES:
        return InProgressError(
            f"Alexa still reports {result.state} after the time allowed for this command",
            **common,
        )
    return TransitionFailedError(
        f"Alexa reports {result.state} afterwards: the change did not take", **common
    )


def _absent(result: OperationResult | None) -> bool:
    """A check whose answer is "not enabled" / NO_ASSOCIATION (exit 4, ok false)."""
    return result is not None and result.operation in CHECKS and result.state in NOT_FOUND_STATES


async def _run_async(opts: Options, account: str, call: Operation) -> OperationResult:
    with environment(opts, account) as env:
        settings = api_settings(env)
        kind = LoginKind.DEVELOPER if account.startswith("developer") else LoginKind.CUSTOMER
        tokens = token_provider(env, profile=opts.profile, kind=kind)
        if opts.sandbox:  # a fresh sandbox on new ports: nothing remembered applies
            memory = EndpointMemory()
        else:
            state = RuntimeState()
            memory = EndpointMemory(state.endpoints(), on_change=state.save_endpoints)
        listener = _verbose_listener if opts.verbose else None
        history = open_history(history_retention_days())
        if history.notice:
            click.echo(f"note: {history.notice}", err=True)
        try:
            async with ConsoleService(
                settings,
                tokens,
                on_attempt=listener,
                memory=memory,
                history=history,
                profile=opts.profile,
                kind=kind,
            ) as svc:
                svc.env = env  # type: ignore[attr-defined]  # for sandbox conveniences below
                return await call(svc)
        finally:
            history.close()


def _verbose_listener(attempt: Attempt) -> None:
    click.echo(redact(attempt_line(attempt)), err=True)


# --- commands -----------------------------------------------------------------------------


def _print_version(ctx: click.Context, _param: click.Parameter, value: bool) -> None:
    if value and not ctx.resilient_parsing:
        from console.version import version

        click.echo(f"skillctl {version()}")
        ctx.exit()


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.option(
    "--version",
    is_flag=True,
    expose_value=False,
    is_eager=True,
    callback=_print_version,
    help="Print the version and exit.",
)
@click.option("--profile", default="default", show_default=True, help="Settings profile.")
@click.option("--sandbox", is_flag=True, help="Start the embedded sandbox and use it.")
@click.option("--json", "as_json", is_flag=True, help="Print one JSON object on stdout.")
@click.option("-v", "--verbose", is_flag=True, help="Log every HTTP attempt to stderr.")
@click.pass_context
def cli(ctx: click.Context, profile: str, sandbox: bool, as_json: bool, verbose: bool) -> None:
    """Enable, disable and check Alexa skills; look up customers' skill status."""
    if not valid_profile_name(profile):
        raise click.BadParameter("use 1-40 letters, digits, '-' or '_'", param_hint="--profile")
    ctx.obj = Options(profile, sandbox, as_json, verbose)


def _environment_note(profile: str) -> None:
    """Tokens in the environment win over stored logins: say so where it surprises."""
    env = effective_env(profile)
    for name in ("SKILL_CONSOLE_REFRESH_TOKEN", "SKILL_CONSOLE_ACCESS_TOKEN"):
        if env.get(name, "").strip():
            click.echo(
                f"note: {name} is set, so commands use it, not the stored login "
                f"(unset {name} to use the login).",
                err=True,
            )


OwnerCall = Callable[[ConsoleService, str, str], Awaitable[OperationResult]]


def _owner_command(name: str, summary: str, call: OwnerCall) -> None:
    """Register one owner command: SKILL_ID [--stage development|live]."""

    @cli.command(name, help=summary)
    @click.argument("skill_id")
    @click.option("--stage", type=STAGES, default="development", show_default=True)
    @click.pass_obj
    def command(opts: Options, skill_id: str, stage: str) -> None:
        work: Operation = lambda svc: call(svc, skill_id, stage)  # noqa: E731
        sys.exit(run(opts, name, "developer", work, skill_id=skill_id, stage=stage))


_owner_command(
    "status",
    "Owner: is this stage enabled? (exit 0 enabled, 4 not enabled)",
    lambda svc, skill, stage: svc.check(skill, stage),
)
_owner_command(
    "enable",
    "Owner: enable this stage (the other stage is disabled).",
    lambda svc, skill, stage: svc.enable(skill, stage),
)
_owner_command(
    "disable", "Owner: disable this stage.", lambda svc, skill, stage: svc.disable(skill, stage)
)


@cli.group()
def customer() -> None:
    """Customer operations (routed to the customer's region)."""


CUSTOMER = "customer-ambiguous"


@customer.command("endpoint")
@click.pass_obj
def customer_endpoint(opts: Options) -> None:
    """The customer's API endpoint(s)."""
    sys.exit(run(opts, "customer-endpoint", CUSTOMER, lambda s: s.find_endpoint()))


@customer.command("status")
@click.argument("skill_id")
@click.pass_obj
def customer_status(opts: Options, skill_id: str) -> None:
    """Customer: skill and account-link status."""
    sys.exit(
        run(
            opts,
            "customer-status",
            CUSTOMER,
            lambda s: s.customer_status(skill_id),
            skill_id=skill_id,
        )
    )


@customer.command("enable")
@click.argument("skill_id")
@click.option("--stage", type=STAGES, required=True)
@click.option(
    "--auth-code",
    callback=lambda _ctx, _param, code: _checked(check_auth_code, code),
    help="Partner authorization code (with --sandbox: fetched).",
)
@click.option("--redirect-uri", help="Redirect URI used to obtain the code.")
@click.option("--code-verifier", help="PKCE verifier, for partners that use PKCE.")
@click.option("--no-wait", is_flag=True, help="Report ENABLING at once; do not wait for Alexa.")
@click.pass_obj
def customer_enable(
    opts: Options,
    skill_id: str,
    stage: str,
    auth_code: str | None,
    redirect_uri: str | None,
    code_verifier: str | None,
    no_wait: bool,
) -> None:
    """Customer: enable the skill and link the account."""
    if not opts.sandbox and (not auth_code or not redirect_uri):
        raise click.UsageError("--auth-code and --redirect-uri are required (unless --sandbox)")

    async def call(svc: ConsoleService) -> OperationResult:
        code, uri = auth_code, redirect_uri or SANDBOX_PARTNER_REDIRECT
        endpoints = svc.client.settings.endpoints.values()  # http redirects only for a sandbox
        check_redirect_uri(uri, loopback_http=all(is_loopback_url(u) for u in endpoints))
        if not code:
            env: dict[str, str] = svc.env  # type: ignore[attr-defined]
            code = await fetch_partner_code(
                env["SKILL_CONSOLE_PARTNER_AUTHORIZE_URL"], redirect_uri=uri
            )
        return await svc.customer_enable(
            skill_id, stage, code, uri, code_verifier, wait=not no_wait, on_progress=_waiting(opts)
        )

    done = (ACCEPTED if no_wait else SETTLED)["customer-enable"]
    sys.exit(
        run(opts, "customer-enable", CUSTOMER, call, expect=done, skill_id=skill_id, stage=stage)
    )


@customer.command("disable")
@click.argument("skill_id")
@click.option("--no-wait", is_flag=True, help="Report DISABLING at once; do not wait for Alexa.")
@click.pass_obj
def customer_disable(opts: Options, skill_id: str, no_wait: bool) -> None:
    """Customer: disable the skill and unlink the account."""

    async def call(svc: ConsoleService) -> OperationResult:
        return await svc.customer_disable(skill_id, wait=not no_wait, on_progress=_waiting(opts))

    done = (ACCEPTED if no_wait else SETTLED)["customer-disable"]
    sys.exit(run(opts, "customer-disable", CUSTOMER, call, expect=done, skill_id=skill_id))


def _checked(check: Callable[[str], str], value: str | None) -> str | None:
    """An option through a validation check: a refusal is a usage error (exit 2)."""
    if value is None:
        return None
    try:
        return check(value)
    except ValidationError as exc:
        raise click.BadParameter(exc.message) from None


def _waiting(opts: Options) -> Callable[[OperationResult], None]:
    """Say once (on stderr) that skillctl waits for Alexa's ENABLING/DISABLING to settle."""
    said: set[str] = set()

    def progress(result: OperationResult) -> None:
        if not opts.as_json and result.state and result.state not in said:
            said.add(result.state)
            click.echo(
                f"{result.state}: waiting for Alexa to finish (Ctrl-C stops waiting)", err=True
            )

    return progress


@cli.command("login")
@click.option("--customer", is_flag=True, help="Log in a customer (account linking scope).")
@click.option(
    "--port",
    type=click.IntRange(0, 65535),
    callback=lambda _ctx, _param, port: _redirect_port(port),
    help="Redirect port (must match the allowed return URL; default 53682, or any for a sandbox).",
)
@click.option("--no-browser", is_flag=True, help="Only print the URL to open elsewhere.")
@click.option(
    "--wait",
    "wait_seconds",
    type=click.FloatRange(5, 3600),
    default=300.0,
    show_default=True,
    help="Seconds to wait for the browser.",
)
@click.pass_obj
def login_command(
    opts: Options, customer: bool, port: int | None, no_browser: bool, wait_seconds: float
) -> None:
    """Log in with Amazon in the browser; the login is kept in the OS keychain."""
    if opts.sandbox:
        raise click.UsageError(
            "log in against a running sandbox ('skillctl sandbox') or LWA, "
            "not a throw-away --sandbox"
        )
    kind = LoginKind.CUSTOMER if customer else LoginKind.DEVELOPER
    store = TokenStore(opts.profile)
    if store.warning:
        click.echo(f"note: {store.warning}", err=True)
    _environment_note(opts.profile)

    async def go() -> None:
        await login(
            effective_env(opts.profile),
            profile=opts.profile,
            kind=kind,
            port=port,
            open_browser=(lambda url: False) if no_browser else None,
            on_started=_announce,
            wait_seconds=wait_seconds,
            store=store,
        )

    try:
        asyncio.run(go())
    except ConsoleError as error:
        click.echo(redact(f"error: {error.message}"), err=True)
        click.echo(redact(f"hint: {error.hint}"), err=True)
        sys.exit(exit_code_for(error))
    except KeyboardInterrupt:
        click.echo("login cancelled", err=True)
        sys.exit(3)
    _say_who(opts.profile, kind, store)
    if store.persistent:
        add_profile(opts.profile)  # so that the app lists it; the file is otherwise untouched
        click.echo(f"Logged in as a {kind} for profile '{opts.profile}' (kept in the OS keychain).")
        return
    # Nothing can hold this login after we exit: a live refresh token nobody holds is a leak.
    report = asyncio.run(logout(effective_env(opts.profile), profile=opts.profile, store=store))
    revoked = "revoked again" if not report.not_revoked else "forgotten (it could not be revoked)"
    click.echo(
        f"Logged in as a {kind} for profile '{opts.profile}', but it was kept in memory for "
        f"this run only, which ends now, so the login was {revoked}."
    )
    click.echo(
        "hint: install a keychain backend (GNOME Keyring, KWallet), or give scripts "
        "SKILL_CONSOLE_REFRESH_TOKEN; the desktop app keeps a login for as long as it runs.",
        err=True,
    )
    sys.exit(3)  # nobody is logged in now: a script must not go on as if someone were


def _say_who(profile: str, kind: LoginKind, store: TokenStore) -> None:
    """Which customer signed in (the login just stored), on stdout for the person at it."""
    if kind is not LoginKind.CUSTOMER:
        return
    info = next((i for i in whoami(profile, store) if i.kind == kind), None)
    if info is not None:
        click.echo(f"Customer: {customer_words(info.customer)}")


def _redirect_port(port: int | None) -> int | None:
    """0 (any free port: a sandbox) or an unprivileged port, as a return URL can name."""
    if port is not None and 0 < port < 1024:
        raise click.BadParameter("use 0 or 1024-65535", param_hint="--port")
    return port


@cli.command("profiles")
@click.pass_obj
def profiles_command(opts: Options) -> None:
    """The settings profiles (settings.toml), the current one marked."""
    profile_env(opts.profile)  # a settings file that cannot be read is said, not skipped
    names = list_profiles()
    if opts.as_json:
        click.echo(json.dumps({"profiles": names, "current": opts.profile}))
        return
    for name in names:
        click.echo(f"{'*' if name == opts.profile else ' '} {name}")
    if opts.profile not in names:
        click.echo(f"note: profile '{opts.profile}' is not in settings.toml yet", err=True)


def _announce(flow: LoginFlow) -> None:
    """Tell the user where to go, and accept a pasted redirect URL on stdin."""
    if flow.browser_opened:
        click.echo(
            "Opened the browser to sign in with Amazon. If it did not appear, open:", err=True
        )
    else:
        click.echo("Open this URL in a browser to sign in with Amazon:", err=True)
    click.echo(flow.url, err=True)
    if flow.listening:
        click.echo(f"Waiting for the redirect to {flow.redirect_uri} (Ctrl-C cancels).", err=True)
    else:
        click.echo(
            f"{flow.redirect_uri} is in use, so the browser cannot reach this program.", err=True
        )
    # Always: the URL may have been opened on another machine, whose redirect cannot arrive.
    click.echo(
        "If the browser cannot reach this machine, paste the address it ended on, then Enter:",
        err=True,
    )
    _read_paste(flow)


def _read_paste(flow: LoginFlow) -> None:
    """Every pasted line goes to the flow (a wrong paste can be followed by the right one)."""
    loop = asyncio.get_running_loop()

    def read() -> None:
        for line in sys.stdin:
            if not line.strip():
                continue
            try:
                loop.call_soon_threadsafe(_submit, flow, line)
            except RuntimeError:  # the login ended and its loop closed
                return

    threading.Thread(target=read, name="paste-reader", daemon=True).start()


def _submit(flow: LoginFlow, line: str) -> None:
    try:
        flow.submit_redirect(line)
    except ConsoleError as error:
        click.echo(f"error: {error.message}. {error.hint}", err=True)


@cli.command("logout")
@click.pass_obj
def logout_command(opts: Options) -> None:
    """Forget this profile's logins (and revoke them where possible)."""
    try:
        removed = asyncio.run(logout(effective_env(opts.profile), profile=opts.profile))
    except ConsoleError as error:
        click.echo(redact(f"error: {error.message}\nhint: {error.hint}"), err=True)
        sys.exit(exit_code_for(error))
    if not removed:
        click.echo(f"Profile '{opts.profile}' was not logged in.")
        return
    click.echo(f"Logged out of profile '{opts.profile}' ({', '.join(removed.removed)}).")
    for problem in removed.not_revoked:
        click.echo(
            redact(f"warning: forgotten here but not revoked at Amazon ({problem})"), err=True
        )
    if removed.not_revoked:
        click.echo(
            "hint: revoke the app's access in your Amazon account settings "
            "(Login with Amazon → Manage apps) if the login may have leaked.",
            err=True,
        )


@cli.command("whoami")
@click.pass_obj
def whoami_command(opts: Options) -> None:
    """Profile, login kind, token expiry and scopes (never a secret)."""
    logins = whoami(opts.profile)
    _environment_note(opts.profile)
    if opts.as_json:
        click.echo(
            json.dumps(
                {
                    "profile": opts.profile,
                    "logins": [
                        {
                            "kind": i.kind,
                            "expires_in_s": round(i.expires_in),
                            "scope": i.scope,
                            "persistent": i.persistent,
                            "customer": _customer_json(i.kind, i.customer),
                        }
                        for i in logins
                    ],
                }
            )
        )
    for info in logins if not opts.as_json else []:
        left = (
            f"expires in {info.expires_in / 60:.0f} min"
            if info.expires_in > 0
            else ("expired (refreshed on next use)")
        )
        where = "OS keychain" if info.persistent else "memory only"
        who = f" ({customer_words(info.customer)})" if info.kind == LoginKind.CUSTOMER else ""
        click.echo(
            f"{info.profile}: {info.kind}{who}, access token {left}, scopes {info.scope}, "
            f"stored in {where}"
        )
    if not logins:
        store = TokenStore(opts.profile)
        click.echo(f"Profile '{opts.profile}' is not logged in.", err=True)
        if store.warning:
            click.echo(f"note: {store.warning}", err=True)
        sys.exit(3)


def _customer_json(kind: str, customer: Customer | None) -> dict[str, str | None] | None:
    """Who a customer login is: name, email, user_id (None if not known) and why not."""
    if kind != LoginKind.CUSTOMER:
        return None
    if customer is None:
        return {"name": None, "email": None, "user_id": None, "missing": NOT_ASKED}
    return customer.to_dict()


@cli.command("sandbox")
@click.option(
    "--port-base",
    type=int,
    default=8700,
    show_default=True,
    help="Hub N, NA N+1, EU N+2, FE N+3, partner N+4 (0: ephemeral).",
)
@click.option("--json", "json_flag", is_flag=True, help="Print one JSON line of addresses.")
@click.option("--fault", multiple=True, help="e.g. route=enable,status=503,count=2")
@click.option("--transition-delay", type=float, default=2.0, show_default=True)
@click.option(
    "--rotate-refresh-tokens",
    is_flag=True,
    help="Answer each refresh with a new refresh token and revoke the old one.",
)
@click.pass_obj
def sandbox_command(
    opts: Options,
    port_base: int,
    json_flag: bool,
    fault: tuple[str, ...],
    transition_delay: float,
    rotate_refresh_tokens: bool,
) -> None:
    """Run the sandbox in the foreground (Ctrl-C stops it)."""
    from console.sandbox.cli import run_foreground

    sys.exit(
        run_foreground(
            port_base,
            json_flag or opts.as_json,
            faults=fault,
            transition_delay=transition_delay,
            rotate_refresh_tokens=rotate_refresh_tokens,
        )
    )


from console.cli_batch import register as _register_batch  # noqa: E402 (it needs `cli`)

_register_batch(cli)


def main(argv: list[str] | None = None) -> None:
    """skillctl; usage errors and surprises end as a message (JSON with --json), no traceback."""
    ensure_std_streams()  # started with closed streams (a scheduler, `1>&- 2>&-`): no console
    args = sys.argv[1:] if argv is None else argv
    try:
        cli.main(args=args, prog_name="skillctl", standalone_mode=False)
    except click.exceptions.Exit as done:  # --help and friends
        sys.exit(done.exit_code)
    except click.ClickException as exc:
        _fail(args, ValidationError(exc.format_message(), hint="See 'skillctl --help'."), exc)
        sys.exit(exc.exit_code)
    except click.Abort:
        click.echo("aborted", err=True)
        sys.exit(130)
    except ConsoleError as error:  # e.g. a broken settings.toml met outside an operation
        _fail(args, error, None)
        sys.exit(exit_code_for(error))
    except Exception as exc:  # the last line of defence: a message, never a traceback
        text = redact(f"{type(exc).__name__}: {exc}")
        _fail(args, ConsoleError(f"Unexpected failure ({text})"), None)
        sys.exit(1)


def _fail(args: list[str], error: ConsoleError, usage: click.ClickException | None) -> None:
    if "--json" in args:
        click.echo(result_json(None, error))
    elif usage is not None:
        usage.show()
    else:
        for line in error_lines(error):
            click.echo(line, err=True)


if __name__ == "__main__":
    main()
