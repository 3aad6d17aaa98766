"""Throw-away PostgreSQL clusters for the replica and backup tests (and by hand: see `main`).

A primary made with `initdb` (wal_level=replica, trust on 127.0.0.1, replication allowed), a
streaming replica made from it with `pg_basebackup -R`, and a base backup + WAL archive restored to
a point in time. Each cluster lives in a temporary directory owned by the `postgres` OS user (the
server refuses to run as root) and listens on 127.0.0.1 only; `stop()` shuts it down fast.

    python -m tests.pgcluster replica 5440 5441   # start a primary and its replica, wait for Enter
"""

from __future__ import annotations

import os
import shutil
import subprocess
import tempfile
import time
from pathlib import Path

# The tests' ports: PGCLUSTER_PORT_BASE (default 5440) for the replica test's primary, +1 its
# replica, +2 the backup test's primary, +3 its restored cluster. Give concurrent runs other bases.
PORT_BASE = int(os.environ.get("PGCLUSTER_PORT_BASE", "5440"))
BIN_DIRS = [Path("/usr/lib/postgresql/15/bin"), Path("/usr/lib/postgresql/16/bin")]


def bin_dir() -> Path | None:
    env = os.environ.get("PG_BIN_DIR")
    for folder in [Path(env)] if env else BIN_DIRS:
        if (folder / "initdb").exists() and (folder / "pg_basebackup").exists():
            return folder
    found = shutil.which("initdb")
    return Path(found).parent if found else None


def missing_reason() -> str | None:
    """Why these clusters cannot run here (None when they can)."""
    if bin_dir() is None:
        return "initdb/pg_basebackup not found (apt install postgresql-15)"
    if os.geteuid() == 0:
        try:
            import pwd

            pwd.getpwnam("postgres")
        except KeyError:
            return "running as root and there is no postgres OS user to run the server"
    return None


def _as_postgres(args: list[str], **kwargs) -> subprocess.CompletedProcess:
    if os.geteuid() == 0:
        args = ["runuser", "-u", "postgres", "--", *args]
    kwargs.setdefault("check", True)
    kwargs.setdefault("capture_output", True)
    kwargs.setdefault("text", True)
    kwargs.setdefault("timeout", 120)
    return subprocess.run(args, **kwargs)  # noqa: S603 - our own arguments


def _chown(path: Path) -> None:
    if os.geteuid() == 0:
        shutil.chown(path, "postgres", "postgres")


