"""Pure rules of 行车卫士 (no database): distances and fences, movement while armed, the GCJ-02
shift for Chinese tile providers, vehicle age and the insurance payout, the engine-command speed limit.

    payout(age_years=2, table=[PayoutRow(0, 3000), PayoutRow(1, 2500), PayoutRow(3, 1500)]) -> 2500
    claim_due_at(reported_at, recovery_days=90)  -> reported_at + 90 days
"""

from __future__ import annotations

import datetime as dt
import math
from dataclasses import dataclass
from decimal import Decimal

# The GCJ-02 shift for Chinese tile providers lives in core.geo (it serves every map); kept importable here.
from fengqiao.core.geo import gcj02_to_wgs84, out_of_china, to_map, wgs84_to_gcj02  # noqa: F401

EARTH_RADIUS_M = 6_371_008.8


def distance_m(lat1: float, lon1: float, lat2: float, lon2: float) -> float:
    """Great-circle distance in metres (haversine)."""
    p1, p2 = math.radians(lat1), math.radians(lat2)
    dp, dl = p2 - p1, math.radians(lon2 - lon1)
    a = math.sin(dp / 2) ** 2 + math.cos(p1) * math.cos(p2) * math.sin(dl / 2) ** 2
    return 2 * EARTH_RADIUS_M * math.asin(min(1.0, math.sqrt(a)))


def usable_fix(latitude, longitude, *, valid: bool = True) -> bool:
    """A fix worth judging: valid, inside the coordinate ranges, not the (0, 0) of a device without GPS."""
    if not valid or latitude is None or longitude is None:
        return False
    if not (-90.0 <= latitude <= 90.0 and -180.0 <= longitude <= 180.0):
        return False
    return not (abs(latitude) < 1e-6 and abs(longitude) < 1e-6)


def outside_fence(centre_lat, centre_lon, radius_m, lat: float, lon: float) -> bool:
    """True when the point lies outside a circular home fence (no fence: never outside)."""
    if centre_lat is None or centre_lon is None or not radius_m:
        return False
    return distance_m(centre_lat, centre_lon, lat, lon) > radius_m


def moved_while_armed(
    *,
    anchor_lat,
    anchor_lon,
    lat: float,
    lon: float,
    speed_kmh: float | None,
    speed_threshold_kmh: float,
    distance_threshold_m: float,
) -> bool:
    """An armed vehicle moves: it reports a speed at or above the threshold, or lies farther than the
    distance threshold from where it stood when it was armed (anchor; unknown anchor: speed only)."""
    if speed_kmh is not None and speed_kmh >= speed_threshold_kmh:
        return True
    if anchor_lat is None or anchor_lon is None:
        return False
    return distance_m(anchor_lat, anchor_lon, lat, lon) > distance_threshold_m


def command_refusal(speed_kmh: float | None, max_speed_kmh: float) -> str | None:
    """Engine cut/restore is refused while the vehicle moves faster than the configured speed
    (cutting the engine of a running motorcycle endangers its rider)."""
    if speed_kmh is not None and speed_kmh > max_speed_kmh:
        return f"车辆正以{speed_kmh:.0f}公里/小时行驶(超过{max_speed_kmh:.0f}公里/小时),为安全起见不能下发断油断电指令"
    return None


def arm_command_refusal(speed_kmh: float | None, max_speed_kmh: float) -> str | None:
    """The device arm command follows the engine rule: on many e-bike trackers arming locks the motor
    (or cuts it on the next wheel movement), which is as dangerous as an engine cut at speed. Disarming
    never stops a vehicle and is always sent; the server-side arming is done either way."""
    if speed_kmh is not None and speed_kmh > max_speed_kmh:
        return (
            f"车辆正以{speed_kmh:.0f}公里/小时行驶(超过{max_speed_kmh:.0f}公里/小时),"
            "为安全起见未向定位器下发设防指令(平台已设防)"
        )
    return None


# ----------------------------------------------------------------------------- insurance


@dataclass(frozen=True)
class PayoutRow:
    """From `min_age_years` full years of age on, the policy pays `amount` (yuan)."""

    min_age_years: int
    amount: Decimal


def vehicle_age_years(purchased_on: dt.date, on: dt.date) -> int:
    """Full years from purchase to `on` (0 in the first year; never negative)."""
    years = (
        on.year - purchased_on.year - ((on.month, on.day) < (purchased_on.month, purchased_on.day))
    )
    return max(0, years)


def payout(age_years: int, table) -> Decimal:
    """The amount of the row with the highest `min_age_years` not above the age; 0 when none applies."""
    best = None
    for row in table:
        if row.min_age_years <= age_years and (
            best is None or row.min_age_years > best.min_age_years
        ):
            best = row
    return Decimal(best.amount) if best is not None else Decimal(0)


def claim_due_at(reported_at: dt.datetime, recovery_days: int) -> dt.datetime:
    """A theft not recovered by this time becomes an insurance claim."""
    return reported_at + dt.timedelta(days=recovery_days)


def claim_refusal(
    *,
    reported_at: dt.datetime,
    recovery_days: int,
    now: dt.datetime,
    recovered: bool,
    policy_starts: dt.date | None,
    policy_ends: dt.date | None,
    theft_date: dt.date,
) -> str | None:
    """Why a claim may not be made yet (None: it may)."""
    if recovered:
        return "车辆已追回,不予理赔"
    if policy_starts is None or policy_ends is None:
        return "该车没有保险单"
    if not (policy_starts <= theft_date <= policy_ends):
        return "被盗日期不在保险期内"
    due = claim_due_at(reported_at, recovery_days)
    if now < due:
        return f"报案后{recovery_days}天内仍在追查,{due:%Y-%m-%d}后方可理赔"
    return None


# ----------------------------------------------------------------------------- who is told

# Alarms that go live to the command room whatever the vehicle's state.
COMMAND_ROOM_KINDS = frozenset({"movement_while_armed", "fence_exit", "power_cut"})


def tell_command_room(kind: str, *, armed: bool, stolen: bool) -> bool:
    """The command room gets the alarms that may be a theft in progress: movement while armed, leaving
    the home fence, a cut power line; any alarm of an armed or stolen vehicle."""
    return kind in COMMAND_ROOM_KINDS or armed or stolen
