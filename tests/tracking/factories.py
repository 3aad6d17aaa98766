"""Factories of the tracker data plane."""

import datetime as dt

import factory

from fengqiao.tracking.choices import DeviceStatus, Protocol
from fengqiao.tracking.models import Device, Position


class DeviceFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Device

    identifier = factory.Sequence(lambda n: f"8680000{n:08d}")
    protocol = Protocol.GT06
    status = DeviceStatus.ACTIVE


class PositionFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Position

    device = factory.SubFactory(DeviceFactory)
    fixed_at = factory.Sequence(
        lambda n: dt.datetime(2026, 11, 28, 8, 0, tzinfo=dt.UTC) + dt.timedelta(seconds=10 * n)
    )
    received_at = factory.LazyAttribute(lambda o: o.fixed_at)
    latitude = 29.55
    longitude = 103.76
