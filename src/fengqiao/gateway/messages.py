"""What a codec hands to the server: decoded messages and their acknowledgements. No Django here."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field


class DecodeError(ValueError):
    """A frame that cannot be decoded (bad checksum, wrong length, garbage). The reason is the message."""


@dataclass(slots=True)
class Fix:
    """One position as the device sent it, time already converted to UTC."""

    time: dt.datetime
    latitude: float
    longitude: float
    speed_kmh: float = 0.0
    course: float = 0.0
    valid: bool = True
    buffered: bool = False
    alarms: list[str] = field(default_factory=list)
    attributes: dict = field(default_factory=dict)


@dataclass(slots=True)
class Message:
    """One decoded frame.

    type: login, position, status, heartbeat, alarm, string, register, auth, response, batch, ignored.
    ack: the bytes the server sends back once the message is handled (for positions: once stored).
    """

    protocol: str
    type: str
    device_id: str | None = None
    serial: int = 0
    fixes: list[Fix] = field(default_factory=list)
    alarms: list[str] = field(default_factory=list)
    attributes: dict = field(default_factory=dict)
    ack: bytes = b""
    raw: bytes = b""

    def as_json(self) -> dict:
        """The `fengqiao gateway decode` line for this message."""
        first = self.fixes[0] if self.fixes else None
        data = {
            "protocol": self.protocol,
            "type": self.type,
            "device_id": self.device_id,
            "serial": self.serial,
            "time": first.time.isoformat().replace("+00:00", "Z") if first else None,
            "latitude": round(first.latitude, 6) if first else None,
            "longitude": round(first.longitude, 6) if first else None,
            "speed_kmh": round(first.speed_kmh, 1) if first else None,
            "course": first.course if first else None,
            "valid": first.valid if first else None,
            "buffered": first.buffered if first else None,
            "alarms": sorted(set(self.alarms) | {a for f in self.fixes for a in f.alarms}),
            "attributes": {**self.attributes, **(first.attributes if first else {})},
            "ack": self.ack.hex(),
        }
        if len(self.fixes) > 1:
            data["positions"] = [
                {
                    "time": f.time.isoformat().replace("+00:00", "Z"),
                    "latitude": round(f.latitude, 6),
                    "longitude": round(f.longitude, 6),
                    "speed_kmh": round(f.speed_kmh, 1),
                    "course": f.course,
                    "valid": f.valid,
                    "buffered": f.buffered,
                    "alarms": f.alarms,
                }
                for f in self.fixes
            ]
        return data
