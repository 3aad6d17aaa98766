"""Factories of the vehicles tests (shared ones live in tests/factories.py)."""

import datetime as dt
from decimal import Decimal

import factory
from factory.django import DjangoModelFactory

from fengqiao.tracking.models import Device
from fengqiao.vehicles.choices import VehicleKind
from fengqiao.vehicles.models import InsurancePolicy, PayoutRow, Vehicle
from tests.factories import PersonFactory


class VehicleFactory(DjangoModelFactory):
    class Meta:
        model = Vehicle

    owner = factory.SubFactory(PersonFactory)
    community = factory.SelfAttribute("owner.community")
    station = factory.SelfAttribute("owner.station")
    plate = factory.Sequence(lambda n: f"川L{n:05d}")
    kind = VehicleKind.MOTORCYCLE
    brand = "豪爵"
    colour = "红"
    purchased_on = dt.date(2022, 3, 1)


class DeviceFactory(DjangoModelFactory):
    class Meta:
        model = Device

    identifier = factory.Sequence(lambda n: f"86{n:013d}")
    protocol = "gt06"
    status = "active"


def tracked_vehicle(**kwargs) -> Vehicle:
    """A vehicle with an active device (the install desk's result, without its checks)."""
    vehicle = VehicleFactory(**kwargs)
    device = DeviceFactory(station=vehicle.station)
    vehicle.device, vehicle.imei = device, device.identifier
    vehicle.save()
    return vehicle


def policy_for(
    vehicle,
    *,
    starts_on=dt.date(2023, 1, 1),
    ends_on=dt.date(2023, 12, 31),
    recovery_days=90,
    table=((0, 3000), (1, 2500), (2, 2000), (3, 1500)),
) -> InsurancePolicy:
    policy = InsurancePolicy.objects.create(
        station=vehicle.station,
        community=vehicle.community,
        vehicle=vehicle,
        insurer="人保财险",
        number="P-1",
        starts_on=starts_on,
        ends_on=ends_on,
        recovery_days=recovery_days,
    )
    for age, amount in table:
        PayoutRow.objects.create(policy=policy, min_age_years=age, amount=Decimal(amount))
    return policy


def case_officers(station):
    """Two police officers of the case team (主办/协办 of a theft case), created once per station."""
    from fengqiao.accounts.choices import Rank, Role
    from fengqiao.accounts.models import User
    from tests.factories import UserFactory

    found = []
    for username, name in ((f"zhuban{station.pk}", "周主办"), (f"xieban{station.pk}", "谢协办")):
        user = User.objects.filter(username=username).first() or UserFactory(
            username=username,
            full_name=name,
            role=Role.CASE_OFFICER,
            rank=Rank.POLICE,
            station=station,
        )
        found.append(user)
    return found


def report_theft(actor, vehicle, **kw):
    """theft_report with the usual test input (the two officers of the station's case team)."""
    from fengqiao.vehicles import services

    lead, second = case_officers(vehicle.station)
    kw.setdefault("place", "玉津镇西街菜市场门口")
    kw.setdefault("reporter_name", "徐明")
    kw.setdefault("lead_officer", lead)
    kw.setdefault("second_officer", second)
    return services.theft_report(actor=actor, vehicle=vehicle, **kw)
