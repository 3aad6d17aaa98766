"""The vehicles demo (in the full demo): every theft carries its incident (刑事/盗窃) and its criminal
case (盗窃罪) consistent with its outcome, and the reference station is left without a red line."""

import io

import pytest
from django.core.management import call_command
from django.utils import timezone

from fengqiao.accounts.models import Station
from fengqiao.cases.models import Case
from fengqiao.cases.selectors import detect
from fengqiao.demo import generator
from fengqiao.incidents.models import Incident
from fengqiao.vehicles.models import Theft

pytestmark = pytest.mark.django_db


@pytest.fixture
def demo(db):
    call_command("demo", "--scale", "200", "--seed", "7", stdout=io.StringIO())
    return Station.objects.get(code="511123-YJ")


def test_demo_open_thefts_have_filed_cases_and_no_red_line(demo):
    open_thefts = list(Theft.objects.filter(status="open").select_related("case", "incident"))
    assert open_thefts
    for theft in open_thefts:
        case = theft.case
        assert case is not None and case.status == "handling" and case.offence.code == "XS-DQ"
        assert theft.incident.case_reference == case.reference
        assert case.lead_officer.rank == case.second_officer.rank == "police"
        assert case.lead_officer_id != case.second_officer_id
    assert detect(demo, timezone.now()) == []


def test_demo_every_theft_has_its_theft_incident_and_case(demo):
    thefts = list(
        Theft.objects.filter(station=demo).select_related(
            "incident__category", "case__offence", "case__source_incident"
        )
    )
    assert {t.reported_at.year for t in thefts} >= {2021, 2022, 2023, 2024, 2025}
    for theft in thefts:
        incident, case = theft.incident, theft.case
        assert incident is not None and case is not None, theft.reference
        assert incident.category.code == "XS-DQ"
        assert incident.outcome == ("case_filed" if theft.status != "open" else "")
        assert incident.received_at == theft.reported_at == case.reported_at
        assert case.kind == "criminal" and case.offence.code == "XS-DQ"
        assert case.source_incident_id == incident.pk
        assert incident.case_reference == case.reference
        assert case.accepted_at >= case.reported_at
        assert case.lead_officer_id != case.second_officer_id
        assert case.actions.exists()
        if theft.status != "open":  # (the report's service does not add parties)
            assert case.parties.filter(role="victim", person=theft.vehicle.owner).exists()
    # one case per theft, and no other case on the same incident (the cases demo kept its hands off)
    assert len({t.case_id for t in thefts}) == len(thefts)
    assert Case.objects.filter(source_incident__in=[t.incident_id for t in thefts]).count() == len(
        thefts
    )


def test_demo_recovered_thefts_cases_closed_after_the_recovery(demo):
    recovered = list(
        Theft.objects.filter(station=demo, status="recovered").select_related("case", "recovery")
    )
    assert recovered
    for theft in recovered:
        assert theft.case.status == "closed" and theft.case.closing_summary
        assert theft.case.closed_at > theft.recovery.recovered_at
        assert theft.case.events.filter(kind="closed").exists()


def test_demo_unrecovered_thefts_cases_still_investigated_without_red_line(demo):
    claimed = list(Theft.objects.filter(station=demo, status="claimed").select_related("case"))
    assert claimed
    now = timezone.now()
    for theft in claimed:
        case = theft.case
        assert case.status == "handling" and case.closed_at is None
        assert (now - case.last_action_at).days < 15
        assert case.actions.filter(at=case.last_action_at).exists()
        assert case.events.filter(text__startswith="保险理赔").exists()
    assert detect(demo, now) == []


def test_demo_theft_incidents_come_from_the_incidents_demo_when_it_has_them(db, monkeypatch):
    """A historic theft takes one of the incidents demo's own theft incidents of its month while one
    is left, and only then a new incident."""
    from fengqiao.demo import vehicles as vehicles_demo

    monkeypatch.setattr(generator, "PART_DEMOS", ["fengqiao.demo.incidents", "fengqiao.demo.cases"])
    call_command("demo", "--scale", "40", "--seed", "7", stdout=io.StringIO())
    station = Station.objects.get(code="511123-YJ")
    theirs = Incident.objects.filter(
        station=station, category__code="XS-DQ", outcome="case_filed"
    ).exclude(cases__status__in=["review", "handling"])
    pool = {pk: timezone.localtime(at) for pk, at in theirs.values_list("pk", "received_at")}
    first = min(pool.values())
    vehicles_demo.load(scale=40, seed=7, log=lambda *a: None)
    thefts = Theft.objects.filter(station=station).exclude(status="open")
    used = {
        pk: timezone.localtime(at) for pk, at in thefts.values_list("incident_id", "reported_at")
    }
    assert set(used) & set(pool)
    # months (December and 1 January aside: outside some thefts' plans) with one of theirs left over
    left = {
        (at.year, at.month)
        for pk, at in pool.items()
        if pk not in used and at.month != 12 and (at.month, at.day) != (1, 1)
    }
    for pk, at in used.items():
        if pk not in pool and at > first and at.month != 12:
            assert (at.year, at.month) not in left, f"new incident on {at:%Y-%m-%d}"


def test_demo_vehicles_before_cases_gives_one_case_per_theft_incident(db, monkeypatch):
    monkeypatch.setattr(
        generator,
        "PART_DEMOS",
        ["fengqiao.demo.incidents", "fengqiao.demo.vehicles", "fengqiao.demo.cases"],
    )
    call_command("demo", "--scale", "200", "--seed", "7", stdout=io.StringIO())
    station = Station.objects.get(code="511123-YJ")
    thefts = Theft.objects.filter(station=station).select_related("case", "incident")
    assert thefts.exists()
    for theft in thefts:
        assert theft.case is not None and theft.incident.case_reference == theft.case.reference
        assert Case.objects.filter(source_incident=theft.incident).count() == 1
    references = list(Case.objects.filter(station=station).values_list("reference", flat=True))
    assert len(references) == len(set(references))
    # every filed incident has its case (no 有案不立 in the history)
    filed = Incident.objects.filter(station=station).exclude(case_reference="")
    assert not filed.filter(cases__isnull=True).exists()
    assert detect(station, timezone.now()) == []
