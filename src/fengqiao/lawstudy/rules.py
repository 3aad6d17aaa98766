"""Pure rules of the law study: lateness, quiz text parsing and scoring, attendance rates. No database."""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass, field

from django.utils.translation import gettext as _

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
