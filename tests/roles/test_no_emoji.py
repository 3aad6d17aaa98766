"""No UI text depends on an emoji font: Debian, UOS and Kylin show empty boxes (issue 24)."""

import re
from pathlib import Path

SRC = Path(__file__).resolve().parents[2] / "src" / "fengqiao"

# Emoji (pictographs, symbols and dingbats) show as empty boxes without an emoji font.
EMOJI = re.compile("[\U0001f300-\U0001faff\u2600-\u27bf\U0001f000-\U0001f2ff\ufe0f]")


def test_no_ui_text_depends_on_an_emoji_font():
    found = []
    paths = list(SRC.rglob("templates/**/*.html")) + [
        p for p in SRC.rglob("static/**/*.js") if "vendor" not in p.parts
    ]
    paths += [p for p in SRC.rglob("*.py") if "migrations" not in p.parts]
    for path in paths:
        for n, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
            if EMOJI.search(line):
                found.append(f"{path.relative_to(SRC)}:{n}: {line.strip()[:80]}")
    assert not found, "emoji in UI text:\n" + "\n".join(found)
