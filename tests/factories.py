"""factory_boy factories shared by every app's tests."""

import datetime as dt

import factory
from factory.django import DjangoModelFactory

from fengqiao.accounts.choices import Role, UnitKind
from fengqiao.accounts.models import Bureau, Station, Unit, User
from fengqiao.registry import rules
from fengqiao.registry.choices import HouseUse, OrganisationCategory, PersonCategory
from fengqiao.registry.models import Address, Community, House, Organisation, Person

PASSWORD = "Fengqiao-test-2026"


def make_id_number(
    seq: int, *, birth: dt.date = dt.date(1980, 1, 1), male: bool = True, region: str = "511123"
) -> str:
    order = (seq % 499) * 2 + (1 if male else 0)
    first17 = f"{region}{birth:%Y%m%d}{order:03d}"
    return first17 + rules.id_check_char(first17)


class BureauFactory(DjangoModelFactory):
    class Meta:
        model = Bureau
        django_get_or_create = ("code",)

    name = "犍为县公安局"
    code = "511123"


class StationFactory(DjangoModelFactory):
    class Meta:
        model = Station

    bureau = factory.SubFactory(BureauFactory)
    name = factory.Sequence(lambda n: f"测试派出所{n}")
    code = factory.Sequence(lambda n: f"S{n:04d}")


class UnitFactory(DjangoModelFactory):
    class Meta:
        model = Unit

    station = factory.SubFactory(StationFactory)
    name = factory.Sequence(lambda n: f"社区警务队{n}")
    kind = UnitKind.COMMUNITY_TEAM


class UserFactory(DjangoModelFactory):
    class Meta:
        model = User
        skip_postgeneration_save = True

    username = factory.Sequence(lambda n: f"user{n}")
    full_name = factory.Sequence(lambda n: f"民警{n}")
    role = Role.COMMUNITY_OFFICER
    station = factory.SubFactory(StationFactory)
    password = factory.PostGenerationMethodCall("set_password", PASSWORD)

    @factory.post_generation
    def _save(obj, create, extracted, **kwargs):
        if create:
            obj.save()


class CommunityFactory(DjangoModelFactory):
    class Meta:
        model = Community

    station = factory.SubFactory(StationFactory)
    name = factory.Sequence(lambda n: f"测试社区{n}")


class AddressFactory(DjangoModelFactory):
    class Meta:
        model = Address

    community = factory.SubFactory(CommunityFactory)
    station = factory.SelfAttribute("community.station")
    town = "玉津镇"
    road = "西街"
    doorplate = factory.Sequence(lambda n: str(n + 1))


class HouseFactory(DjangoModelFactory):
    class Meta:
        model = House

    address = factory.SubFactory(AddressFactory)
    community = factory.SelfAttribute("address.community")
    station = factory.SelfAttribute("address.station")
    use = HouseUse.OWNER_OCCUPIED


class PersonFactory(DjangoModelFactory):
    class Meta:
        model = Person

    community = factory.SubFactory(CommunityFactory)
    station = factory.SelfAttribute("community.station")
    name = factory.Sequence(lambda n: ["张三", "李四", "王五", "赵六", "刘七"][n % 5] + str(n))
    id_number = factory.Sequence(
        lambda n: make_id_number(n + 1, birth=dt.date(1970 + n % 30, 1 + n % 12, 1 + n % 28))
    )
    birth_date = factory.LazyAttribute(lambda o: rules.parse_id_number(o.id_number).birth_date)
    sex = factory.LazyAttribute(lambda o: rules.parse_id_number(o.id_number).sex)
    phone = factory.Sequence(lambda n: f"138{n:08d}")
    category = PersonCategory.REGISTERED


class OrganisationFactory(DjangoModelFactory):
    class Meta:
        model = Organisation

    address = factory.SubFactory(AddressFactory)
    community = factory.SelfAttribute("address.community")
    station = factory.SelfAttribute("address.station")
    name = factory.Sequence(lambda n: f"测试商店{n}")
    category = OrganisationCategory.SOLE_TRADER


