import datetime as dt
from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from fengqiao.vehicles import rules
from fengqiao.vehicles.rules import PayoutRow

MOTORCYCLE = [
    PayoutRow(0, Decimal(3000)),
    PayoutRow(1, Decimal(2500)),
    PayoutRow(2, Decimal(2000)),
    PayoutRow(3, Decimal(1500)),
]


def test_distance_of_one_degree_of_latitude_is_about_111_km():
    assert rules.distance_m(29.0, 104.0, 30.0, 104.0) == pytest.approx(111_195, rel=1e-3)


def test_fence_inside_and_outside():
    assert not rules.outside_fence(29.2, 103.95, 200, 29.2005, 103.95)  # ~55 m
    assert rules.outside_fence(29.2, 103.95, 200, 29.203, 103.95)  # ~330 m
    assert not rules.outside_fence(None, None, None, 29.5, 104.5)


def test_movement_while_armed_by_speed_or_distance():
    kw = {"speed_threshold_kmh": 5, "distance_threshold_m": 150}
    assert rules.moved_while_armed(
        anchor_lat=29.2, anchor_lon=103.95, lat=29.2, lon=103.95, speed_kmh=12, **kw
    )
    assert rules.moved_while_armed(
        anchor_lat=29.2, anchor_lon=103.95, lat=29.202, lon=103.95, speed_kmh=0, **kw
    )
    assert not rules.moved_while_armed(
        anchor_lat=29.2, anchor_lon=103.95, lat=29.2003, lon=103.95, speed_kmh=1, **kw
    )
    assert not rules.moved_while_armed(
        anchor_lat=None, anchor_lon=None, lat=29.3, lon=103.95, speed_kmh=0, **kw
    )


def test_zero_and_out_of_range_fixes_are_not_usable():
    assert not rules.usable_fix(0.0, 0.0)
    assert not rules.usable_fix(95.0, 10.0)
    assert not rules.usable_fix(29.2, 103.9, valid=False)
    assert rules.usable_fix(29.2, 103.9)


def test_gcj02_shift_of_a_known_point():
    # 天安门 (WGS-84 39.90734, 116.39089) is drawn at about (39.90874, 116.39713) on AMap.
    lat, lon = rules.wgs84_to_gcj02(39.90734, 116.39089)
    assert lat == pytest.approx(39.90874, abs=2e-4)
    assert lon == pytest.approx(116.39713, abs=2e-4)


def test_gcj02_leaves_points_outside_china_alone():
    assert rules.wgs84_to_gcj02(51.5, -0.12) == (51.5, -0.12)


@given(st.floats(min_value=18.0, max_value=53.0), st.floats(min_value=74.0, max_value=134.0))
def test_gcj02_round_trip_within_a_metre(lat, lon):
    glat, glon = rules.wgs84_to_gcj02(lat, lon)
    assert (
        rules.distance_m(lat, lon, glat, glon) < 1500
    )  # the shift itself is at most a few hundred metres
    back = rules.gcj02_to_wgs84(glat, glon)
    assert rules.distance_m(lat, lon, *back) < 1.0


def test_to_map_applies_the_shift_only_for_gcj02_tiles():
    assert rules.to_map(29.2, 103.9, "wgs84") == (29.2, 103.9)
    assert rules.to_map(29.2, 103.9, "gcj02") != (29.2, 103.9)


def test_vehicle_age_counts_full_years():
    assert rules.vehicle_age_years(dt.date(2021, 6, 1), dt.date(2023, 5, 31)) == 1
    assert rules.vehicle_age_years(dt.date(2021, 6, 1), dt.date(2023, 6, 1)) == 2
    assert rules.vehicle_age_years(dt.date(2024, 1, 1), dt.date(2023, 6, 1)) == 0


def test_payout_by_age_from_the_table():
    assert rules.payout(0, MOTORCYCLE) == 3000
    assert rules.payout(2, MOTORCYCLE) == 2000
    assert rules.payout(9, MOTORCYCLE) == 1500
    assert rules.payout(0, [PayoutRow(1, Decimal(100))]) == 0
    assert rules.payout(3, []) == 0


@given(
    st.integers(min_value=0, max_value=50),
    st.lists(
        st.tuples(st.integers(min_value=0, max_value=20), st.integers(min_value=0, max_value=5000)),
        max_size=8,
    ),
)
def test_payout_is_the_amount_of_the_latest_applicable_row(age, raw):
    table = [PayoutRow(a, Decimal(m)) for a, m in {a: m for a, m in raw}.items()]
    result = rules.payout(age, table)
    applicable = [r for r in table if r.min_age_years <= age]
    if not applicable:
        assert result == 0
    else:
        assert result == max(applicable, key=lambda r: r.min_age_years).amount
        assert result in {r.amount for r in table}


@given(st.integers(min_value=0, max_value=30))
def test_payout_never_grows_with_age_on_a_falling_table(age):
    assert rules.payout(age + 1, MOTORCYCLE) <= rules.payout(age, MOTORCYCLE)


def _refusal(now, **kw):
    base = {
        "reported_at": dt.datetime(2023, 3, 1, 8, tzinfo=dt.UTC),
        "recovery_days": 90,
        "now": now,
        "recovered": False,
        "policy_starts": dt.date(2023, 1, 1),
        "policy_ends": dt.date(2023, 12, 31),
        "theft_date": dt.date(2023, 3, 1),
    }
    base.update(kw)
    return rules.claim_refusal(**base)


def test_claim_only_after_the_recovery_period():
    assert "后方可理赔" in _refusal(dt.datetime(2023, 5, 1, tzinfo=dt.UTC))
    assert _refusal(dt.datetime(2023, 5, 30, 8, tzinfo=dt.UTC)) is None


def test_claim_refused_when_recovered_or_uninsured():
    late = dt.datetime(2023, 8, 1, tzinfo=dt.UTC)
    assert "已追回" in _refusal(late, recovered=True)
    assert "没有保险单" in _refusal(late, policy_starts=None, policy_ends=None)
    assert "不在保险期" in _refusal(late, theft_date=dt.date(2024, 1, 2))


def test_engine_command_refused_above_the_speed():
    assert rules.command_refusal(35, 20)
    assert rules.command_refusal(20, 20) is None
    assert rules.command_refusal(None, 20) is None


def test_device_arm_command_refused_above_the_speed():
    assert "未向定位器下发设防指令" in rules.arm_command_refusal(35, 20)
    assert rules.arm_command_refusal(20, 20) is None
    assert rules.arm_command_refusal(None, 20) is None


def test_command_room_told_of_theft_like_alarms():
    assert rules.tell_command_room("movement_while_armed", armed=True, stolen=False)
    assert not rules.tell_command_room("low_battery", armed=False, stolen=False)
    assert rules.tell_command_room("low_battery", armed=False, stolen=True)
