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


def make_id_number(seq: int, *, birth: dt.date = dt.date(1980, 1, 1), male: bool = True, region: str = "511123") -> str:
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
    id_number = factory.Sequence(lambda n: make_id_number(n + 1, birth=dt.date(1970 + n % 30, 1 + n % 12, 1 + n % 28)))
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
