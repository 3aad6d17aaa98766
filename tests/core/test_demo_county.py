"""`fengqiao demo --county N`: a small county loads, every station has its own data, scoping holds, deterministic."""

from __future__ import annotations

import io

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import transaction
from django.db.models import F
from django.urls import reverse

from fengqiao.accounts.models import Station, User
from fengqiao.cases.models import Case
from fengqiao.demo import county
from fengqiao.disputes.models import Dispute
from fengqiao.estates.models import Estate
from fengqiao.incidents.models import Incident
from fengqiao.registry.models import Community, House, Person
from fengqiao.vehicles.models import Vehicle

N = 3
SCALE = 1000  # 80 residents, 27 vehicles, 27 incidents, 3 disputes, 2-3 cases a station
STATION_MODELS = (Community, House, Person, Vehicle, Incident, Dispute, Case, Estate)


def run(*args) -> str:
    out = io.StringIO()
    call_command("demo", *args, stdout=out)
    return out.getvalue()


@pytest.fixture
def small_county(db):
    run("--county", str(N), "--scale", str(SCALE), "--seed", "7")
    return list(Station.objects.filter(code__startswith=county.CODE_PREFIX).order_by("code"))


def test_county_has_n_stations_each_with_its_own_data(small_county):
    assert [s.code for s in small_county] == [county.station_code(i) for i in range(N)]
    sizes = county.per_station(SCALE)
    for station in small_county:
        assert Person.objects.filter(station=station).count() == sizes["persons"]
        assert Vehicle.objects.filter(station=station).count() == sizes["vehicles"]
        assert Incident.objects.filter(station=station).count() == sizes["incidents"]
        assert Dispute.objects.filter(station=station).count() == sizes["disputes"]
        assert Case.objects.filter(station=station).count() == sizes["cases"]
        assert Community.objects.filter(station=station).count() == county.COMMUNITIES
        assert Estate.objects.filter(station=station).exists()
        assert User.objects.filter(station=station, role="station_leader").count() == 1
    # the rows a station's records point to are the station's own
    assert not Person.objects.exclude(community__station=F("station")).exists()
    assert not Vehicle.objects.exclude(owner__station=F("station")).exists()
    assert not Incident.objects.exclude(community__station=F("station")).exists()
    assert not Case.objects.exclude(lead_officer__station=F("station")).exists()
    assert not House.objects.exclude(address__station=F("station")).exists()
    # references are numbered per station: the first incident of every station is number 1 of its year
    firsts = {
        s.pk: Incident.objects.filter(station=s).order_by("received_at").first().reference
        for s in small_county
    }
    assert all(ref.endswith("-000001") for ref in firsts.values())


def test_every_foreign_key_of_the_county_points_to_a_row(small_county):
    from django.db import connection

    connection.check_constraints()  # SQLite: PRAGMA foreign_key_check over every table


def test_bureau_user_sees_every_station_a_station_user_only_his_own(small_county, client):
    bureau_user = User.objects.get(username="county_bureau")
    for model in STATION_MODELS:
        assert model.objects.visible_to(bureau_user).count() == model.objects.count() > 0
    for station in small_county:
        officer = User.objects.get(username=f"c{small_county.index(station) + 1:02d}_duty_officer1")
        for model in STATION_MODELS:
            seen = model.objects.visible_to(officer)
            assert seen.count() == model.objects.filter(station=station).count() > 0
            assert not seen.exclude(station=station).exists()
    # and through a page: the incident list of station 2's officer shows none of station 1's references
    officer = User.objects.get(username="c02_duty_officer1")
    client.force_login(officer)
    own = Incident.objects.filter(station=small_county[1]).order_by("-received_at").first()
    other = Incident.objects.filter(station=small_county[0]).order_by("-received_at").first()
    response = client.get(reverse("incidents:incident_detail", args=[other.pk]))
    assert response.status_code == 404
    response = client.get(reverse("incidents:incident_detail", args=[own.pk]))
    assert response.status_code == 200
    assert own.reference in response.content.decode()


def test_same_seed_same_counts_and_ids(db):
    class Rollback(Exception):
        pass

    prints = []
    for _ in range(2):
        try:
            with transaction.atomic():
                county.load(stations=2, scale=SCALE, seed=11, log=lambda *_: None)
                prints.append(county.fingerprint())
                raise Rollback
        except Rollback:
            pass
    assert prints[0] == prints[1]
    assert len(prints[0]) == 2
    assert prints[0][county.station_code(0)]["persons"][0] == county.per_station(SCALE)["persons"]


def test_county_refuses_a_second_load_and_a_bad_n(small_county):
    with pytest.raises(CommandError, match="已存在"):
        run("--county", "2", "--scale", str(SCALE))
    assert "不再重复加载" in run("--county", "2", "--scale", str(SCALE), "--if-empty")
    with pytest.raises(CommandError, match="--county"):
        run("--county", "0")
