"""The evaluation as pure functions (no database; the texts are translated): an indicator's value against its target gives points (with the
reason in words), a tree of indicators gives a score out of 100, a veto indicator missed zeroes it
(一票否决), and rows are ranked. No database here; the selectors feed the values.

How points are given (the bureau edits weights, targets and penalties in the scheme):
- 越高越好 (higher): value ≥ target → full weight; below → weight × value / target.
- 越低越好 (lower): value ≤ target → full weight; above → weight − penalty × (value − target), at
  least 0; without a penalty, any excess loses the whole weight.
- no value for the period (nothing to measure, or the indicator does not apply at this level) or no
  target → not scored: the weight leaves the denominator, so a station is not punished or rewarded for
  what it did not have.
- a parent's points = its weight × (children's points / children's scored weights);
  the score = 100 × top-level points / top-level scored weights.
"""

from __future__ import annotations

import calendar
import datetime as dt
from dataclasses import dataclass, field

from django.utils.translation import gettext as _  # the reasons are read in the reader's language

HIGHER, LOWER = "higher", "lower"


@dataclass(frozen=True)
class Node:
    code: str
    name: str
    weight: float
    target: float | None = None
    direction: str = HIGHER
    penalty: float | None = None
    veto: bool = False
    formula: str = ""
    parent: str | None = None
    unit: str = ""


@dataclass
class Point:
    code: str
    name: str
    depth: int
    weight: float
    value: float | None
    value_text: str
    target_text: str
    points: float | None
    met: bool | None
    veto: bool
    reason: str

    def as_dict(self) -> dict:
        return dict(self.__dict__)


@dataclass
class Score:
    total: float | None
    raw: float | None
    vetoed: bool
    veto_reasons: list[str] = field(default_factory=list)
    points: list[Point] = field(default_factory=list)

    def as_dict(self) -> dict:
        return {
            "total": self.total,
            "raw": self.raw,
            "vetoed": self.vetoed,
            "veto_reasons": self.veto_reasons,
            "points": [p.as_dict() for p in self.points],
        }


def fmt_value(value: float | None, unit: str = "") -> str:
    if value is None:
        return "—"
    if unit == "%":
        return f"{value:.1f}%"
    if unit == "元":
        return f"{value:,.0f}元"
    if float(value).is_integer():
        return f"{int(value)}{unit}"
    return f"{value:.1f}{unit}"


def _num(x: float) -> str:
    return f"{x:.1f}".rstrip("0").rstrip(".") if x != int(x) else str(int(x))


def leaf_points(node: Node, value: float | None) -> tuple[float | None, bool | None, str]:
    """(points or None when not scored, met, reason) of one leaf."""
    w = float(node.weight)
    vt = fmt_value(value, node.unit)
    if node.target is None:
        return (
            None,
            None,
            _("%(name)s %(v)s:未设目标值,仅展示不计分") % {"name": node.name, "v": vt},
        )
    t = float(node.target)
    tt = fmt_value(t, node.unit)
    if value is None:
        return None, None, _("%(name)s:本期无可计量的数据,不计分") % {"name": node.name}
    v = float(value)
    if node.direction == LOWER:
        if v <= t:
            return (
                w,
                True,
                _("%(name)s %(v)s,不高于目标 %(t)s → 得满分 %(w)s 分")
                % {"name": node.name, "v": vt, "t": tt, "w": _num(w)},
            )
        if node.penalty is None:
            return (
                0.0,
                False,
                _("%(name)s %(v)s,高于目标 %(t)s → 不得分(0/%(w)s)")
                % {"name": node.name, "v": vt, "t": tt, "w": _num(w)},
            )
        lost = float(node.penalty) * (v - t)
        pts = min(w, round(max(0.0, w - lost), 2))
        return (
            pts,
            False,
            _("%(name)s %(v)s,超出目标 %(t)s %(d)s → 每超1扣%(p)s分,得 %(pts)s/%(w)s 分")
            % {
                "name": node.name,
                "v": vt,
                "t": tt,
                "d": _num(v - t),
                "p": _num(float(node.penalty)),
                "pts": _num(pts),
                "w": _num(w),
            },
        )
    if v >= t:
        return (
            w,
            True,
            _("%(name)s %(v)s,达到目标 %(t)s → 得满分 %(w)s 分")
            % {"name": node.name, "v": vt, "t": tt, "w": _num(w)},
        )
    pts = min(w, max(0.0, w * v / t)) if t > 0 else 0.0
    pts = min(w, round(pts, 2))  # a share never rounds up past the weight
    return (
        pts,
        False,
        _("%(name)s %(v)s,低于目标 %(t)s → 按完成比例得 %(pts)s/%(w)s 分")
        % {"name": node.name, "v": vt, "t": tt, "pts": _num(pts), "w": _num(w)},
    )


