"""Pure rules of the law study: lateness, quiz text parsing and scoring, attendance rates. No database."""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass, field

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from fengqiao.lawstudy.choices import AttendanceStatus


def sign_in_status(signed_at: dt.datetime, starts_at: dt.datetime, late_minutes: int) -> str:
    """Present when signed by the start plus the grace minutes, else late."""
    if signed_at <= starts_at + dt.timedelta(minutes=late_minutes):
        return AttendanceStatus.PRESENT
    return AttendanceStatus.LATE


@dataclass
class ParsedQuestion:
    text: str
    choices: list[str] = field(default_factory=list)
    answer: int | None = None


_QUESTION = re.compile(r"^\s*(\d+)[.、．)]\s*(.+)$")
_CHOICE = re.compile(r"^\s*([A-Ha-h])[.、．)]\s*(.+?)\s*$")


def parse_quiz(text: str) -> tuple[list[ParsedQuestion], list[str]]:
    """Questions typed as

        1. 题目
        A. 选项
        B. 正确的选项 *

    (the correct choice ends with * or ＊). Returns the questions and the errors (line numbers)."""
    questions: list[ParsedQuestion] = []
    errors: list[str] = []
    for number, raw in enumerate((text or "").splitlines(), start=1):
        line = raw.strip()
        if not line:
            continue
        q = _QUESTION.match(line)
        c = _CHOICE.match(line)
        if c and questions:
            body = c.group(2)
            correct = body.endswith("*") or body.endswith("＊")
            body = body.rstrip("*＊").strip()
            if not body:
                errors.append(_("第%(n)s行:选项内容为空") % {"n": number})
                continue
            if correct:
                if questions[-1].answer is not None:
                    errors.append(_("第%(n)s行:一道题只能有一个正确选项") % {"n": number})
                questions[-1].answer = len(questions[-1].choices)
            questions[-1].choices.append(body)
        elif q:
            questions.append(ParsedQuestion(text=q.group(2).strip()))
        else:
            errors.append(
                _("第%(n)s行:看不懂“%(line)s”,题目以“1.”开头,选项以“A.”开头")
                % {"n": number, "line": line[:30]}
            )
    if not questions and not errors:
        errors.append(_("请至少写一道题"))
    for i, question in enumerate(questions, start=1):
        if len(question.choices) < 2:
            errors.append(_("第%(i)s题:至少要有两个选项") % {"i": i})
        elif question.answer is None:
            errors.append(_("第%(i)s题:请在正确选项末尾加 *") % {"i": i})
    return questions, errors


def quiz_text(questions) -> str:
    """The editable text of saved questions (the inverse of parse_quiz)."""
    lines = []
    for i, q in enumerate(questions, start=1):
        lines.append(f"{i}. {q.text}")
        for j, choice in enumerate(q.choices):
            lines.append(f"{'ABCDEFGH'[j]}. {choice}{' *' if j == q.answer else ''}")
        lines.append("")
    return "\n".join(lines).strip()


def score(answers: dict[int, int | None], key: dict[int, int]) -> int:
    """Per cent of the questions answered right (0–100, rounded)."""
    if not key:
        return 0
    right = sum(1 for qid, correct in key.items() if answers.get(qid) == correct)
    return round(100 * right / len(key))


def attendance_rate(present: int, late: int, absent: int, excused: int) -> float | None:
    """Attended (present or late) among the sessions the officer was due at (excused ones not due)."""
    due = present + late + absent
    if due == 0:
        return None
    return round(100 * (present + late) / due, 1)


# ----------------------------------------------------------------------------- material files and links

# What each allowed extension's bytes must begin with (a file is judged by its content, not its name).
_OLE2 = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"  # .doc .xls .ppt
_ZIP = b"PK\x03\x04"
OOXML_PARTS = {".docx": "word/", ".xlsx": "xl/", ".pptx": "ppt/"}
MATERIAL_LABELS = {
    ".pdf": "PDF",
    ".doc": "Word",
    ".docx": "Word",
    ".xls": "Excel",
    ".xlsx": "Excel",
    ".ppt": "PowerPoint",
    ".pptx": "PowerPoint",
    ".txt": gettext_lazy("纯文本"),
    ".jpg": gettext_lazy("JPEG 图片"),
    ".jpeg": gettext_lazy("JPEG 图片"),
    ".png": gettext_lazy("PNG 图片"),
    ".gif": gettext_lazy("GIF 图片"),
    ".webp": gettext_lazy("WebP 图片"),
    ".mp4": gettext_lazy("MP4 视频"),
    ".mp3": gettext_lazy("MP3 音频"),
}
_MARKUP = (b"<!doctype", b"<html", b"<head", b"<body", b"<script", b"<svg", b"<?xml", b"<iframe")


