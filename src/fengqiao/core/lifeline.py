"""Child processes that die with their parent (issue 20, defect 7). Plain Python, no Django.

A supervisor (`fengqiao gateway serve --processes N`, `fengqiao estate_gateway serve --processes N`,
`fengqiao rundemo`) that is killed with `kill -9` cannot stop its children; without help they would
live on, still listening, and the restarted supervisor would start a second set beside them (four
listeners on one port with SO_REUSEPORT). Two lifelines, so either alone is enough:

- Linux: the child asks the kernel for SIGTERM when its parent dies (`prctl(PR_SET_PDEATHSIG)`,
  set between fork and exec, kept across exec).
- Everywhere: the child inherits the read end of a pipe whose write end only the parent holds. When the
  parent dies, however it dies, the kernel closes that end; a thread of the child reads end-of-file,
  sends itself SIGTERM (a clean stop) and, if it is still alive 10 seconds later, exits.
"""

from __future__ import annotations

import contextlib
import ctypes
import ctypes.util
import os
import signal
import sys
import threading
import time

PR_SET_PDEATHSIG = 1
ENV = "FENGQIAO_PARENT_FD"  # the pipe's read end, as the child sees it
GRACE_SECONDS = 10.0


def _prctl():
    if not sys.platform.startswith("linux"):
        return None
    try:
        libc = ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6", use_errno=True)
    except OSError:
        return None
    return getattr(libc, "prctl", None)


def die_with_parent(parent_pid: int):
    """A `preexec_fn` for Popen: SIGTERM to the child when the parent dies (Linux). If the parent
    died before the call, the child ends at once. None where prctl is missing."""
    prctl = _prctl()
    if prctl is None:
        return None

    def preexec() -> None:
        prctl(PR_SET_PDEATHSIG, signal.SIGTERM, 0, 0, 0)
        if os.getppid() != parent_pid:
            os._exit(1)

    return preexec


class Lifeline:
    """The parent's side of the pipe: `popen_kwargs(env)` for each child, `close()` when done."""

    def __init__(self, *, pdeathsig: bool = True):
        self.read_fd, self.write_fd = os.pipe()  # both not inherited unless passed
        self.preexec = die_with_parent(os.getpid()) if pdeathsig else None

    def popen_kwargs(self, env: dict | None) -> dict:
        env = dict(os.environ if env is None else env)
        env[ENV] = str(self.read_fd)
        kwargs = {"env": env, "pass_fds": (self.read_fd,)}
        if self.preexec is not None:
            kwargs["preexec_fn"] = self.preexec
        return kwargs

    def started(self) -> None:
        """Every child has its copy of the read end: the parent's is closed (only children read)."""
        if self.read_fd >= 0:
            os.close(self.read_fd)
            self.read_fd = -1

    def close(self) -> None:
        self.started()
        if self.write_fd >= 0:
            os.close(self.write_fd)
            self.write_fd = -1


def watch_parent(environ=os.environ) -> threading.Thread | None:
    """In a child started with a lifeline: stop when the parent is gone. The variable is removed, so
    the child's own children do not take an unrelated descriptor for a lifeline."""
    value = environ.pop(ENV, None)
    if not value:
        return None
    try:
        fd = int(value)
        os.fstat(fd)
    except (ValueError, OSError):
        return None

    def watch() -> None:
        with contextlib.suppress(OSError):
            while os.read(fd, 1):  # the parent never writes: this returns only at its death
                pass
        print("parent process gone: stopping", file=sys.stderr, flush=True)
        os.kill(os.getpid(), signal.SIGTERM)
        time.sleep(GRACE_SECONDS)
        os._exit(1)

    thread = threading.Thread(target=watch, name="parent-lifeline", daemon=True)
    thread.start()
    return thread
