"""The `fengqiao` console command for operators.

fengqiao serve [--port 8000] [--workers N]   serve the web app (gunicorn)
fengqiao migrate                             create or upgrade the database
fengqiao demo [--scale N]                    load the reference station's demo data
fengqiao createuser ...                      create a user
fengqiao <any Django management command>
"""

from __future__ import annotations

import os
import sys


def _django_setup():
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "fengqiao.settings")


def serve(argv: list[str]) -> int:
    import argparse

    parser = argparse.ArgumentParser(
        prog="fengqiao serve", description="Serve the web app with gunicorn."
    )
    parser.add_argument("--host", default=os.environ.get("HOST", "127.0.0.1"))
    parser.add_argument("--port", type=int, default=int(os.environ.get("PORT", "8000")))
    parser.add_argument("--workers", type=int, default=int(os.environ.get("WEB_WORKERS", "2")))
    parser.add_argument("--threads", type=int, default=int(os.environ.get("WEB_THREADS", "24")))
    args = parser.parse_args(argv)
    _django_setup()
    import django
    from django.core.management import call_command

    django.setup()
    call_command("collectstatic", interactive=False, verbosity=0)
    from gunicorn.app.wsgiapp import run

    sys.argv = [
        "gunicorn",
        "fengqiao.wsgi:application",
        "--bind",
        f"{args.host}:{args.port}",
        "--workers",
        str(args.workers),
        "--worker-class",
        "gthread",
        "--threads",
        str(args.threads),
        "--timeout",
        "120",
        "--access-logfile",
        "-",
    ]
    return run() or 0


def main(argv: list[str] | None = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    from fengqiao.core.lifeline import watch_parent

    watch_parent()  # started by a supervisor: stop when it is gone (docs/gateway.md)
    if argv and argv[0] == "serve":
        return serve(argv[1:])  # web requests: the scope of the signed-in user (core/rls.py)
    if argv and argv[0] == "migrate" and os.environ.get("MIGRATE_DATABASE_URL"):
        # migrations run as the owner role; every other command as the application role
        os.environ["DATABASE_URL"] = os.environ["MIGRATE_DATABASE_URL"]
    from fengqiao.core import rls

    # Trusted processes (job worker, gateway, push tier, sweeper, operators' commands): all stations.
    rls.set_process_default(rls.ALL)
    _django_setup()
    from django.core.management import execute_from_command_line

    execute_from_command_line(["fengqiao", *argv])
    return 0


if __name__ == "__main__":
    sys.exit(main())
