"""One masking policy for personal data: what is shown of each kind of field, to whom.

The table `POLICY` below is the whole policy; serializers (DRF), templates (the `mask` filter of
`core/templatetags/fengqiao.py`), exports and searches all read it, so a field is masked the same
way wherever it appears. docs/security.md repeats it for the people who run a station.

Two rules shape the masks, beyond "hide most of it":

- No combination of shown fields rebuilds a masked one. A resident ID number (GB 11643) is
  region (6) + birth date (8) + sequence (3, the last one's parity is the sex) + check (1). The
  region is guessable from the community, the sex is shown, so a mask that hides only the birth
  date (511123********1161) is undone by the birth date shown beside it. The ID mask keeps the
  first and last character only (5****************1), and the birth date is shown as its year:
  what stays hidden is the month and day (366) and the sequence (500 for a known sex), about
  16,600 candidates once the check character is applied.
- No search confirms hidden characters. A role without the need may search an ID number or a
  phone by its full value only, or a phone by the four last digits the mask shows anyway; partial
  digits that would be hidden (a phone's middle, an ID tail) find nothing for it. `search_scope`
  says which searches a user may run.

Whole values: a role in a field's `need` sees a person's record whole only after a recorded reveal
(PersonalDataAccess), or in an unmasked export (UNMASKED_EXPORT_ROLES, recorded). The registry of
places (standard addresses, houses) is shown whole to roles with the address need, because finding a
door is their work; other roles see it at road level like a person's address.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable
from dataclasses import dataclass
from enum import StrEnum

from django.utils.translation import gettext_lazy as _

from fengqiao.accounts.roles import FULL_PERSONAL_DATA_ROLES, has_role


class Kind(StrEnum):
    ID_NUMBER = "id_number"
    BIRTH_DATE = "birth_date"
    PHONE = "phone"
    ADDRESS = "address"
    NAME = "name"


# ----------------------------------------------------------------------------- the masks


def mask_id_number(value: str | None) -> str:
    """First and last character: 5****************1 (never the region or birth date alone hidden)."""
    if not value:
        return ""
    value = str(value)
    if len(value) <= 2:
        return "*" * len(value)
    return value[0] + "*" * (len(value) - 2) + value[-1]


def mask_birth_date(value: dt.date | str | None) -> str:
    """The year only: 1985. Month and day are in the ID number, so they are never shown with it."""
    if not value:
        return ""
    if isinstance(value, dt.date):
        return str(value.year)
    return str(value)[:4]


def mask_phone(value: str | None) -> str:
    """138****1234 for a mobile (carrier prefix and the four digits people quote as 尾号; the four
    hidden digits are not derivable from anything shown); a landline keeps its area code and last
    four digits; anything shorter than eight characters is hidden whole."""
    if not value:
        return ""
    value = str(value)
    digits = value.replace("-", "").replace(" ", "")
    if len(digits) == 11 and digits.startswith("1"):
        return digits[:3] + "****" + digits[-4:]
    if len(digits) >= 10 and digits.startswith("0"):  # 0833-1234567: area code + last four
        area = 4 if digits[1] != "1" and digits[1] != "2" else 3
        return digits[:area] + "*" * (len(digits) - area - 4) + digits[-4:]
    if len(digits) < 8:
        return "*" * len(digits)
    return "*" * (len(digits) - 4) + digits[-4:]


# A door-level part of a free-text address: the first digit (half or full width) or a Chinese numeral
# followed by a unit word (十二号, 三栋, 二单元). Everything from there on is hidden.
DOOR_START = re.compile(
    r"[0-9０-９]|[零〇一二三四五六七八九十百两]+(?:号|栋|幢|单元|室|楼|层|户|弄|组)"
)
_HIDDEN = "****"


def mask_address(value: str | None, keep: int | None = None) -> str:
    """Down to the road or residential compound: 玉津镇西街社区解放路****. No door, building, unit or room.

    `keep` is accepted for old callers and ignored: a fixed number of characters kept a door number
    whenever the text before it was short."""
    if not value:
        return ""
    value = str(value)
    match = DOOR_START.search(value)
    if match is None:
        return value
    return value[: match.start()] + _HIDDEN


def mask_address_record(address) -> str:
    """A standard address (registry.Address) by its levels: town, community and road, nothing below."""
    if address is None:
        return ""
    community = address.community.name if getattr(address, "community_id", None) else ""
    parts = [address.town, community, address.road]
    text = "".join(p for p in parts if p)
    below = any(getattr(address, f, "") for f in ("doorplate", "building", "unit", "floor", "room"))
    return mask_address(text) + (_HIDDEN if below and not text.endswith(_HIDDEN) else "")


def mask_name(value: str | None) -> str:
    """张** : the family name only (used where a name is not needed to work, e.g. a vehicle list)."""
    if not value:
        return ""
    return value[0] + "*" * (len(value) - 1) if len(value) > 1 else value


# ----------------------------------------------------------------------------- the policy


@dataclass(frozen=True)
class Rule:
    kind: Kind
    label: str
    mask: Callable[[object], str]
    example: str  # what a role without the need sees
    need: frozenset  # roles that may see the value whole, each time recorded
    why: str


POLICY: dict[Kind, Rule] = {
    Kind.ID_NUMBER: Rule(
        Kind.ID_NUMBER,
        _("证件号码"),
        mask_id_number,
        "5****************1",
        FULL_PERSONAL_DATA_ROLES,
        "region, birth date and sequence all hidden; the check character alone confirms nothing",
    ),
    Kind.BIRTH_DATE: Rule(
        Kind.BIRTH_DATE,
        _("出生日期"),
        mask_birth_date,
        "1985",
        FULL_PERSONAL_DATA_ROLES,
        "the year is enough for age; month and day would narrow the hidden ID number",
    ),
    Kind.PHONE: Rule(
        Kind.PHONE,
        _("手机号"),
        mask_phone,
        "138****1234",
        FULL_PERSONAL_DATA_ROLES,
        "national 3+4 convention; the four hidden digits are in no other field and no search confirms them",
    ),
    Kind.ADDRESS: Rule(
        Kind.ADDRESS,
        _("地址"),
        mask_address,
        "玉津镇西街社区解放路****",
        FULL_PERSONAL_DATA_ROLES,
        "road or compound level: where to look, not which door",
    ),
    Kind.NAME: Rule(
        Kind.NAME,
        _("姓名"),
        lambda value: value or "",
        "张三",
        frozenset(),  # shown to every role in scope: people are worked with by name
        "shown: officers, mediators and liaisons work with people by name; lists of things (vehicles, "
        "gate events) show the family name only",
    ),
}


def has_need(user, kind: Kind | str) -> bool:
    """May `user` see this kind of field whole (after a recorded reveal, or in the places registry)?"""
    rule = POLICY[Kind(kind)]
    if not rule.need:
        return True
    return has_role(user, rule.need)


def mask(kind: Kind | str, value) -> str:
    return POLICY[Kind(kind)].mask(value)


def place_address(user, address) -> str:
    """A standard address in the registry of places: whole for roles with the address need."""
    if address is None:
        return ""
    if has_need(user, Kind.ADDRESS):
        return address.full_text
    return mask_address_record(address)


# ----------------------------------------------------------------------------- searches


@dataclass(frozen=True)
class SearchScope:
    """Which digit searches a user may run over ID numbers and phones."""

    partial: bool  # tails, prefixes, fragments (尾号 at the duty desk)

    def allows_digits(self, digits: str) -> bool:
        return self.partial or is_full_id_or_phone(digits) or is_shown_phone_tail(digits)


def search_scope(user) -> SearchScope:
    """Roles with the need search by partial digits (the duty desk's 尾号); other roles by a full ID
    number, a full phone, or a phone's four last digits (shown in every list anyway). A search that
    matched hidden digits would confirm them one query at a time."""
    return SearchScope(partial=has_need(user, Kind.PHONE) and has_need(user, Kind.ID_NUMBER))


def names_door(text: str) -> bool:
    """Does an address fragment reach below the road (a digit, 十二号, 三栋)? Roles without the address
    need may not search by it: the result would confirm a door they are not shown."""
    return bool(DOOR_START.search(text or "")) or any(c.isdigit() for c in text or "")


def is_full_id_or_phone(digits: str) -> bool:
    digits = (digits or "").strip().upper()
    return len(digits) in (15, 18) or (len(digits) == 11 and digits.startswith("1"))


def is_shown_phone_tail(digits: str) -> bool:
    return len((digits or "").strip()) == 4 and digits.strip().isdigit()


PARTIAL_SEARCH_REFUSED = _("您的角色只能按完整证件号码、完整手机号或手机尾号4位查找")


# ----------------------------------------------------------------------------- reveals

PURPOSE_MAX_LENGTH = 200


def clean_purpose(purpose: str | None) -> str:
    """Every reveal states why (it is read back in the access log): required, at most 200 characters."""
    from django.core.exceptions import ValidationError

    purpose = (purpose or "").strip()
    if not purpose:
        raise ValidationError({"purpose": [_("请填写查看事由")]})
    if len(purpose) > PURPOSE_MAX_LENGTH:
        raise ValidationError(
            {"purpose": [_("查看事由不能超过%(n)s个字") % {"n": PURPOSE_MAX_LENGTH}]}
        )
    return purpose


def phone_match(field: str, text: str, user, *, partial: str = "contains"):
    """The Q for searching `field` (a phone) by `text` as `user` may: by fragment (`partial` lookup)
    for roles with the need; else the full number exactly or its four last digits, which every list
    shows. Anything else matches nothing, so no query confirms a hidden digit."""
    from django.db.models import Q

    text = (text or "").strip()
    if search_scope(user).partial:
        return Q(**{f"{field}__{partial}": text})
    if is_full_id_or_phone(text):
        return Q(**{field: text})
    if is_shown_phone_tail(text):
        return Q(**{f"{field}__endswith": text})
    return Q(pk__in=[])
