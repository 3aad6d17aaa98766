"""What the access-control codecs (hikvision.py, zkteco.py) hand to the estate gateway. No Django here.

A `GateEvent` carries only what Fengqiao keeps of a pass through a gate: who (the number the device
knows the person by, and the card number), how (credential type), the result, the direction and the
time. Pictures, face templates and fingerprint templates never reach these objects: the codecs skip
those parts of a request without decoding or copying them, and count them in `Decoded.discarded`.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from fengqiao.gateway.messages import DecodeError

__all__ = ["DecodeError", "GateEvent", "Heartbeat", "Decoded", "CREDENTIAL_TYPES", "to_utc"]

# credential types (the estates app's choices use the same values)
CARD, QR, FACE, FINGERPRINT, PALM, PASSWORD, KEY, VISITOR, REMOTE, OTHER = (
    "card", "qr", "face", "fingerprint", "palm", "password", "key", "visitor", "remote", "other",
)  # fmt: skip
CREDENTIAL_TYPES = (CARD, QR, FACE, FINGERPRINT, PALM, PASSWORD, KEY, VISITOR, REMOTE, OTHER)

BEIJING = dt.timezone(dt.timedelta(hours=8))
MAX_HOLDER = 32  # employeeNo / PIN / card number longer than this is not a credential number


@dataclass(slots=True)
class GateEvent:
    device: str  # the device's identity (Hikvision MAC address, ZKTeco serial number)
    key: str  # the device's own event identity: a replay has the same key
    occurred_at: dt.datetime  # UTC
    credential_type: str
    granted: bool
    direction: str = ""  # "in" | "out" | "" (the gate's own direction applies)
    holder_no: str = ""  # employeeNoString / PIN: the person's number on the device
    card_no: str = ""
    code: str = (
        ""  # vendor event code, e.g. "5/75" (Hikvision major/minor), "ATTLOG/15" (ZKTeco verify)
    )


@dataclass(slots=True)
class Heartbeat:
    device: str


@dataclass(slots=True)
class Decoded:
    items: list = field(default_factory=list)  # GateEvent | Heartbeat
    errors: list[str] = field(
        default_factory=list
    )  # rows that could not be read (the rest are kept)
    discarded: int = 0  # pictures and biometric templates dropped unread
    ignored: int = 0  # events that are not passes (door closed, alarms): acknowledged, not stored
    poll: bool = False  # a ZKTeco command poll (getrequest)
    results: list = field(default_factory=list)  # ZKTeco command results (devicecmd)


def clean_number(value) -> str:
    """A credential number as text (devices send numbers or strings); '' when absent or not printable."""
    if value is None or isinstance(value, bool):
        return ""
    text = str(value).strip()
    if len(text) > MAX_HOLDER or not text.isprintable():
        return ""
    return text


def to_utc(moment: dt.datetime, default_zone: dt.tzinfo = BEIJING) -> dt.datetime:
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=default_zone)
    return moment.astimezone(dt.UTC)
