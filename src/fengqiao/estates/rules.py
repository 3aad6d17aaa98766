"""Pure rules of the estates part (no database): who counts as an unregistered regular, when a
terminal is offline, which way a pass went. Every rule that depends on "now" takes it."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable

BEIJING = dt.timezone(dt.timedelta(hours=8))


def local_day(moment: dt.datetime) -> dt.date:
    return moment.astimezone(BEIJING).date()


def window_start(now: dt.datetime, window_days: int) -> dt.datetime:
    """The first moment of the window of `window_days` Beijing days ending today."""
    first = local_day(now) - dt.timedelta(days=window_days - 1)
    return dt.datetime.combine(first, dt.time(), tzinfo=BEIJING).astimezone(dt.UTC)


def is_regular(
    days: Iterable[dt.date], *, now: dt.datetime, min_days: int, window_days: int
) -> bool:
    """A credential seen on at least `min_days` distinct days within the last `window_days` days."""
    first = local_day(now) - dt.timedelta(days=window_days - 1)
    return len({d for d in days if first <= d <= local_day(now)}) >= min_days


def is_offline(last_seen_at: dt.datetime | None, *, now: dt.datetime, minutes: int) -> bool:
    return last_seen_at is None or now - last_seen_at > dt.timedelta(minutes=minutes)


def direction(reported: str, gate_direction: str) -> str:
    """The terminal's own direction wins; else the gate's ('' when neither says)."""
    return reported or gate_direction or ""


def valid_holder_no(value: str) -> bool:
    return (
        bool(value) and len(value) <= 32 and value.isprintable() and not value.startswith("card:")
    )


def subject_label(subject: str) -> str:
    """How a credential reads to people: "card:1057284807" (a card no one is registered to) is
    "门禁卡 1057284807"; a terminal's person number is "人员编号 …"."""
    from django.utils.translation import gettext as _

    if not subject:
        return "—"
    if subject.startswith("card:"):
        return _("门禁卡 %(no)s") % {"no": subject[5:]}
    return _("人员编号 %(no)s") % {"no": subject}
