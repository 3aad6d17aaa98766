"""ZKTeco PUSH (ADMS, "iclock") protocol, as in ZKTeco's PUSH SDK / Security PUSH communication
protocol documents. No Django here. The terminal is the HTTP client:

- `GET /iclock/cdata?SN=…&options=all&pushver=…` — handshake: the server answers the options
  (`GET OPTION FROM: SN`, `ATTLOGStamp`, `OPERLOGStamp`, `ErrorDelay`, `Delay`, `TransTimes`,
  `TransInterval`, `TransFlag`, `TimeZone`, `Realtime`, `Encrypt`).
- `POST /iclock/cdata?SN=…&table=ATTLOG&Stamp=…` — attendance/access records, one per line,
  tab-separated: PIN, time (`YYYY-MM-DD HH:MM:SS`, the terminal's local time), status (0 in,
  1 out, 2 break out, 3 break in, 4 overtime in, 5 overtime out), verify type (0 password,
  1 fingerprint, 2 card, 3 password, 4 card, 15 face, 25 palm), work code, reserved… The server
  answers `OK: <records>`.
- `POST /iclock/cdata?SN=…&table=OPERLOG` — operation log (`OPLOG …`) and user data (`USER PIN=…`),
  and enrolment data: `FP …TMP=…` (fingerprint template), `FACE …TMP=…`, `BIODATA …Tmp=…`,
  `USERPIC …Content=…`, `BIOPHOTO …`. Templates and pictures are dropped unread (counted).
- `POST /iclock/cdata?SN=…&table=ATTPHOTO` — a capture picture: dropped unread.
- `GET /iclock/getrequest?SN=…` — the terminal polls for commands (also its heartbeat):
  `OK` when there is none, else `C:<id>:<command>` lines.
- `POST /iclock/devicecmd?SN=…` — command results, `ID=<id>&Return=<code>&CMD=<command>` lines.
"""

from __future__ import annotations

import datetime as dt
import re
from urllib.parse import parse_qsl

from fengqiao.gateway.access import (
    CARD,
    FACE,
    FINGERPRINT,
    OTHER,
    PALM,
    PASSWORD,
    Decoded,
    DecodeError,
    GateEvent,
    clean_number,
    to_utc,
)

SERIAL = re.compile(r"^[A-Za-z0-9_-]{1,32}$")
VERIFY = {0: PASSWORD, 1: FINGERPRINT, 2: CARD, 3: PASSWORD, 4: CARD, 15: FACE, 25: PALM}
STATUS = {0: "in", 1: "out", 2: "out", 3: "in", 4: "in", 5: "out"}
# OPERLOG lines that carry templates or pictures (never kept)
BIOMETRIC_PREFIXES = (b"FP ", b"FACE ", b"BIODATA ", b"USERPIC ", b"BIOPHOTO ", b"FVEIN ")
MAX_ROWS = 5000


def serial_of(params: dict) -> str:
    serial = (params.get("SN") or params.get("sn") or "").strip()
    if not SERIAL.match(serial):
        raise DecodeError("missing or bad SN")
    return serial


def handshake(serial: str, *, stamp: str = "9999", delay: int = 10, timezone_hours: int = 8) -> str:
    """The options answered to `GET /iclock/cdata?SN=…&options=all`: real-time upload of access
    records and operation logs, no photos, device clock in Beijing time."""
    return "\n".join(
        [
            f"GET OPTION FROM: {serial}",
            f"ATTLOGStamp={stamp}",
            f"OPERLOGStamp={stamp}",
            "ATTPHOTOStamp=None",
            "ErrorDelay=30",
            f"Delay={delay}",
            "TransTimes=00:00;14:05",
            "TransInterval=1",
            "TransFlag=TransData AttLog OpLog",
            f"TimeZone={timezone_hours}",
            "Realtime=1",
            "Encrypt=None",
        ]
    )


def decode_attlog(serial: str, body: bytes, *, zone: dt.tzinfo | None = None) -> Decoded:
    """Every readable row of an ATTLOG upload (a bad row is reported, the others are kept)."""
    zone = zone or dt.timezone(dt.timedelta(hours=8))
    out = Decoded()
    try:
        text = body.decode("utf-8")
    except UnicodeDecodeError:
        text = body.decode("gbk", "replace")
    rows = [r for r in text.replace("\r\n", "\n").split("\n") if r.strip()]
    if len(rows) > MAX_ROWS:
        raise DecodeError(f"{len(rows)} rows in one upload (limit {MAX_ROWS})")
    for number, row in enumerate(rows, start=1):
        fields = row.split("\t")
        if len(fields) < 2:
            out.errors.append(f"row {number}: not tab-separated")
            continue
        pin = clean_number(fields[0])
        if not pin:
            out.errors.append(f"row {number}: bad PIN")
            continue
        try:
            local = dt.datetime.strptime(fields[1].strip(), "%Y-%m-%d %H:%M:%S")
        except ValueError:
            out.errors.append(f"row {number}: bad time")
            continue
        status = _int(fields[2]) if len(fields) > 2 else None
        verify = _int(fields[3]) if len(fields) > 3 else None
        occurred = to_utc(local, zone)
        credential = VERIFY.get(verify, OTHER)
        out.items.append(
            GateEvent(
                device=serial,
                key=f"{pin}@{local:%Y%m%d%H%M%S}",
                occurred_at=occurred,
                credential_type=credential,
                granted=True,  # ATTLOG holds verified passes only
                direction=STATUS.get(status, ""),
                holder_no=pin,
                card_no=pin if credential == CARD else "",
                code=f"ATTLOG/{verify if verify is not None else ''}",
            )
        )
    if rows and not out.items:
        raise DecodeError(f"no readable ATTLOG row ({out.errors[0]})")
    return out


def decode_operlog(body: bytes) -> Decoded:
    """OPERLOG: nothing is stored; templates and pictures are counted as discarded (never decoded)."""
    out = Decoded()
    for line in body.split(b"\n"):
        line = line.strip()
        if not line:
            continue
        if line.startswith(BIOMETRIC_PREFIXES):
            out.discarded += 1
        else:
            out.ignored += 1
    return out


def parse_devicecmd(body: bytes) -> list[dict]:
    """Command results: [{"ID": "12", "Return": "0", "CMD": "INFO"}, ...]."""
    results = []
    for line in body.decode("utf-8", "replace").splitlines():
        if line.strip():
            results.append(dict(parse_qsl(line.strip())))
    return results


def commands_text(commands: list[tuple[int, str]]) -> str:
    """The answer to getrequest: `OK` or one `C:<id>:<command>` line per command."""
    if not commands:
        return "OK"
    return "\n".join(f"C:{cid}:{text}" for cid, text in commands)


def attlog_row(pin: str, when: dt.datetime, *, status: int = 0, verify: int = 15) -> str:
    """One ATTLOG row as a terminal writes it (time in Beijing time)."""
    local = when.astimezone(dt.timezone(dt.timedelta(hours=8)))
    return f"{pin}\t{local:%Y-%m-%d %H:%M:%S}\t{status}\t{verify}\t0\t0\t0"


def _int(value):
    try:
        return int(str(value).strip())
    except (TypeError, ValueError):
        return None
