"""`pip install .` gives a working `fengqiao` command.

`pyproject.toml` once declared `dependencies = []`, so an installed `fengqiao` failed with "No
module named 'django'" (issue 20). pyproject declares what the command needs; requirements.txt pins
the versions we test; these tests keep the two in step and install the package into a fresh venv.
"""

from __future__ import annotations

import json
import os
import subprocess
import tomllib
import venv
from pathlib import Path

import pytest
from packaging.requirements import Requirement
from packaging.utils import canonicalize_name

ROOT = Path(__file__).resolve().parents[2]
GT06_LOGIN = (
    "78780D01086471700328358100093F040D0A"  # Traccar's Gt06ProtocolDecoderTest (as tests/gateway)
)


def _declared() -> dict[str, Requirement]:
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    return {canonicalize_name(r.name): r for r in map(Requirement, project["dependencies"])}


def _pinned() -> dict[str, Requirement]:
    pins = {}
    for line in (ROOT / "requirements.txt").read_text().splitlines():
        line = line.split("#", 1)[0].strip()
        if line and not line.startswith("-"):
            requirement = Requirement(line)
            pins[canonicalize_name(requirement.name)] = requirement
    return pins


def test_every_pinned_runtime_requirement_is_declared_and_fits_its_range():
    declared, pinned = _declared(), _pinned()
    assert set(pinned) == set(declared), "requirements.txt and pyproject.toml list other packages"
    for name, pin in pinned.items():
        (spec,) = pin.specifier
        assert spec.operator == "==", f"{name} is not pinned in requirements.txt"
        assert declared[name].specifier.contains(spec.version), (
            f"{name}=={spec.version} is outside pyproject's {declared[name].specifier}"
        )


@pytest.mark.timeout(900)
def test_pip_install_into_a_fresh_venv_gives_a_working_command(tmp_path):
    if os.environ.get("DATABASE_URL", "").startswith("postgres"):
        pytest.skip("installation does not depend on the database: run once, with SQLite")
    target = tmp_path / "venv"
    venv.EnvBuilder(with_pip=True).create(target)
    python = target / "bin" / "python"
    env = {k: v for k, v in os.environ.items() if k not in {"PYTHONPATH", "VIRTUAL_ENV"}}
    env["PIP_DISABLE_PIP_VERSION_CHECK"] = "1"
    # only pyproject's dependencies are installed; requirements.txt just holds them at the tested
    # versions (a constraint names a version, not extras)
    constraints = tmp_path / "constraints.txt"
    constraints.write_text("".join(f"{r.name}{r.specifier}\n" for r in _pinned().values()))
    subprocess.run(  # noqa: S603 - pip of the venv we just made
        [str(python), "-m", "pip", "install", "--quiet", "-c", str(constraints), "."],
        cwd=ROOT,
        env=env,
        check=True,
        timeout=840,
    )
    env["DATABASE_URL"] = f"sqlite:///{tmp_path / 'fengqiao.db'}"
    decoded = subprocess.run(  # noqa: S603
        [str(target / "bin" / "fengqiao"), "gateway", "decode", "--protocol", "gt06", GT06_LOGIN],
        cwd=tmp_path,
        env=env,
        capture_output=True,
        text=True,
        check=False,
        timeout=120,
    )
    assert decoded.returncode == 0, decoded.stderr
    message = json.loads(decoded.stdout.splitlines()[0])
    assert message["type"] == "login" and message["device_id"] == "864717003283581"
