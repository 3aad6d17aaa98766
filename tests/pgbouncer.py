"""A PgBouncer of our own (Debian's /usr/sbin/pgbouncer) in transaction mode, for the suite and tests.

    python -m tests.pgbouncer [--port 6432] [--upstream-port 5432] -- COMMAND...

starts one (its own config in a temporary folder; never the system service), in front of
127.0.0.1:<upstream> with a wildcard database, runs COMMAND, stops it and exits with COMMAND's
status. `make test-postgres` runs the suite through it (docs/testing.md).
"""

from __future__ import annotations

import argparse
import contextlib
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path

BINARY = shutil.which("pgbouncer") or "/usr/sbin/pgbouncer"
USERS = ("postgres", "fengqiao_app_test")


def available() -> bool:
    return Path(BINARY).exists()


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@contextlib.contextmanager
def running(
    port: int, *, upstream_port: int = 5432, pool_size: int = 20, users=USERS
) -> Iterator[int]:
    """A PgBouncer listening on 127.0.0.1:port in transaction mode; stopped on exit."""
    folder = Path(tempfile.mkdtemp(prefix="fq-pgbouncer-"))
    (folder / "users.txt").write_text("".join(f'"{u}" ""\n' for u in users), encoding="utf-8")
    (folder / "pgbouncer.ini").write_text(
        "\n".join(
            [
                "[databases]",
                f"* = host=127.0.0.1 port={upstream_port}",
                "[pgbouncer]",
                "listen_addr = 127.0.0.1",
                f"listen_port = {port}",
                f"unix_socket_dir = {folder}",
                "auth_type = trust",
                f"auth_file = {folder / 'users.txt'}",
                "pool_mode = transaction",
                f"default_pool_size = {pool_size}",
                "max_client_conn = 500",
                "server_reset_query =",
                "ignore_startup_parameters = extra_float_digits",
                f"logfile = {folder / 'pgbouncer.log'}",
                f"pidfile = {folder / 'pgbouncer.pid'}",
                "",
            ]
        ),
        encoding="utf-8",
    )
    command = [BINARY, "-q", str(folder / "pgbouncer.ini")]
    if os.geteuid() == 0:  # PgBouncer refuses to run as root: as the postgres (else nobody) user
        import pwd

        try:
            account = pwd.getpwnam("postgres")
        except KeyError:
            account = pwd.getpwnam("nobody")
        for path in (folder, *folder.iterdir()):
            os.chown(path, account.pw_uid, account.pw_gid)
        command[1:1] = ["-u", account.pw_name]
    process = subprocess.Popen(  # noqa: S603 - Debian's pgbouncer with our own config
        command,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    try:
        deadline = time.monotonic() + 15
        while True:
            if process.poll() is not None:
                log = (folder / "pgbouncer.log").read_text(errors="replace")[-2000:]
                raise RuntimeError(f"pgbouncer exited ({process.returncode}): {log}")
            with contextlib.suppress(OSError), socket.create_connection(("127.0.0.1", port), 1):
                break
            if time.monotonic() > deadline:
                raise RuntimeError(f"pgbouncer did not listen on {port} within 15 s")
            time.sleep(0.1)
        yield port
    finally:
        if process.poll() is None:
            process.send_signal(signal.SIGINT)  # SIGINT: safe shutdown
            try:
                process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait(timeout=5)
        shutil.rmtree(folder, ignore_errors=True)


def main(argv: list[str] | None = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    if "--" not in argv:
        print(__doc__, file=sys.stderr)
        return 2
    split = argv.index("--")
    parser = argparse.ArgumentParser(prog="python -m tests.pgbouncer")
    parser.add_argument("--port", type=int, default=int(os.environ.get("PGBOUNCER_PORT", 6432)))
    parser.add_argument("--upstream-port", type=int, default=5432)
    args = parser.parse_args(argv[:split])
    command = argv[split + 1 :]
    with running(args.port, upstream_port=args.upstream_port):
        print(f"== PgBouncer (transaction mode) on 127.0.0.1:{args.port}", flush=True)
        child = subprocess.Popen(command)  # noqa: S603 - the caller's command
        try:
            return child.wait()
        except KeyboardInterrupt:
            child.send_signal(signal.SIGINT)
            return child.wait()


if __name__ == "__main__":
    sys.exit(main())