# ----------------------------------------------------------------------------- every other app
# One factory per routed model (issue 19: the scoping matrix makes one of each, of one station).
# Dates are derived from the clock, never written in; models whose creation is a workflow of its
# own (a theft, a weekly summary, an API token) are made by their services in
# tests/core/test_scoping_matrix.py.


def _first_choice(model_label: str, field: str):
    from django.apps import apps

    return apps.get_model(model_label)._meta.get_field(field).choices[0][0]


def _now():
    from django.utils import timezone

    return timezone.now()


def _shipped(model_label: str):
    """The first row of a table a data migration ships (fraud types, offences, categories)."""
    from django.apps import apps

    return apps.get_model(model_label).objects.order_by("pk").first()


def _file(name: str, content: bytes = b"PK\x03\x04 matrix"):
    from django.core.files.base import ContentFile

    return ContentFile(content, name=name)


class FraudTypeFactory(DjangoModelFactory):
    class Meta:
        model = "antifraud.FraudType"

    code = factory.Sequence(lambda n: f"MX{n:03d}")
    name = factory.Sequence(lambda n: f"测试诈骗类型{n}")


class WarningFactory(DjangoModelFactory):
    class Meta:
        model = "antifraud.Warning"

    community = factory.SubFactory(CommunityFactory)
    station = factory.SelfAttribute("community.station")
    reference = factory.Sequence(lambda n: f"FZ-T{n:05d}")
    name = "张三"
    phone = "13812345678"
    id_number = factory.Sequence(lambda n: make_id_number(n + 100))
    address_text = "玉津镇西街12号"
    risk_level = factory.LazyFunction(lambda: _first_choice("antifraud.Warning", "risk_level"))
    fraud_type = factory.LazyFunction(lambda: _shipped("antifraud.FraudType") or FraudTypeFactory())
    received_at = factory.LazyFunction(_now)


class FraudCaseFactory(DjangoModelFactory):
    class Meta:
        model = "antifraud.FraudCase"

    community = factory.SubFactory(CommunityFactory)
    station = factory.SelfAttribute("community.station")
    reference = factory.Sequence(lambda n: f"FZA-T{n:05d}")
    occurred_on = factory.LazyFunction(lambda: _now().date())
    fraud_type = factory.SubFactory(FraudTypeFactory)
    victim_name = "李四"
    loss = 1000


class PublicityContentFactory(DjangoModelFactory):
    class Meta:
        model = "antifraud.PublicityContent"

    station = factory.SubFactory(StationFactory)
    kind = factory.LazyFunction(lambda: _first_choice("antifraud.PublicityContent", "kind"))
    title = "警惕刷单返利"
    body = "刷单就是诈骗。"
    updated_at = factory.LazyFunction(_now)


class WarningImportFactory(DjangoModelFactory):
    class Meta:
        model = "antifraud.WarningImport"

    user = factory.SubFactory(UserFactory)
    station = factory.SelfAttribute("user.station")
    original_name = "预警.xlsx"
    file = factory.LazyFunction(lambda: _file("预警.xlsx"))


class OffenceTypeFactory(DjangoModelFactory):
    class Meta:
        model = "cases.OffenceType"

    code = factory.Sequence(lambda n: f"MX-{n:03d}")
    name = factory.Sequence(lambda n: f"测试案由{n}")
    kind = "administrative"


class IncidentCategoryFactory(DjangoModelFactory):
    class Meta:
        model = "incidents.IncidentCategory"

    code = factory.Sequence(lambda n: f"MX-{n:03d}")
    name = factory.Sequence(lambda n: f"测试警情类别{n}")


class DisputeTypeFactory(DjangoModelFactory):
    class Meta:
        model = "disputes.DisputeType"

    code = factory.Sequence(lambda n: f"mx{n:03d}")
    name = factory.Sequence(lambda n: f"测试纠纷类型{n}")