class Cluster:
    def __init__(self, port: int, root: Path | None = None, name: str = "primary"):
        self.port = port
        self.name = name
        self.bin = bin_dir()
        self.root = root or Path(tempfile.mkdtemp(prefix=f"fq-pg-{name}-{port}-"))
        _chown(self.root)
        self.data = self.root / "data"
        self.archive = self.root / "archive"
        self.logfile = self.root / "server.log"
        self.running = False

    # -- building

    def init(self, *, archive: bool = False) -> Cluster:
        _as_postgres(
            [
                str(self.bin / "initdb"),
                "-D",
                str(self.data),
                "-U",
                "postgres",
                "-A",
                "trust",
                "-E",
                "UTF8",
                "--locale=C.UTF-8",
            ]
        )
        settings = [
            f"port = {self.port}",
            "listen_addresses = '127.0.0.1'",
            f"unix_socket_directories = '{self.root}'",
            "wal_level = replica",
            "max_wal_senders = 5",
            "hot_standby = on",
            "fsync = off",  # throw-away clusters of the tests
            "synchronous_commit = off",
            "full_page_writes = on",
            "shared_buffers = 32MB",
            "max_connections = 30",
            "wal_keep_size = 64MB",
            "hot_standby_feedback = on",
        ]
        if archive:
            self.archive.mkdir(exist_ok=True)
            _chown(self.archive)
            settings += [
                "archive_mode = on",
                # atomic: a half-copied segment must never carry the final name (docs/deploy.md)
                f"archive_command = 'test ! -f {self.archive}/%f && cp %p {self.archive}/%f.part"
                f" && mv {self.archive}/%f.part {self.archive}/%f'",
                "archive_timeout = 60",
            ]
        with open(self.data / "postgresql.auto.conf", "a") as conf:
            conf.write("\n".join(settings) + "\n")
        with open(self.data / "pg_hba.conf", "a") as hba:
            hba.write("host replication all 127.0.0.1/32 trust\nhost all all 127.0.0.1/32 trust\n")
        return self

    def replica(self, port: int) -> Cluster:
        """A streaming replica of this (running) cluster: pg_basebackup -R, started on `port`."""
        standby = Cluster(port, name="replica")
        _as_postgres(
            [
                str(self.bin / "pg_basebackup"),
                "-h",
                "127.0.0.1",
                "-p",
                str(self.port),
                "-U",
                "postgres",
                "-D",
                str(standby.data),
                "-R",
                "-X",
                "stream",
                "-c",
                "fast",
            ]
        )
        standby._own_settings()
        try:
            return standby.start()
        except RuntimeError:
            shutil.rmtree(standby.root, ignore_errors=True)
            raise

    def base_backup(self, target: Path) -> Path:
        """A base backup (tar of the data directory, WAL fetched) into `target`."""
        target.mkdir(parents=True, exist_ok=True)
        _chown(target)
        _as_postgres(
            [
                str(self.bin / "pg_basebackup"),
                "-h",
                "127.0.0.1",
                "-p",
                str(self.port),
                "-U",
                "postgres",
                "-D",
                str(target),
                "-X",
                "fetch",
                "-c",
                "fast",
            ]
        )
        return target

    @classmethod
    def restore(
        cls,
        backup: Path,
        archive: Path,
        port: int,
        *,
        target_time: str | None = None,
        target_name: str | None = None,
    ) -> Cluster:
        """A new cluster from a base backup, replaying WAL from the archive up to a point, then promoted."""
        restored = cls(port, name="restored")
        shutil.copytree(backup, restored.data, symlinks=True)
        for path in [restored.data, *restored.data.rglob("*")]:
            _chown(path)
        os.chmod(restored.data, 0o700)
        restored._own_settings()
        lines = [f"restore_command = 'cp {archive}/%f %p'", "recovery_target_action = 'promote'"]
        if target_time:
            lines.append(f"recovery_target_time = '{target_time}'")
        if target_name:
            lines.append(f"recovery_target_name = '{target_name}'")
        with open(restored.data / "postgresql.auto.conf", "a") as conf:
            conf.write("\n".join(lines) + "\n")
        (restored.data / "recovery.signal").touch()
        _chown(restored.data / "recovery.signal")
        try:
            return restored.start()
        except RuntimeError:
            shutil.rmtree(restored.root, ignore_errors=True)  # the log is in the error
            raise

    def _own_settings(self) -> None:
        """A copied data directory carries the source's port, socket folder and archiving: make them ours."""
        with open(self.data / "postgresql.auto.conf", "a") as conf:
            conf.write(
                f"port = {self.port}\nunix_socket_directories = '{self.root}'\narchive_mode = off\n"
            )

    # -- running

    def start(self) -> Cluster:
        try:
            _as_postgres(
                [
                    str(self.bin / "pg_ctl"),
                    "-D",
                    str(self.data),
                    "-l",
                    str(self.logfile),
                    "-w",
                    "-t",
                    "90",
                    "start",
                ]
            )
        except subprocess.CalledProcessError as error:
            raise RuntimeError(
                f"{self.name} on {self.port} did not start: {error.stdout}{error.stderr}\n{self.log_tail()}"
            ) from error
        self.running = True
        return self

    def stop(self, mode: str = "fast") -> None:
        if self.running:
            _as_postgres(
                [
                    str(self.bin / "pg_ctl"),
                    "-D",
                    str(self.data),
                    "-m",
                    mode,
                    "-w",
                    "-t",
                    "60",
                    "stop",
                ],
                check=False,
            )
            self.running = False

    def destroy(self) -> None:
        self.stop("immediate")
        shutil.rmtree(self.root, ignore_errors=True)

    def url(self, dbname: str = "postgres") -> str:
        return f"postgres://postgres@127.0.0.1:{self.port}/{dbname}"

    def sql(self, statement: str, dbname: str = "postgres", params=None):
        import psycopg

        with psycopg.connect(self.url(dbname), autocommit=True, connect_timeout=5) as conn:
            cursor = conn.execute(statement, params)
            return cursor.fetchall() if cursor.description else None

    def wait_until(self, statement: str, expected, dbname: str = "postgres", timeout: float = 30):
        deadline = time.monotonic() + timeout
        last = None
        while time.monotonic() < deadline:
            try:
                last = self.sql(statement, dbname)
                if last and last[0][0] == expected:
                    return
            except Exception as error:  # starting up
                last = error
            time.sleep(0.2)
        raise TimeoutError(
            f"{self.name}:{self.port}: {statement!r} gave {last!r}, not {expected!r}\n"
            + self.log_tail()
        )

    def log_tail(self, n: int = 30) -> str:
        try:
            return "\n".join(self.logfile.read_text().splitlines()[-n:])
        except OSError:
            return ""


def copy_database(source_url: str, target: Cluster, dbname: str) -> None:
    """The schema and rows of `source_url` (e.g. the migrated test template) into a new database."""
    target.sql(f'CREATE DATABASE "{dbname}"')
    dump = subprocess.run(  # noqa: S603
        [str(bin_dir() / "pg_dump"), "--no-owner", "--no-privileges", source_url],
        check=True,
        capture_output=True,
        timeout=120,
    )
    subprocess.run(  # noqa: S603
        [str(bin_dir() / "psql"), "-q", "-v", "ON_ERROR_STOP=1", target.url(dbname)],
        input=dump.stdout,
        check=True,
        capture_output=True,
        timeout=120,
    )


def main(argv: list[str]) -> None:
    if argv[:1] != ["replica"] or len(argv) != 3:
        raise SystemExit("usage: python -m tests.pgcluster replica PRIMARY_PORT REPLICA_PORT")
    primary = Cluster(int(argv[1])).init().start()
    replica = primary.replica(int(argv[2]))
    print(f"primary {primary.url()}  ({primary.root})\nreplica {replica.url()}  ({replica.root})")
    try:
        input("Enter stops both … ")
    finally:
        replica.destroy()
        primary.destroy()


if __name__ == "__main__":
    import sys

    main(sys.argv[1:])
