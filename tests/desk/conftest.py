import datetime as dt

import pytest
from django.utils import timezone

from fengqiao.accounts.choices import Role
from fengqiao.desk.models import Counter, Service
from tests.factories import UserFactory


@pytest.fixture
def clerk(station):
    """An auxiliary officer working the registration desk."""
    return UserFactory(username="clerk", full_name="户籍员", role=Role.AUXILIARY, station=station)


@pytest.fixture
def service_a(station):
    return Service.objects.create(
        station=station,
        prefix="A",
        name="户口迁移",
        documents="户口簿\n身份证",
        daily_capacity=2,
        minutes=15,
    )


@pytest.fixture
def service_b(station):
    return Service.objects.create(
        station=station, prefix="B", name="身份证申领", daily_capacity=20, minutes=8
    )


@pytest.fixture
def counter1(station, service_a, service_b):
    c = Counter.objects.create(station=station, number=1)
    c.services.set([service_a, service_b])
    return c


@pytest.fixture
def counter2(station, service_a, service_b):
    c = Counter.objects.create(station=station, number=2)
    c.services.set([service_a, service_b])
    return c


@pytest.fixture
def other_service(other_station):
    return Service.objects.create(station=other_station, prefix="A", name="户口迁移")


@pytest.fixture
def sms_on(settings):
    settings.SMS_GATEWAY_URL = "http://sms.invalid/send"
    return settings


@pytest.fixture
def workday():
    """A working day after today within the booking window (a fixed Monday far from holidays would
    leave the window: take the next working day after tomorrow)."""
    from fengqiao.core import calendar

    day = timezone.localdate() + dt.timedelta(days=2)
    while not calendar.is_working_day(day):
        day += dt.timedelta(days=1)
    return day


def verified(phone="13800138000", ip="10.0.0.1", **kw):
    from fengqiao.desk import services

    v = services.verification_send(phone=phone, ip=ip, **kw)
    return services.verification_check(verification_id=v.pk, phone=phone, code=v.code)


@pytest.fixture(autouse=True)
def _roomy_limits(settings):
    """Tests book many times from one phone and address; the limit tests set their own."""
    settings.DESK_SMS_RESEND_SECONDS = 0
    settings.DESK_SMS_PER_PHONE_HOUR = 1000
    settings.DESK_SMS_PER_IP_HOUR = 1000
    settings.DESK_PUBLIC_PER_MINUTE = 1000
    settings.DESK_PUBLIC_PER_HOUR = 1000
