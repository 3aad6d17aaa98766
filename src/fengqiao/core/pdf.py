"""The CJK font every PDF embeds (reportlab TrueType subset), from settings.PDF_CJK_FONT.

Default: Debian's fonts-wqy-zenhei (/usr/share/fonts/truetype/wqy/wqy-zenhei.ttc, TrueType outlines,
subfont 0). Embedding makes a printed 调解协议书 or monthly report look the same on any reader; the
old built-in CID font (STSong-Light) relied on the reader having a Chinese font.

When the file is missing or unreadable the PDF still comes out, with the CID font (not embedded) and a
warning in the log naming the setting: a missing font must not stop a mediator printing an agreement.
`cjk_font(strict=True)` raises instead (the system check and the tests use it).
"""

from __future__ import annotations

import logging
from pathlib import Path

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured

logger = logging.getLogger(__name__)

EMBEDDED_NAME = "FengqiaoCJK"
FALLBACK_NAME = "STSong-Light"
DEFAULT_PATH = "/usr/share/fonts/truetype/wqy/wqy-zenhei.ttc"


def font_path() -> str:
    return str(getattr(settings, "PDF_CJK_FONT", "") or DEFAULT_PATH)


def _missing_message(path: str, exc: Exception | None = None) -> str:
    return f"PDF 中文字体文件不可用:{path}(设置 PDF_CJK_FONT;Debian 上安装 fonts-wqy-zenhei)" + (
        f":{exc}" if exc else ""
    )


_registered: dict[str, str] = {}


def cjk_font(*, strict: bool = False) -> str:
    """The registered font name to use in reportlab styles: the embedded TrueType font, or the CID
    fallback (strict: raise ImproperlyConfigured instead)."""
    from reportlab.pdfbase import pdfmetrics

    path = font_path()
    if path in _registered:
        return _registered[path]
    name = EMBEDDED_NAME if not _registered else f"{EMBEDDED_NAME}{len(_registered)}"
    try:
        if not Path(path).is_file():
            raise FileNotFoundError(path)
        from reportlab.pdfbase.ttfonts import TTFont

        index = int(getattr(settings, "PDF_CJK_FONT_INDEX", 0) or 0)
        pdfmetrics.registerFont(TTFont(name, path, subfontIndex=index))
    except Exception as exc:  # noqa: BLE001 - any unreadable font file falls back
        if strict:
            raise ImproperlyConfigured(_missing_message(path, exc)) from exc
        logger.warning(_missing_message(path, exc) + ";改用未嵌入的 STSong-Light")
        from reportlab.pdfbase.cidfonts import UnicodeCIDFont

        if FALLBACK_NAME not in pdfmetrics.getRegisteredFontNames():
            pdfmetrics.registerFont(UnicodeCIDFont(FALLBACK_NAME))
        return FALLBACK_NAME
    _registered[path] = name
    return name
