"""Hikvision ISAPI event notification (the terminal's "HTTP listening host"). No Django here.

An access terminal (DS-K1T…, DS-K2…) set to push events POSTs each one to the configured URL, as
- `application/json`: an `EventNotificationAlert` object (top level, or wrapped in
  {"EventNotificationAlert": {...}}) with `eventType` "AccessControllerEvent" and the
  `AccessControllerEvent` object: majorEventType, subEventType, employeeNoString, cardNo,
  cardReaderNo, serialNo, currentVerifyMode, attendanceStatus; `dateTime` with its UTC offset;
- `application/xml` / `text/xml`: the same alert as XML (namespace http://www.isapi.org/ver20/XMLSchema
  or http://www.hikvision.com/ver20/XMLSchema);
- `multipart/form-data` (or multipart/mixed): a JSON or XML part (name "AccessControllerEvent" or
  "event_log") followed by picture parts (`image/jpeg`, name "Picture"). Picture parts are skipped
  unread: their bytes are never decoded, copied, stored or logged (counted in `Decoded.discarded`).
`eventType` "heartBeat" is a heartbeat. The device is identified by its `macAddress`.

Event codes (Hikvision Device Network SDK, access-control event types, MAJOR_EVENT = 0x5): card
0x01 pass, 0x02 card+password pass, 0x03 card+password fail, 0x06 no permission, 0x07/0x08 outside
validity, 0x09 no such card; fingerprint 0x26 pass, 0x27 fail, 0x31 not enrolled; face 0x4b pass,
0x4c fail, 0x4d employee no.+face pass, 0x4e fail, 0x50 not recognised; QR code 0x9c pass; password
0xb5 pass, 0x96/0x97 fail. Other minor types (door open/closed 0x15/0x16, exit button, alarms, other
majors) are not passes: acknowledged and not stored.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import re
import xml.etree.ElementTree as ET  # noqa: S405 - DOCTYPE/ENTITY refused before parsing (see _xml)

from fengqiao.gateway.access import (
    CARD,
    FACE,
    FINGERPRINT,
    PASSWORD,
    QR,
    Decoded,
    DecodeError,
    GateEvent,
    Heartbeat,
    clean_number,
    to_utc,
)

MAJOR_EVENT = 5
PASS = {
    0x01: CARD, 0x02: CARD, 0x26: FINGERPRINT, 0x2B: FINGERPRINT, 0x2E: FINGERPRINT, 0x36: FACE,
    0x39: FACE, 0x3C: FACE, 0x3F: FACE, 0x42: FACE, 0x45: FINGERPRINT, 0x48: FINGERPRINT, 0x4B: FACE,
    0x4D: FACE, 0x68: PASSWORD, 0x9C: QR, 0xB5: PASSWORD,
}  # fmt: skip
FAIL = {
    0x03: CARD, 0x04: CARD, 0x06: CARD, 0x07: CARD, 0x08: CARD, 0x09: CARD, 0x27: FINGERPRINT,
    0x31: FINGERPRINT, 0x4C: FACE, 0x4E: FACE, 0x50: FACE, 0x96: PASSWORD, 0x97: PASSWORD,
}  # fmt: skip
# currentVerifyMode when the minor type alone does not say (e.g. a terminal's own codes)
VERIFY_MODE = {
    "card": CARD,
    "face": FACE,
    "fingerprint": FINGERPRINT,
    "fp": FINGERPRINT,
    "qrcode": QR,
}
DIRECTION = {"checkIn": "in", "checkOut": "out", "breakIn": "in", "breakOut": "out",
             "overtimeIn": "in", "overtimeOut": "out"}  # fmt: skip
MAC = re.compile(r"^[0-9a-f]{2}([:-][0-9a-f]{2}){5}$")
MAX_PARTS = 20


def decode(content_type: str, body: bytes) -> Decoded:
    """Decode one POST body. Raises DecodeError (the reason) when nothing in it can be read."""
    ctype = (content_type or "").lower()
    out = Decoded()
    if ctype.startswith("multipart/"):
        boundary = _boundary(content_type)
        docs = []
        for headers, part in _parts(body, boundary):
            kind = headers.get("content-type", "").lower()
            disposition = headers.get("content-disposition", "").lower()
            if kind.startswith("image/") or "filename=" in disposition or "octet-stream" in kind:
                out.discarded += 1  # a picture: never looked at
                continue
            docs.append((kind, part))
        if not docs:
            raise DecodeError("multipart body without an event part")
        for kind, part in docs:
            _document(kind, part, out)
        return out
    if "json" in ctype or "xml" in ctype:
        _document(ctype, body, out)
        return out
    raise DecodeError(f"unsupported content type {content_type[:60]!r}")


def _boundary(content_type: str) -> bytes:
    match = re.search(r'boundary="?([^";]+)"?', content_type, re.IGNORECASE)
    if not match or len(match.group(1)) > 200:
        raise DecodeError("multipart without a boundary")
    return match.group(1).strip().encode("latin-1", "replace")


def _parts(body: bytes, boundary: bytes):
    delimiter = b"--" + boundary
    pieces = body.split(delimiter)
    if len(pieces) < 2:
        raise DecodeError("multipart boundary not found in the body")
    for count, piece in enumerate(pieces[1:], start=1):
        if piece.startswith(b"--") or count > MAX_PARTS:
            break
        head_end = piece.find(b"\r\n\r\n")
        sep = 4
        if head_end < 0:
            head_end, sep = piece.find(b"\n\n"), 2
        if head_end < 0:
            continue
        headers = {}
        for line in piece[:head_end].decode("latin-1").splitlines():
            name, _, value = line.partition(":")
            if value:
                headers[name.strip().lower()] = value.strip()
        content = piece[head_end + sep :]
        if content.endswith(b"\r\n"):
            content = content[:-2]
        yield headers, content


def _document(kind: str, data: bytes, out: Decoded) -> None:
    text = data.strip()
    if not text:
        raise DecodeError("empty event document")
    if (
        "json" in kind
        or (not kind and text[:1] == b"{")
        or (text[:1] == b"{" and "xml" not in kind)
    ):
        try:
            alert = json.loads(text.decode("utf-8"))
        except (UnicodeDecodeError, ValueError) as exc:
            raise DecodeError(f"malformed JSON: {str(exc)[:80]}") from None
        except RecursionError:
            raise DecodeError("malformed JSON: nested too deeply") from None
        if not isinstance(alert, dict):
            raise DecodeError("JSON event is not an object")
        if isinstance(alert.get("EventNotificationAlert"), dict):
            alert = alert["EventNotificationAlert"]
    else:
        alert = _xml(text)
    _alert(alert, out)


def _xml(text: bytes) -> dict:
    """The alert as a dict (tags without namespaces). Entity declarations are refused (no expansion)."""
    if b"<!DOCTYPE" in text.upper() or b"<!ENTITY" in text.upper():
        raise DecodeError("XML with a DOCTYPE or ENTITY declaration refused")
    try:
        root = ET.fromstring(text)  # noqa: S314 - no DTD reaches the parser
    except ET.ParseError as exc:
        raise DecodeError(f"malformed XML: {exc}") from None

    def strip(tag: str) -> str:
        return tag.rsplit("}", 1)[-1]

    def to_dict(element, depth: int = 0) -> dict | str:
        children = list(element)
        if not children or depth > 4:  # the alert is two levels deep; deeper nesting is not read
            return (element.text or "").strip()
        result: dict = {}
        for child in children:
            result.setdefault(strip(child.tag), to_dict(child, depth + 1))
        return result

    data = to_dict(root)
    if not isinstance(data, dict):
        raise DecodeError("XML event without fields")
    return data


def _int(value, default=None):
    try:
        return int(str(value).strip(), 0) if isinstance(value, str) else int(value)
    except (TypeError, ValueError, OverflowError):
        return default


def _alert(alert: dict, out: Decoded) -> None:
    mac = str(alert.get("macAddress") or "").strip().lower().replace("-", ":")
    if not MAC.match(mac):
        raise DecodeError("event without a valid macAddress")
    event_type = str(alert.get("eventType") or "")
    if event_type.lower() == "heartbeat":
        out.items.append(Heartbeat(device=mac))
        return
    if event_type != "AccessControllerEvent":
        out.ignored += 1
        out.items.append(Heartbeat(device=mac))  # any post shows the device is alive
        return
    ace = alert.get("AccessControllerEvent")
    if not isinstance(ace, dict):
        raise DecodeError("AccessControllerEvent missing")
    major = _int(ace.get("majorEventType"))
    minor = _int(ace.get("subEventType"))
    if major is None or minor is None:
        raise DecodeError("majorEventType/subEventType missing")
    stamp = alert.get("dateTime") or ace.get("dateTime") or ""
    try:
        occurred = to_utc(dt.datetime.fromisoformat(str(stamp).replace("Z", "+00:00")))
    except (ValueError, OverflowError):
        raise DecodeError(f"bad dateTime {str(stamp)[:40]!r}") from None
    if major != MAJOR_EVENT or (minor not in PASS and minor not in FAIL):
        out.ignored += 1
        out.items.append(Heartbeat(device=mac))
        return
    granted = minor in PASS
    credential = (PASS if granted else FAIL)[minor]
    mode = str(ace.get("currentVerifyMode") or "")
    if mode in VERIFY_MODE:
        credential = VERIFY_MODE[mode]
    direction = DIRECTION.get(str(ace.get("attendanceStatus") or ""), "")
    if not direction:
        reader = _int(ace.get("cardReaderNo"))
        direction = {1: "in", 2: "out"}.get(reader, "")
    holder = clean_number(ace.get("employeeNoString") or ace.get("employeeNo"))
    card = clean_number(ace.get("cardNo"))
    serial = _int(ace.get("serialNo"))
    if serial is not None:
        key = f"{serial}@{occurred:%Y%m%d%H%M%S}"
    else:
        key = (
            "h"
            + hashlib.blake2s(
                f"{occurred.isoformat()}|{major}|{minor}|{holder}|{card}".encode(), digest_size=10
            ).hexdigest()
        )
    out.items.append(
        GateEvent(
            device=mac,
            key=key,
            occurred_at=occurred,
            credential_type=credential,
            granted=granted,
            direction=direction,
            holder_no=holder,
            card_no=card,
            code=f"{major}/{minor}",
        )
    )


def event_json(*, mac: str, serial: int, when: dt.datetime, minor: int = 0x4B, employee: str = "",
               card: str = "", reader: int = 1, mode: str = "cardOrFace") -> bytes:  # fmt: skip
    """An AccessControllerEvent alert as a terminal sends it (for the simulator and tests)."""
    ace = {"deviceName": "Access Controller", "majorEventType": 5, "subEventType": minor,
           "cardReaderKind": 1, "cardReaderNo": reader, "verifyNo": 165, "serialNo": serial,
           "userType": "normal", "currentVerifyMode": mode, "attendanceStatus": "undefined",
           "statusValue": 0, "mask": "no"}  # fmt: skip
    if employee:
        ace["employeeNoString"] = employee
    if card:
        ace["cardNo"], ace["cardType"] = card, 1
    alert = {"ipAddress": "192.168.1.64", "portNo": 80, "protocol": "HTTP", "macAddress": mac,
             "channelID": 1, "dateTime": when.astimezone(dt.timezone(dt.timedelta(hours=8))).isoformat(),
             "activePostCount": 1, "eventType": "AccessControllerEvent", "eventState": "active",
             "eventDescription": "Access Controller Event", "AccessControllerEvent": ace}  # fmt: skip
    return json.dumps(alert).encode()


def multipart(event: bytes, picture: bytes, boundary: str = "MIME_boundary") -> tuple[str, bytes]:
    """(content type, body) of an event with its picture part, the layout terminals use."""
    body = (
        (
            f'--{boundary}\r\nContent-Disposition: form-data; name="AccessControllerEvent"\r\n'
            f'Content-Type: application/json; charset="UTF-8"\r\nContent-Length: {len(event)}\r\n\r\n'
        ).encode()
        + event
        + (
            f'\r\n--{boundary}\r\nContent-Disposition: form-data; name="Picture"; filename="Picture.jpg"\r\n'
            f"Content-Type: image/jpeg\r\nContent-Length: {len(picture)}\r\nContent-ID: pictureImage\r\n\r\n"
        ).encode()
        + picture
        + f"\r\n--{boundary}--\r\n".encode()
    )
    return f"multipart/form-data; boundary={boundary}", body