def _looks_like(head: bytes) -> str:
    """A word on what the bytes really are, for the refusal message."""
    stripped = head.lstrip(b"\xef\xbb\xbf \t\r\n").lower()
    if stripped.startswith(_MARKUP):
        return _("HTML/脚本网页")
    if head.startswith(b"MZ"):
        return _("Windows 可执行程序")
    if head.startswith(b"\x7fELF"):
        return _("Linux 可执行程序")
    if head.startswith(b"#!"):
        return _("脚本")
    if head.startswith(_ZIP):
        return _("ZIP 压缩包")
    if head.startswith(b"%PDF-"):
        return "PDF"
    return _("未知格式")


def _matches(ext: str, head: bytes, zip_names: list[str] | None) -> bool:
    if ext == ".pdf":
        return head.startswith(b"%PDF-")
    if ext in {".doc", ".xls", ".ppt"}:
        return head.startswith(_OLE2)
    if ext in OOXML_PARTS:
        return (
            head.startswith(_ZIP)
            and zip_names is not None
            and "[Content_Types].xml" in zip_names
            and any(name.startswith(OOXML_PARTS[ext]) for name in zip_names)
        )
    if ext in {".jpg", ".jpeg"}:
        return head.startswith(b"\xff\xd8\xff")
    if ext == ".png":
        return head.startswith(b"\x89PNG\r\n\x1a\n")
    if ext == ".gif":
        return head.startswith((b"GIF87a", b"GIF89a"))
    if ext == ".webp":
        return head[:4] == b"RIFF" and head[8:12] == b"WEBP"
    if ext == ".mp4":
        return head[4:8] == b"ftyp"
    if ext == ".mp3":
        return head.startswith(b"ID3") or (
            len(head) > 1 and head[0] == 0xFF and head[1] & 0xE0 == 0xE0
        )
    if ext == ".txt":
        if b"\x00" in head or head.lstrip(b"\xef\xbb\xbf \t\r\n").lower().startswith(_MARKUP):
            return False
        for encoding in ("utf-8", "gb18030"):
            try:
                head.decode(encoding)
            except UnicodeDecodeError as exc:
                if exc.start >= len(head) - 3:  # a character cut at the end of the sample
                    return True
                continue
            return True
        return False
    return False


def material_file_problem(name: str, head: bytes, zip_names: list[str] | None = None) -> str | None:
    """Why an uploaded study file is refused, or None. `head` is its first bytes; `zip_names` the
    entries of a .docx/.xlsx/.pptx. The content must be what the extension says: a `.pdf` that is
    really a web page or a program is refused."""
    ext = ("." + name.rsplit(".", 1)[-1].lower()) if "." in name else ""
    if ext not in MATERIAL_LABELS:
        allowed = " ".join(sorted(MATERIAL_LABELS))
        return _("不支持的文件类型 %(ext)s(允许:%(allowed)s)") % {
            "ext": ext or "-",
            "allowed": allowed,
        }
    if not head:
        return _("文件是空的")
    if not _matches(ext, head, zip_names):
        return _("文件内容与扩展名不符:“%(name)s”不是%(kind)s文件(看起来是%(looks)s),已拒绝") % {
            "name": name,
            "kind": MATERIAL_LABELS[ext],
            "looks": _looks_like(head),
        }
    return None


def link_host_allowed(url: str, allowed_hosts: list[str]) -> bool:
    """An http(s) link whose host is one of `allowed_hosts` (`flk.npc.gov.cn`, or `*.gov.cn` for any
    subdomain). No user name or password in it, no other scheme (javascript:, data:, file:)."""
    from urllib.parse import urlsplit

    try:
        parts = urlsplit((url or "").strip())
        host = (parts.hostname or "").rstrip(".").lower()
    except ValueError:
        return False
    if parts.scheme not in {"http", "https"} or not host or parts.username or parts.password:
        return False
    for entry in allowed_hosts:
        entry = entry.strip().lower()
        if entry.startswith("*."):
            if host.endswith(entry[1:]):
                return True
        elif host == entry:
            return True
    return False
