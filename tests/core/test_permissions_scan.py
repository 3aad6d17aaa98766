"""Who may do what is answered in one room per app: `<app>/permissions.py`. A `can_*` function anywhere
else is a permission a reader will not find by guessing its file."""

import ast
from pathlib import Path

SRC = Path(__file__).resolve().parents[2] / "src" / "fengqiao"

# Files that still define can_* functions, each with its reason. Nothing else may join this list.
ALLOWED = {
    # the wall's check sits in the roles table itself: the push tier reads it and must not import
    # command (import contracts, branch layers); command/permissions.py re-exports it
    "accounts/roles.py",
    # not yet moved to the vehicles/permissions.py that branch svcsplit created
    "vehicles/models.py",
}


def _can_functions(path: Path) -> list[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    return [
        f"{node.name} (line {node.lineno})"
        for node in tree.body
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef) and node.name.startswith("can_")
    ]


def test_permission_functions_live_in_permissions_modules():
    stray = []
    for path in sorted(SRC.rglob("*.py")):
        relative = path.relative_to(SRC).as_posix()
        if path.name == "permissions.py" or "/migrations/" in relative or relative in ALLOWED:
            continue
        stray += [f"{relative}: {name}" for name in _can_functions(path)]
    assert not stray, "move these to <app>/permissions.py:\n" + "\n".join(stray)


def test_the_scan_sees_the_permissions_modules():
    found = {p.parent.name for p in SRC.glob("*/permissions.py") if _can_functions(p)}
    assert {"core", "command", "field", "incidents", "antifraud", "reports"} <= found