class WarningTriggerFactory(DjangoModelFactory):
    class Meta:
        model = "disputes.WarningTrigger"

    kind = factory.LazyFunction(lambda: _first_choice("disputes.WarningTrigger", "kind"))
    level = factory.LazyFunction(lambda: _first_choice("disputes.WarningTrigger", "level"))
    value = "测试"
    threshold = 3
    reason = "测试预警规则"


class CalendarDayFactory(DjangoModelFactory):
    class Meta:
        model = "core.CalendarDay"

    date = factory.Sequence(
        lambda n: _now().date().replace(month=1, day=1) + dt.timedelta(days=3650 + n)
    )
    day_off = True
    name = "测试假日"


class CameraFactory(DjangoModelFactory):
    class Meta:
        model = "command.Camera"

    station = factory.SubFactory(StationFactory)
    name = factory.Sequence(lambda n: f"西街路口{n}")
    place = "西街路口"
    stream_kind = "hls"
    stream_url = "https://video.example.test/live/1.m3u8"


class PatrolPointFactory(DjangoModelFactory):
    class Meta:
        model = "command.PatrolPoint"

    station = factory.SubFactory(StationFactory)
    name = factory.Sequence(lambda n: f"巡查点{n}")
    place = "西街菜市场"


class PatrolRoundFactory(DjangoModelFactory):
    class Meta:
        model = "command.PatrolRound"

    started_by = factory.SubFactory(UserFactory)
    station = factory.SelfAttribute("started_by.station")


class AlertFactory(DjangoModelFactory):
    class Meta:
        model = "command.Alert"

    station = factory.SubFactory(StationFactory)
    kind = factory.LazyFunction(lambda: _first_choice("command.Alert", "kind"))
    source_kind = "incident"
    source_id = factory.Sequence(lambda n: n + 1)
    group_key = factory.Sequence(lambda n: f"matrix-{n}")
    title = "测试告警"


class ServiceFactory(DjangoModelFactory):
    class Meta:
        model = "desk.Service"

    station = factory.SubFactory(StationFactory)
    prefix = factory.Sequence(lambda n: "ABCDEFGHJK"[n % 10])
    name = factory.Sequence(lambda n: f"户口迁移{n}")


class CounterFactory(DjangoModelFactory):
    class Meta:
        model = "desk.Counter"

    station = factory.SubFactory(StationFactory)
    number = factory.Sequence(lambda n: n % 30 + 1)
    name = "户籍窗口"


class AppointmentFactory(DjangoModelFactory):
    class Meta:
        model = "desk.Appointment"

    service = factory.SubFactory(ServiceFactory)
    station = factory.SelfAttribute("service.station")
    reference = factory.Sequence(lambda n: f"YY-T{n:05d}")
    date = factory.LazyFunction(lambda: _now().date() + dt.timedelta(days=1))
    name = "王五"
    phone = "13912345678"
    cancel_code_hash = "x"


class TicketFactory(DjangoModelFactory):
    class Meta:
        model = "desk.Ticket"

    service = factory.SubFactory(ServiceFactory)
    station = factory.SelfAttribute("service.station")
    date = factory.LazyFunction(lambda: _now().date())
    seq = factory.Sequence(lambda n: n + 1)
    number = factory.LazyAttribute(lambda o: f"{o.service.prefix}{o.seq:03d}")
    phone = "13912345678"


class EstateFactory(DjangoModelFactory):
    class Meta:
        model = "estates.Estate"

    community = factory.SubFactory(CommunityFactory)
    station = factory.SelfAttribute("community.station")
    name = factory.Sequence(lambda n: f"锦绣小区{n}")
    address = "玉津镇西街1号"


class GateFactory(DjangoModelFactory):
    class Meta:
        model = "estates.Gate"

    estate = factory.SubFactory(EstateFactory)
    name = "东门"


