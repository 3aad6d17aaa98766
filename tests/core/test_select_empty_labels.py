"""No select in a template offers "---------" or a bare dash as its empty choice: it reads 请选择 (a
form) or 全部 (a filter), as Django's forms do through core/forms.py (issue 24)."""

import re
from pathlib import Path

SRC = Path(__file__).resolve().parents[2] / "src" / "fengqiao"


def test_no_template_select_has_a_dash_for_its_empty_choice():
    bad = {}
    for path in SRC.rglob("templates/**/*.html"):
        text = path.read_text(encoding="utf-8")
        for m in re.finditer(r'<option value="">\s*([^<]*?)\s*</option>', text):
            label = m.group(1)
            if re.fullmatch(r"[-—–\s]*", label):
                bad.setdefault(str(path.relative_to(SRC)), []).append(label or "(empty)")
    assert not bad, f"empty choices without 请选择/全部: {bad}"