def _children(nodes: list[Node]) -> dict[str | None, list[Node]]:
    out: dict[str | None, list[Node]] = {}
    for n in nodes:
        out.setdefault(n.parent, []).append(n)
    return out


def score(
    nodes: list[Node], values: dict[str, float | None], notes: dict[str, str] | None = None
) -> Score:
    """Score one station, unit or officer. `values`: formula key → value (absent or None: no value);
    `notes`: formula key → words added to that leaf's reason (its sample size)."""
    notes = notes or {}
    kids = _children(nodes)
    points: list[Point] = []
    vetoes: list[str] = []

    def visit(node: Node, depth: int) -> tuple[float | None, float]:
        """(points, scored weight) of the node; appends its Point (parents before children)."""
        children = kids.get(node.code, [])
        index = len(points)
        if not children:
            value = values.get(node.formula) if node.formula else None
            pts, met, reason = leaf_points(node, value)
            if node.formula in notes:
                reason = f"{reason}({notes[node.formula]})"
            if node.veto and met is False:
                vetoes.append(
                    _("一票否决:%(name)s %(v)s(目标 %(t)s)")
                    % {
                        "name": node.name,
                        "v": fmt_value(value, node.unit),
                        "t": fmt_value(node.target, node.unit),
                    }
                )
            points.append(
                Point(
                    node.code,
                    node.name,
                    depth,
                    float(node.weight),
                    value,
                    fmt_value(value, node.unit),
                    fmt_value(node.target, node.unit) if node.target is not None else "—",
                    pts,
                    met,
                    node.veto,
                    reason,
                )
            )
            return pts, float(node.weight) if pts is not None else 0.0
        points.append(
            Point(
                node.code,
                node.name,
                depth,
                float(node.weight),
                None,
                "",
                "",
                None,
                None,
                node.veto,
                "",
            )
        )
        got = scored = 0.0
        any_scored = False
        for child in children:
            p, w = visit(child, depth + 1)
            if p is not None:
                got, scored, any_scored = got + p, scored + w, True
        parent = points[index]
        if not any_scored or scored == 0:
            parent.reason = _("%(name)s:下级指标均未计分") % {"name": node.name}
            return None, 0.0
        pts = round(float(node.weight) * got / scored, 2)
        parent.points = pts
        parent.reason = _("%(name)s:下级得分 %(got)s/%(of)s → 折合 %(pts)s/%(w)s 分") % {
            "name": node.name,
            "got": _num(round(got, 2)),
            "of": _num(scored),
            "pts": _num(pts),
            "w": _num(float(node.weight)),
        }
        return pts, float(node.weight)

    got = scored = 0.0
    for top in kids.get(None, []):
        p, w = visit(top, 0)
        if p is not None:
            got, scored = got + p, scored + w
    raw = round(100 * got / scored, 1) if scored else None
    vetoed = bool(vetoes)
    return Score(0.0 if vetoed and raw is not None else raw, raw, vetoed, vetoes, points)


# ---------------------------------------------------------------- small samples and ties

# A rate measured on fewer records than this is padded up to it with the level's pooled rate (the
# mean of everyone compared), so 1 of 1 (100%) does not score like 95 of 95. docs/reports.md.
MIN_SAMPLE = 10


def shrink(
    num: float, den: float, mean: float | None, min_sample: int = MIN_SAMPLE
) -> float | None:
    """A rate (0..100) of num/den shrunk toward `mean` (0..100) when den < min_sample: the missing
    records count at the mean, value = (num + (min_sample − den) × mean/100) / min_sample × 100.
    A full sample (den ≥ min_sample) is its own rate; no records or no mean: None / the raw rate."""
    if not den:
        return None
    raw = 100.0 * num / den
    if den >= min_sample or mean is None:
        return raw
    return round(100.0 * (num + (min_sample - den) * mean / 100.0) / min_sample, 2)


def sample_note(
    name: str,
    num: float,
    den: float,
    mean: float | None,
    shrunk: float | None,
    min_sample: int = MIN_SAMPLE,
) -> str:
    """The words for a rate's sample: its size, and the shrinking when it is small."""
    n = _num(float(den))
    if den >= min_sample or mean is None or shrunk is None:
        return _("%(name)s:样本 %(n)s 件") % {"name": name, "n": n}
    return _(
        "%(name)s:样本 %(n)s 件,不足 %(min)d 件,不足部分按全体平均 %(mean)s 计,%(raw)s → %(v)s"
    ) % {
        "name": name,
        "n": n,
        "min": min_sample,
        "mean": fmt_value(mean, "%"),
        "raw": fmt_value(100.0 * num / den, "%"),
        "v": fmt_value(shrunk, "%"),
    }


