"""Searches of people by an ID number or a phone, full or partial, are rate-limited and recorded
(issue 19).

An exact search confirms a whole number: knowing a masked phone (138****1234) or the region and the
tail of an ID number, the ~10^4 candidates could be tried one query at a time. So every search whose
text is a number (digits, an ID number's X; NUMBER_SEARCH_MIN_DIGITS or more) — on the person list,
the person API, the pickers and the phone → person look-up — is

- counted per user against two limits, a short burst window and a day (core RateHit rows, shared by
  every process): NUMBER_SEARCH_LIMIT per NUMBER_SEARCH_WINDOW_SECONDS, NUMBER_SEARCH_DAILY_LIMIT per
  24 hours. Past either, the search is refused (`NumberSearchLimited`: HTTP 429 on the API, a message
  on the page) and nothing is searched;
- recorded in the personal-data view log (core PersonalDataAccess, channel "search" or "api-search"):
  one row per person found (up to RECORD_LIMIT), or one row for a search that found nobody or was
  refused, with the searched number masked in the purpose.
"""

from __future__ import annotations

import logging
import re

from django.conf import settings
from django.utils.translation import gettext as _
from rest_framework.exceptions import Throttled

from fengqiao.core import masking, ratelimit
from fengqiao.core.audit import personal_data_view_row, record_personal_data_views
from fengqiao.core.models import PersonalDataAccess
from fengqiao.registry import selectors
from fengqiao.registry.models import Person

log = logging.getLogger("fengqiao.security")

NUMBER = re.compile(r"^\d[\dXx]*$")
RECORD_LIMIT = 20


class NumberSearchLimited(Throttled):
    """Too many searches by number: DRF answers it 429 with Retry-After; pages show `detail`."""

    def __init__(self, wait: float):
        minutes = max(1, round(wait / 60))
        super().__init__(
            wait=wait,
            detail=_(
                "按证件号码或手机号检索过于频繁,已暂停;请约 %(minutes)s 分钟后再试。"
                "如确需大量查询,请联系所领导。"
            )
            % {"minutes": minutes},
        )


def is_number_search(query: str) -> bool:
    text = (query or "").strip()
    return bool(NUMBER.match(text)) and len(text) >= settings.NUMBER_SEARCH_MIN_DIGITS


def _masked(text: str) -> str:
    if len(text) >= 15:
        return masking.mask_id_number(text)
    if len(text) == 11 and text.startswith("1"):
        return masking.mask_phone(text)
    return f"{text[:1]}{'*' * (len(text) - 1)}" if len(text) > 4 else f"尾号{text}"


def _fields(text: str) -> list[str]:
    if len(text) >= 15:
        return ["id_number"]
    if len(text) == 11 and text.startswith("1"):
        return ["phone"]
    return ["id_number", "phone"]


def _row(user, person, *, text, channel, note="") -> PersonalDataAccess:
    return personal_data_view_row(
        actor=user,
        station_id=getattr(person, "station_id", None) or getattr(user, "station_id", None),
        model=Person,
        object_id=person.pk if person is not None else 0,
        object_repr=str(person) if person is not None else note,
        fields=_fields(text),
        purpose=f"按号码检索:{_masked(text)}",
        channel=channel,
    )


def check(user, query: str, *, channel: str = "search") -> bool:
    """Count a search by `user` against the limits if it is a number search (→ True). Raises
    NumberSearchLimited (and records the refusal) past a limit."""
    if user is None or not getattr(user, "is_authenticated", False) or not is_number_search(query):
        return False
    text = query.strip().upper()
    windows = (
        ("w", settings.NUMBER_SEARCH_LIMIT, settings.NUMBER_SEARCH_WINDOW_SECONDS),
        ("d", settings.NUMBER_SEARCH_DAILY_LIMIT, 24 * 3600),
    )
    for name, limit, seconds in windows:
        wait = ratelimit.hit(f"numsearch:{name}:{user.pk}", limit=limit, seconds=seconds)
        if wait is not None:
            log.warning("number search refused for user %s (%s limit)", user.pk, name)
            _row(
                user, None, text=text, channel=channel, note="号码检索(超过频率限制,已拒绝)"
            ).save()
            raise NumberSearchLimited(wait)
    return True


def record(user, query: str, people, *, channel: str = "search") -> None:
    """Record a counted number search and the people it found (`people`: a queryset or a list)."""
    text = query.strip().upper()
    found = list(people[:RECORD_LIMIT]) if hasattr(people, "filter") else list(people)
    rows = [_row(user, p, text=text, channel=channel) for p in found[:RECORD_LIMIT]]
    if not rows:
        rows = [_row(user, None, text=text, channel=channel, note="号码检索(无结果)")]
    record_personal_data_views(rows)


def search(user, queryset, query: str, *, channel: str = "search"):
    """`selectors.person_search` for `user`, counted and recorded when it is a number search."""
    counted = check(user, query, channel=channel)
    result = selectors.person_search(queryset, query, scope=masking.search_scope(user))
    if counted:
        record(user, query, result.order_by("pk"), channel=channel)
    return result
