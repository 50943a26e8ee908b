"""`kg serve`: the Oxigraph server, read-only, over the built store, all named graphs as the default graph."""

from __future__ import annotations

import ipaddress
import shutil
import signal
import socket
import subprocess
import sys
from pathlib import Path

STOP_TIMEOUT = 10.0  # seconds the server gets to exit after Ctrl-C before it is killed


def oxigraph_binary() -> Path:
    """The `oxigraph` server installed with this Python (the `oxigraph` package on PyPI), else one on PATH."""
    beside = Path(sys.executable).parent / "oxigraph"
    if beside.exists():
        return beside
    found = shutil.which("oxigraph")
    if found is None:
        raise FileNotFoundError("the `oxigraph` server is not installed: pip install oxigraph")
    return Path(found)


def is_loopback(host: str) -> bool:
    """True when `host` only accepts connections from this machine."""
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:  # a host name other than localhost may resolve to anything
        return False


def _unspecified(host: str) -> ipaddress.IPv4Address | ipaddress.IPv6Address | None:
    """The address when `host` means every interface (0.0.0.0, ::), else None."""
    try:
        address = ipaddress.ip_address(host.strip("[]"))
    except ValueError:
        return None
    return address if address.is_unspecified else None


def url(host: str, port: int) -> str:
    """A base URL that reaches the server from this machine: every interface is reached on loopback."""
    if (address := _unspecified(host)) is not None:
        host = "127.0.0.1" if address.version == 4 else "::1"
    return f"http://[{host}]:{port}/" if ":" in host else f"http://{host}:{port}/"


def network_url(host: str, port: int) -> str:
    """A base URL for other machines: this machine's name when the server listens on every interface."""
    return url(socket.gethostname() if _unspecified(host) else host, port)


def command(store: Path, host: str, port: int) -> list[str]:
    """The server's command line: read-only, with the union of all graphs as the default graph."""
    bind = f"[{host}]:{port}" if ":" in host else f"{host}:{port}"
    return [
        str(oxigraph_binary()), "serve-read-only", "--location", str(store), "--bind", bind,
        "--union-default-graph",
    ]


def check_store(store: Path) -> None:
    """A clear error when there is no built store at `store`."""
    if not (store / "CURRENT").exists():
        raise FileNotFoundError(f"{store}: no store here (run `kg build` first, or pass --store)")


def serve(store: Path, host: str = "127.0.0.1", port: int = 7878) -> int:
    """Run the server in the foreground until it exits, Ctrl-C or SIGTERM; its exit code, 0 when stopped."""
    check_store(store)
    if not is_loopback(host):
        print(f"kg: warning: listening on {host}: anyone who can reach this machine can query the graph, "
              f"at {network_url(host, port)}", file=sys.stderr)
    print(f"kg: serving {store} read-only at {url(host, port)} (SPARQL endpoint {url(host, port)}query); "
          "Ctrl-C to stop", file=sys.stderr)
    process = subprocess.Popen(command(store, host, port))
    previous = signal.signal(signal.SIGTERM, _interrupt)  # `kill` stops the server too, not only its parent
    try:
        return process.wait()
    except KeyboardInterrupt:
        stop(process)
        return 0
    finally:
        signal.signal(signal.SIGTERM, previous)


def _interrupt(signum: int, frame: object) -> None:
    raise KeyboardInterrupt


def stop(process: subprocess.Popen) -> None:
    """Stop the server: terminate, then kill if it does not exit in time."""
    previous = signal.signal(signal.SIGINT, signal.SIG_IGN)  # a second Ctrl-C must not leave it running
    try:
        process.terminate()
        try:
            process.wait(timeout=STOP_TIMEOUT)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
    finally:
        signal.signal(signal.SIGINT, previous)
