"""Pure rules of the field side: what a file really is, how long it is kept, how far the officer is
from the scene. No database, no Django settings read here (callers pass them in)."""

from __future__ import annotations

import datetime as dt
import math
from dataclasses import dataclass

from django.utils.translation import gettext as _

from fengqiao.field.choices import EvidenceKind, Step


@dataclass(frozen=True)
class Sniffed:
    kind: str
    mime: str
    ext: str


def sniff(head: bytes) -> Sniffed | None:
    """The evidence kind and MIME type the bytes really are (the name and the browser's claim are
    never trusted). None for anything else: programs, web pages, archives, unknown formats."""
    if head.startswith(b"\xff\xd8\xff"):
        return Sniffed(EvidenceKind.PHOTO, "image/jpeg", ".jpg")
    if head.startswith(b"\x89PNG\r\n\x1a\n"):
        return Sniffed(EvidenceKind.PHOTO, "image/png", ".png")
    if head[:4] == b"RIFF" and head[8:12] == b"WEBP":
        return Sniffed(EvidenceKind.PHOTO, "image/webp", ".webp")
    if head[4:8] == b"ftyp":
        brand = head[8:12]
        if brand in {b"heic", b"heix", b"mif1", b"msf1", b"heim", b"heis"}:
            return Sniffed(EvidenceKind.PHOTO, "image/heic", ".heic")
        if brand in {b"M4A ", b"M4B "}:
            return Sniffed(EvidenceKind.AUDIO, "audio/mp4", ".m4a")
        if brand == b"qt  ":
            return Sniffed(EvidenceKind.VIDEO, "video/quicktime", ".mov")
        return Sniffed(EvidenceKind.VIDEO, "video/mp4", ".mp4")
    if head.startswith(b"\x1a\x45\xdf\xa3"):  # Matroska/WebM: what a browser's recorder makes
        return Sniffed(EvidenceKind.VIDEO, "video/webm", ".webm")
    if head[:4] == b"RIFF" and head[8:12] == b"WAVE":
        return Sniffed(EvidenceKind.AUDIO, "audio/wav", ".wav")
    if head.startswith(b"OggS"):
        return Sniffed(EvidenceKind.AUDIO, "audio/ogg", ".ogg")
    if head.startswith(b"#!AMR"):
        return Sniffed(EvidenceKind.AUDIO, "audio/amr", ".amr")
    if head.startswith(b"ID3") or (len(head) > 1 and head[0] == 0xFF and head[1] & 0xE0 == 0xE0):
        return Sniffed(EvidenceKind.AUDIO, "audio/mpeg", ".mp3")
    if head.startswith(b"%PDF-"):
        return Sniffed(EvidenceKind.DOCUMENT, "application/pdf", ".pdf")
    return None


def evidence_problem(
    head: bytes, size: int, *, declared_kind: str | None, limits: dict[str, int]
) -> str | None:
    """Why a file is refused as evidence, or None. `limits` maps a kind to its largest size."""
    if size <= 0 or not head:
        return _("文件是空的")
    found = sniff(head)
    if found is None:
        return _("不支持的文件内容:只收照片(JPEG/PNG/WebP/HEIC)、录音、短视频和 PDF 扫描件")
    if declared_kind and declared_kind != found.kind:
        # A scanned document photographed by the phone is a photo of a document: allowed.
        if not (declared_kind == EvidenceKind.DOCUMENT and found.kind == EvidenceKind.PHOTO):
            return _("文件内容与所选类型不符:选的是“%(declared)s”,内容是“%(found)s”") % {
                "declared": EvidenceKind(declared_kind).label,
                "found": EvidenceKind(found.kind).label,
            }
    limit = limits.get(declared_kind or found.kind) or limits.get(found.kind)
    if limit and size > limit:
        return _("文件太大:%(size).1f MB,%(kind)s最大 %(limit).0f MB") % {
            "size": size / 1048576,
            "kind": EvidenceKind(found.kind).label,
            "limit": limit / 1048576,
        }
    return None


def keep_until(kind: str, taken: dt.date, retention_days: dict[str, int]) -> dt.date:
    return taken + dt.timedelta(days=retention_days.get(kind, 365))


def distance_m(lat1: float, lon1: float, lat2: float, lon2: float) -> float:
    """Great-circle distance in metres (haversine)."""
    r = 6_371_000.0
    p1, p2 = math.radians(lat1), math.radians(lat2)
    dp, dl = p2 - p1, math.radians(lon2 - lon1)
    a = math.sin(dp / 2) ** 2 + math.cos(p1) * math.cos(p2) * math.sin(dl / 2) ** 2
    return 2 * r * math.asin(min(1.0, math.sqrt(a)))


def valid_position(lat, lon) -> bool:
    try:
        lat, lon = float(lat), float(lon)
    except (TypeError, ValueError):
        return False
    return -90 <= lat <= 90 and -180 <= lon <= 180 and not (lat == 0 and lon == 0)


def propose_arrival(distance: float | None, radius_m: float, accuracy_m: float | None) -> bool:
    """到场 is proposed when the phone is within the radius of the scene, its fix good enough to say so."""
    if distance is None:
        return False
    if accuracy_m is not None and accuracy_m > max(radius_m, 50) * 2:
        return False
    return distance <= radius_m


# The steps in order, and the incident status each one requires before it.
STEP_ORDER = [Step.ACCEPT, Step.ARRIVE, Step.HANDLE, Step.REPORT, Step.CLOSE]


def next_step(done: set[str]) -> str | None:
    for step in STEP_ORDER:
        if step not in done:
            return step
    return None


def navigation_url(template: str, lat: float, lon: float, label: str = "") -> str:
    """The configured map app's URL scheme, e.g. `geo:{lat},{lon}?q={lat},{lon}({label})`."""
    from urllib.parse import quote

    return template.format(lat=f"{lat:.6f}", lon=f"{lon:.6f}", label=quote(label or ""))
