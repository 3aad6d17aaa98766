"""Users read what things mean, not internals: no "card:…" credentials, no settings names, no
player error codes (issue 24)."""

import re
from pathlib import Path

from fengqiao.estates.rules import subject_label

SRC = Path(__file__).resolve().parents[2] / "src" / "fengqiao"


def test_a_card_credential_reads_as_an_access_card():
    assert subject_label("card:1057284807") == "门禁卡 1057284807"
    assert subject_label("900") == "人员编号 900"
    assert subject_label("") == "—"


def test_no_template_shows_a_raw_credential_or_settings_name():
    found = []
    for path in SRC.rglob("templates/**/*.html"):
        text = re.sub(r"\{#.*?#\}", "", path.read_text(encoding="utf-8"), flags=re.S)
        for n, line in enumerate(text.splitlines(), 1):
            if re.search(r"\{\{ *(?!f\.)\w+\.subject *\}\}", line) or re.search(
                r"\b[A-Z][A-Z_]{5,}\)", line
            ):
                found.append(f"{path.relative_to(SRC)}:{n}")
    assert not found, found


def test_player_errors_are_explained_not_shown_as_codes():
    player = (SRC / "command/static/command/player.js").read_text(encoding="utf-8")
    # the state line gets a translated reason, the raw code only goes to data-error
    assert not re.search(r"state\(video, (data\.details|String\(detail\)|err\.message)", player)
    template = (SRC / "command/templates/command/_player.html").read_text(encoding="utf-8")
    for kind in ("network", "format", "other"):
        assert f"data-msg-why-{kind}=" in template
