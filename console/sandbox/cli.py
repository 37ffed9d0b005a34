"""Run the sandbox in the foreground: `python -m console.sandbox` and `skillctl sandbox`."""

from __future__ import annotations

import argparse
import json
import signal
import sys
import threading
from collections.abc import Sequence
from pathlib import Path
from typing import Any, TextIO

from console.sandbox.server import SandboxServer

DEFAULT_PORT_BASE = 8700


def parse_fault(spec: str) -> dict[str, Any]:
    """`route=enable,region=na,status=503,retry_after=1,count=2` → fault fields."""
    fields: dict[str, Any] = {}
    for part in filter(None, spec.split(",")):
        key, sep, value = part.partition("=")
        if not sep:
            fields[key.strip()] = True  # bare flags: drop, drop_response, malformed, truncated
            continue
        key = key.strip()
        if key in ("status", "count"):
            fields[key] = int(value)
        elif key in ("latency", "share"):
            fields[key] = float(value)
        elif key in ("drop", "drop_response", "malformed", "truncated"):
            fields[key] = value.lower() in ("1", "true", "yes")
        else:
            fields[key] = value
    return fields


def describe(server: SandboxServer, out: TextIO) -> None:
    """Human summary: where everything listens and which demo credentials to use."""
    info = server.info()
    urls = server.urls
    print("Skill Enablement sandbox is running (Ctrl-C stops it).", file=out)
    print(f"  LWA authorize   {urls.authorize_url}", file=out)
    print(f"  LWA token       {urls.token_url}", file=out)
    print(f"  North America   {urls.na}", file=out)
    print(f"  Europe          {urls.eu}", file=out)
    print(f"  Far East        {urls.fe}", file=out)
    print(f"  Partner OAuth   {urls.partner_authorize_url}", file=out)
    print(f"  Admin           {urls.admin}/(reset|clock|faults|state|tokens|config)", file=out)
    print(f"  LWA client      {info['client_id']} / {info['client_secret']}", file=out)
    if server.state.config.rotate_refresh_tokens:
        print("  Refresh tokens  rotate: each refresh revokes the one it used", file=out)
    print("  Demo accounts (fixed refresh tokens):", file=out)
    for account in info["accounts"]:  # type: ignore[attr-defined]
        print(
            f"    {account['name']:<20} {account['kind']:<10} {account['region']:<10}"
            f" {account['refresh_token']}",
            file=out,
        )
    print("  Skills:", file=out)
    for skill in info["skills"]:  # type: ignore[attr-defined]
        print(f"    {skill['id']}  {skill['name']} ({', '.join(skill['stages'])})", file=out)
    print("  Point skillctl at it:", file=out)
    for key, value in server.env("developer").items():
        print(f"    export {key}='{value}'", file=out)
    out.flush()


def run_foreground(
    port_base: int = DEFAULT_PORT_BASE,
    as_json: bool = False,
    *,
    seed: Path | None = None,
    faults: Sequence[str] = (),
    transition_delay: float = 2.0,
    rotate_refresh_tokens: bool = False,
    out: TextIO = sys.stdout,
    stop: threading.Event | None = None,
) -> int:
    """Serve until Ctrl-C/SIGTERM (or `stop` is set); returns a process exit code."""
    try:
        server = SandboxServer(
            port_base=port_base,
            seed_path=seed,
            transition_delay=transition_delay,
            rotate_refresh_tokens=rotate_refresh_tokens,
        )
        for spec in faults:
            server.add_fault(**parse_fault(spec))
        server.start()
    except (OSError, ValueError, TypeError, RuntimeError) as exc:
        print(f"sandbox: {exc}", file=sys.stderr)
        return 2
    stop = stop or threading.Event()
    previous = _install_signal_handlers(stop)
    try:
        if as_json:
            print(json.dumps(server.info() | {"env": server.env("developer")}), file=out)
            out.flush()
        else:
            describe(server, out)
        while not stop.wait(0.5):
            pass
    except KeyboardInterrupt:
        pass
    finally:
        server.stop()
        _restore_signal_handlers(previous)
    return 0


def _install_signal_handlers(stop: threading.Event) -> dict[int, Any]:
    if threading.current_thread() is not threading.main_thread():
        return {}
    previous: dict[int, Any] = {}
    for sig in (signal.SIGINT, signal.SIGTERM):
        previous[sig] = signal.signal(sig, lambda *_: stop.set())
    return previous


def _restore_signal_handlers(previous: dict[int, Any]) -> None:
    for sig, handler in previous.items():
        signal.signal(sig, handler)


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m console.sandbox",
        description="Emulator of Login with Amazon, the Skill Enablement API and a partner.",
    )
    parser.add_argument(
        "--port-base",
        type=int,
        default=DEFAULT_PORT_BASE,
        help="hub N, NA N+1, EU N+2, FE N+3, partner N+4 (0: ephemeral)",
    )
    parser.add_argument("--json", action="store_true", help="print one JSON line of addresses")
    parser.add_argument("--seed", type=Path, help="seed data file (default: the shipped one)")
    parser.add_argument(
        "--fault",
        action="append",
        default=[],
        metavar="SPEC",
        help="e.g. route=enable,status=503,retry_after=1,count=2 (repeatable)",
    )
    parser.add_argument(
        "--transition-delay",
        type=float,
        default=2.0,
        help="seconds ENABLING/DISABLING last (sandbox clock)",
    )
    parser.add_argument(
        "--rotate-refresh-tokens",
        action="store_true",
        help="answer each refresh with a new refresh token and revoke the old one, as LWA may",
    )
    args = parser.parse_args(argv)
    return run_foreground(
        args.port_base,
        args.json,
        seed=args.seed,
        faults=args.fault,
        transition_delay=args.transition_delay,
        rotate_refresh_tokens=args.rotate_refresh_tokens,
    )