class AccessDeviceFactory(DjangoModelFactory):
    class Meta:
        model = "estates.AccessDevice"

    gate = factory.SubFactory(GateFactory)
    estate = factory.SelfAttribute("gate.estate")
    station = factory.SelfAttribute("gate.estate.station")
    vendor = "hikvision"
    identifier = factory.Sequence(lambda n: f"44:19:b6:00:{n // 256 % 256:02x}:{n % 256:02x}")
    status = "active"
    name = "东门门禁"


class RegistrationTaskFactory(DjangoModelFactory):
    class Meta:
        model = "estates.RegistrationTask"

    estate = factory.SubFactory(EstateFactory)
    community = factory.SelfAttribute("estate.community")
    station = factory.SelfAttribute("estate.station")
    subject = factory.Sequence(lambda n: f"h:{900 + n}")
    first_seen_at = factory.LazyFunction(lambda: _now() - dt.timedelta(days=6))
    last_seen_at = factory.LazyFunction(_now)
    days_seen = 5
    window_days = 7


class ExportRecordFactory(DjangoModelFactory):
    class Meta:
        model = "exchange.ExportRecord"

    user = factory.SubFactory(UserFactory)
    user_name = factory.SelfAttribute("user.full_name")
    station = factory.SelfAttribute("user.station")
    kind = factory.LazyFunction(lambda: _first_choice("exchange.ExportRecord", "kind"))
    row_count = 1


class ImportJobFactory(DjangoModelFactory):
    class Meta:
        model = "exchange.ImportJob"

    user = factory.SubFactory(UserFactory)
    station = factory.SelfAttribute("user.station")
    kind = factory.LazyFunction(lambda: _first_choice("exchange.ImportJob", "kind"))
    original_name = "人口.xlsx"
    file = factory.LazyFunction(lambda: _file("人口.xlsx"))


class StudySessionFactory(DjangoModelFactory):
    class Meta:
        model = "lawstudy.StudySession"

    station = factory.SubFactory(StationFactory)
    topic = "治安管理处罚法修订"
    starts_at = factory.LazyFunction(lambda: _now() + dt.timedelta(days=2))
    place = "会议室"


class MaterialFactory(DjangoModelFactory):
    class Meta:
        model = "lawstudy.Material"

    session = factory.SubFactory(StudySessionFactory)
    title = "修订对照表"
    url = "https://www.npc.gov.cn/"


class NotificationFactory(DjangoModelFactory):
    class Meta:
        model = "notifications.Notification"

    recipient = factory.SubFactory(UserFactory)
    kind = "matrix"
    title = "测试通知"
    body = "张三 13812345678"
    url = "/"


class ReportFactory(DjangoModelFactory):
    class Meta:
        model = "reports.Report"

    station = factory.SubFactory(StationFactory)
    kind = "weekly"
    period_end = factory.LazyFunction(lambda: _now().date() - dt.timedelta(days=1))
    period_start = factory.LazyAttribute(lambda o: o.period_end - dt.timedelta(days=6))


class ReportTemplateFactory(DjangoModelFactory):
    class Meta:
        model = "reports.ReportTemplate"

    station = factory.SubFactory(StationFactory)
    kind = "weekly"
    version = factory.Sequence(lambda n: n + 1)
    file = factory.LazyFunction(lambda: _file("周报.docx"))
    filename = "周报.docx"


def received_incident(actor, station, community, *, category="JF-LL", **fields):
    """A call taken at the desk (incidents.services.incident_receive) with the usual caller: the
    category by its code, the rest of the fields as given."""
    from fengqiao.incidents.models import IncidentCategory
    from fengqiao.incidents.services import incident_receive

    values = {
        "caller_name": "张三",
        "caller_phone": "13812345678",
        "location": "西街12号",
        "narrative": "邻居吵架",
        **fields,
    }
    return incident_receive(
        actor=actor,
        station=station,
        category=IncidentCategory.objects.get(code=category),
        community=community,
        **values,
    )