def tie_note(rows: list[dict], points_of) -> str:
    """Why the scheme does not separate a group ("" when it does): most rows share one total. `rows`
    carry a Score under "score"; `points_of(row)` gives its Points. The reason names the indicators
    everyone tied met in full and those nobody had data for."""
    totals = [r["score"].total for r in rows if r["score"].total is not None]
    if len(totals) < 3:
        return ""
    from collections import Counter

    total, n = Counter(totals).most_common(1)[0]
    if n * 2 <= len(totals):
        return ""
    tied = [r for r in rows if r["score"].total == total]
    full, unscored = [], []
    first = points_of(tied[0])
    for i, p in enumerate(first):
        if not p.value_text:
            continue  # a parent: its children say it
        same = [points_of(r)[i] for r in tied]
        if all(q.points is None for q in same):
            unscored.append(p.name)
        elif all(q.met is True for q in same):
            full.append(p.name)
    parts = [
        _("%(n)d 个中有 %(k)d 个同为 %(t)s 分,本方案不能把它们分开")
        % {
            "n": len(totals),
            "k": n,
            "t": _num(total),
        }
    ]
    if full:
        parts.append(
            _("它们在 %(x)s 上都达到目标、得满分(目标值偏低时人人满分)") % {"x": "、".join(full)}
        )
    if unscored:
        parts.append(_("%(x)s 本期无数据、不计分") % {"x": "、".join(unscored)})
    parts.append(_("名次相同即并列;要拉开差距,可提高目标值或增加能区分的指标"))
    return ";".join(parts) + "。"


def rank(rows: list[dict]) -> list[dict]:
    """Rank rows ({"score": Score, ...}) in place: not vetoed first by total, vetoed after; unscored
    last; equal totals share a rank."""

    def key(row):
        s = row["score"]
        return (s.total is None, s.vetoed, -(s.total or 0), -(s.raw or 0), str(row.get("name", "")))

    rows.sort(key=key)
    previous, place = None, 0
    for i, row in enumerate(rows, start=1):
        s = row["score"]
        k = (s.vetoed, s.total)
        if k != previous:
            place, previous = i, k
        row["rank"] = place if s.total is not None else None
    return rows


def validate_tree(nodes: list[Node], known_formulas: set[str]) -> list[str]:
    """Problems of a tree in words (empty: fine): unknown parent or formula, a parent with a formula,
    a leaf without one, a cycle, a veto on a parent."""
    errors = []
    codes = {n.code for n in nodes}
    kids = _children(nodes)
    for n in nodes:
        if n.parent and n.parent not in codes:
            errors.append(
                _("指标“%(name)s”的上级指标 %(p)s 不存在") % {"name": n.name, "p": n.parent}
            )
        if n.code in kids and n.formula:
            errors.append(_("指标“%(name)s”有下级指标,不能再设计算公式") % {"name": n.name})
        if n.code not in kids and not n.formula:
            errors.append(_("指标“%(name)s”没有下级指标,须选择计算公式") % {"name": n.name})
        if n.formula and n.formula not in known_formulas:
            errors.append(
                _("指标“%(name)s”的计算公式 %(f)s 不存在") % {"name": n.name, "f": n.formula}
            )
        if n.code in kids and n.veto:
            errors.append(_("一票否决只能设在具体指标上(“%(name)s”有下级指标)") % {"name": n.name})
    parents = {n.code: n.parent for n in nodes}
    for n in nodes:
        seen, at = set(), n.code
        while at is not None:
            if at in seen:
                errors.append(_("指标“%(name)s”的上下级关系形成循环") % {"name": n.name})
                break
            seen.add(at)
            at = parents.get(at)
    return errors


# ---------------------------------------------------------------- periods


def week_bounds(day: dt.date) -> tuple[dt.date, dt.date]:
    """Monday and Sunday of the week of `day`."""
    monday = day - dt.timedelta(days=day.weekday())
    return monday, monday + dt.timedelta(days=6)


def month_bounds(day: dt.date) -> tuple[dt.date, dt.date]:
    last = calendar.monthrange(day.year, day.month)[1]
    return day.replace(day=1), day.replace(day=last)


def previous_month(day: dt.date) -> tuple[dt.date, dt.date]:
    return month_bounds(day.replace(day=1) - dt.timedelta(days=1))


def same_period_last_year(start: dt.date, end: dt.date) -> tuple[dt.date, dt.date]:
    def back(d):
        try:
            return d.replace(year=d.year - 1)
        except ValueError:  # 29 February
            return d.replace(year=d.year - 1, day=28)

    return back(start), back(end)


def months_between(start: dt.date, end: dt.date) -> list[str]:
    out, y, m = [], start.year, start.month
    while (y, m) <= (end.year, end.month):
        out.append(f"{y}-{m:02d}")
        y, m = (y + 1, 1) if m == 12 else (y, m + 1)
    return out
