"""Exports: the list's filter, the user's scope, masking by role, 重点人员 labels by role, and the record."""

import io

import pytest
from openpyxl import load_workbook

from fengqiao.accounts.choices import Role
from fengqiao.core.models import PersonalDataAccess
from fengqiao.exchange.models import ExportRecord
from fengqiao.registry.models import PersonLabel
from tests.factories import (
    AddressFactory,
    CommunityFactory,
    HouseFactory,
    OrganisationFactory,
    PersonFactory,
    UserFactory,
)

pytestmark = pytest.mark.django_db
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def rows_of(response):
    assert response.status_code == 200
    assert response["Content-Type"] == XLSX
    workbook = load_workbook(io.BytesIO(b"".join(response.streaming_content)), read_only=True)
    return [list(r) for r in workbook.worksheets[0].iter_rows(values_only=True)]


@pytest.fixture
def people(community_a, community_b, alice):
    a = PersonFactory(
        community=community_a, name="张三", id_number="511123198001010014", phone="13812345678"
    )
    b = PersonFactory(community=community_b, name="李四", phone="13900001111")
    PersonLabel.objects.create(person=a, label="重点人员", created_by=alice)
    return a, b


def test_leader_exports_unmasked_with_labels(alice_client, people):
    rows = rows_of(alice_client.get("/exchange/export/persons/"))
    header, *data = rows
    assert header[:2] == ["姓名", "身份证号"] and header[-1] == "人员标签"
    zhang = next(r for r in data if r[0] == "张三")
    assert zhang[1] == "511123198001010014"
    assert zhang[4] == "13812345678"
    assert zhang[-1] == "重点人员"


def test_community_officer_export_is_masked_but_keeps_labels(bob_client, people):
    header, *data = rows_of(bob_client.get("/exchange/export/persons/"))
    zhang = next(r for r in data if r[0] == "张三")
    assert zhang[1] == "5****************4"
    assert zhang[3] == "1980"  # the birth date as its year (core/masking.py)
    assert zhang[4] == "138****5678"
    assert (
        header[-1] == "人员标签" and zhang[-1] == "重点人员"
    )  # community officers are a KEY_PERSON role


def test_labels_are_never_exported_without_a_key_person_role(client, login, station, people):
    auxiliary = UserFactory(role=Role.AUXILIARY, station=station)
    header, *data = rows_of(login(client, auxiliary).get("/exchange/export/persons/"))
    assert "人员标签" not in header
    assert all("重点人员" not in [str(c) for c in row] for row in data)


def test_export_follows_the_list_filter(alice_client, people, community_a):
    header, *data = rows_of(
        alice_client.get(f"/exchange/export/person/?community={community_a.pk}&page=3")
    )
    assert [r[0] for r in data] == ["张三"]
    record = ExportRecord.objects.get()
    assert record.query == f"community={community_a.pk}" and record.row_count == 1


def test_export_search_uses_the_list_search(alice_client, people):
    header, *data = rows_of(alice_client.get("/exchange/export/persons/?q=ls"))
    assert [r[0] for r in data] == ["李四"]


def test_charlie_exporting_with_alices_filter_gets_nothing(charlie_client, people, community_a):
    header, *data = rows_of(charlie_client.get("/exchange/export/persons/?q=张三"))
    assert data == []
    header, *data = rows_of(charlie_client.get("/exchange/export/persons/"))
    assert data == []
    assert list(ExportRecord.objects.values_list("row_count", flat=True)) == [0, 0]


def test_masked_export_is_recorded_without_personal_data_access(bob_client, bob, people):
    rows_of(bob_client.get("/exchange/export/persons/"))
    record = ExportRecord.objects.get()
    assert (record.user, record.kind, record.row_count, record.masked, record.with_labels) == (
        bob,
        "persons",
        2,
        True,
        True,
    )
    assert not PersonalDataAccess.objects.exists()


def test_unmasked_export_is_recorded_with_personal_data_access_per_person(
    alice_client, alice, people
):
    rows_of(alice_client.get("/exchange/export/persons/"))
    record = ExportRecord.objects.get()
    assert record.masked is False and record.row_count == 2
    accesses = PersonalDataAccess.objects.filter(channel="export")
    assert {a.object_id for a in accesses} == {p.pk for p in people}
    access = accesses.first()
    assert access.user == alice and "id_number" in access.fields and "phone" in access.fields
    assert f"#{record.pk}" in access.purpose


def test_house_export_masks_owner_phone_for_officers(bob_client, community_a):
    HouseFactory(
        address=AddressFactory(community=community_a), owner_name="王五", owner_phone="13711112222"
    )
    header, *data = rows_of(bob_client.get("/exchange/export/houses/"))
    assert data[0][header.index("房主电话")] == "137****2222"


def test_addresses_organisations_and_communities_export(alice_client, community_a):
    OrganisationFactory(address=AddressFactory(community=community_a, road="北街"), name="玉津茶馆")
    header, *data = rows_of(alice_client.get("/exchange/export/addresses/"))
    assert "北街" in data[0][header.index("街路巷/小区")]
    header, *data = rows_of(alice_client.get("/exchange/export/organisation/"))
    assert data[0][0] == "玉津茶馆"
    header, *data = rows_of(alice_client.get("/exchange/export/communities/"))
    assert [r[0] for r in data] == ["西街社区"]


def test_community_export_is_scoped(charlie_client, community_a, other_station):
    CommunityFactory(station=other_station, name="清溪社区")
    header, *data = rows_of(charlie_client.get("/exchange/export/communities/"))
    assert [r[0] for r in data] == ["清溪社区"]


def test_unknown_export_kind_is_404(alice_client):
    assert alice_client.get("/exchange/export/vehicles/").status_code == 404


def test_export_needs_login(client):
    assert client.get("/exchange/export/persons/").status_code == 302
