"""Run the benchmarks: `make bench` runs every bench/bench_*.py; `make bench NAME=x` the one(s) named x.

Each benchmark module defines NAME (or NAMES) and `main() -> None`, prints what it does and ends with
one line per figure: `BENCH <name> <value> <unit> target <target> pass|fail`. Benchmarks run in
their own database (BENCH_DATABASE_URL, default SQLite var/bench.db) so the demo database is untouched;
they load full-size demo data there on first use.
"""

from __future__ import annotations

import importlib.util
import os
import subprocess
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent


def discover() -> dict[str, Path]:
    found = {}
    for path in sorted(HERE.glob("bench_*.py")):
        spec = importlib.util.spec_from_file_location(path.stem, path)
        text = path.read_text(encoding="utf-8")
        names = []
        for line in text.splitlines():
            if line.startswith("NAME = ") or line.startswith("NAMES = "):
                names = eval(line.split("=", 1)[1].strip())  # noqa: S307 - our own literal
                names = [names] if isinstance(names, str) else list(names)
                break
        del spec
        for name in names or [path.stem.removeprefix("bench_")]:
            found[name] = path
    return found


def ensure_postgres_database(url: str) -> None:
    """Create the bench database on the PostgreSQL server when it does not exist yet."""
    if not url.startswith(("postgres://", "postgresql://")):
        return
    import dj_database_url
    import psycopg

    cfg = dj_database_url.parse(url)
    params = {
        "host": cfg["HOST"] or None,
        "port": cfg["PORT"] or None,
        "user": cfg["USER"] or None,
        "password": cfg["PASSWORD"] or None,
    }
    with psycopg.connect(
        dbname="postgres", autocommit=True, **{k: v for k, v in params.items() if v}
    ) as conn:
        exists = conn.execute(
            "SELECT 1 FROM pg_database WHERE datname = %s", [cfg["NAME"]]
        ).fetchone()
        if not exists:
            conn.execute(f'CREATE DATABASE "{cfg["NAME"]}"')


def main(argv: list[str]) -> int:
    benches = discover()
    wanted = argv[0] if argv and argv[0] else None
    if wanted:
        paths = sorted(
            {p for n, p in benches.items() if n == wanted or p.stem == f"bench_{wanted}"}
        )
        if not paths:
            print(
                f"no benchmark named {wanted!r}; known: {', '.join(sorted(benches))}",
                file=sys.stderr,
            )
            return 2
    else:
        paths = sorted(set(benches.values()))
    env = dict(os.environ)
    env.setdefault("DJANGO_SETTINGS_MODULE", "fengqiao.settings")
    env.setdefault("BENCH_DATABASE_URL", f"sqlite:///{ROOT / 'var' / 'bench.db'}")
    env["DATABASE_URL"] = env["BENCH_DATABASE_URL"]
    ensure_postgres_database(env["DATABASE_URL"])
    env["PYTHONPATH"] = str(ROOT) + os.pathsep + env.get("PYTHONPATH", "")
    status = 0
    for path in paths:
        print(f"== {path.name} ({env['DATABASE_URL'].split('@')[-1]})", flush=True)
        result = subprocess.run([sys.executable, str(path)], env=env, cwd=ROOT, check=False)
        status = status or result.returncode
    return status


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
