"""Rates (pure and over the database), 民转刑 linking, the board, the studio page."""

import datetime as dt
import re

import pytest
from django.test import TestCase
from django.urls import reverse
from django.utils import timezone
from hypothesis import given
from hypothesis import strategies as st

from fengqiao.accounts.choices import Role
from fengqiao.disputes import rules, services
from fengqiao.disputes.models import MediationChannel
from fengqiao.disputes.selectors import dispute_board, dispute_figures, later_offence_disputes
from fengqiao.incidents.models import IncidentCategory
from fengqiao.incidents.services import incident_receive
from tests.factories import UserFactory

TODAY = timezone.localdate()


# ---------------------------------------------------------------- pure rules


@given(st.integers(min_value=0, max_value=10_000), st.integers(min_value=0, max_value=10_000))
def test_rates_are_between_zero_and_one_or_none(a, b):
    num, den = min(a, b), max(a, b)
    for rate in (rules.success_rate(num, den), rules.fulfilment_rate(num, den)):
        if den == 0:
            assert rate is None
        else:
            assert 0 <= rate <= 1 and rate == num / den


def test_rate_refuses_impossible_counts():
    with pytest.raises(ValueError):
        rules.ratio(3, 2)


def test_studio_rates_read_as_in_the_article():
    assert rules.percent(rules.success_rate(3240, 3267)) == "99.2%"
    assert rules.percent(rules.fulfilment_rate(5, 5)) == "100.0%"
    assert rules.percent(None) == "—"


@given(
    st.lists(
        st.timedeltas(min_value=dt.timedelta(0), max_value=dt.timedelta(days=400)), max_size=30
    )
)
def test_average_days(durations):
    avg = rules.average_days(durations)
    if not durations:
        assert avg is None
    else:
        days = [d.total_seconds() / 86400 for d in durations]
        assert min(days) - 1e-9 <= avg <= max(days) + 1e-9


@given(
    st.lists(st.integers(min_value=0, max_value=200), max_size=40),
    st.integers(min_value=1, max_value=60),
)
def test_max_within_window_matches_brute_force(days, window):
    base = dt.datetime(2026, 1, 1)
    times = [base + dt.timedelta(days=d) for d in days]
    expected = max(
        (sum(1 for u in times if t <= u <= t + dt.timedelta(days=window)) for t in times), default=0
    )
    assert rules.max_within_window(times, dt.timedelta(days=window)) == expected


def test_week_bounds_and_later_offence():
    assert rules.week_bounds(dt.date(2026, 3, 5)) == (dt.date(2026, 3, 2), dt.date(2026, 3, 8))
    t = dt.datetime(2026, 1, 1)
    assert rules.is_later_offence(t, t + dt.timedelta(hours=1), True)
    assert not rules.is_later_offence(t, t - dt.timedelta(hours=1), True)
    assert not rules.is_later_offence(t, t + dt.timedelta(hours=1), False)


# ---------------------------------------------------------------- over the database


@pytest.fixture
def duty(station):
    return UserFactory(username="duty", full_name="值班员", role=Role.DUTY_OFFICER, station=station)


def _call(duty, code, phone="13812345678", **kw):
    data = dict(
        actor=duty,
        station=duty.station,
        category=IncidentCategory.objects.get(code=code),
        caller_name="张三",
        caller_phone=phone,
        location="西街12号",
        narrative="又打起来了",
    )
    data.update(kw)
    with TestCase.captureOnCommitCallbacks(execute=True):  # the linking subscribes after commit
        return incident_receive(**data)


def _settle(dispute, actor, *, perform=True):
    studio = MediationChannel.objects.get(code="studio")
    services.dispute_accept(actor=actor, dispute=dispute, channel=studio)
    agreement = services.agreement_record(
        actor=actor,
        dispute=dispute,
        form="written",
        reached_on=TODAY,
        signed_parties=dispute.parties.all(),
        terms=[{"what": "赔偿", "due_date": TODAY}],
        mediator=actor,
    )
    if perform:
        services.term_check(actor=actor, term=agreement.terms.get(), result="performed")
    return agreement


def test_later_offence_incident_of_a_party_is_detected(register, bob, duty):
    dispute = register(bob)
    _call(duty, "JF-LL")  # another dispute call: linked, not an offence
    _call(duty, "ZA-DO")  # 殴打他人 by the same caller after registration: 民转刑
    _call(duty, "XS-DQ", phone="13900000000")  # not a party
    links = list(later_offence_disputes(alice_or(bob), TODAY - dt.timedelta(days=1), TODAY))
    assert [link.incident.category.code for link in links] == ["ZA-DO"]
    assert links[0].dispute == dispute
    figures = dispute_figures(bob, TODAY - dt.timedelta(days=1), TODAY)
    assert figures["later_offences"] == 1


def alice_or(user):
    return user


def test_later_offence_at_the_same_address(register, bob, duty, community_a):
    from tests.factories import AddressFactory

    address = AddressFactory(station=bob.station, community=community_a)
    dispute = register(bob, address=address)
    _call(duty, "XS-SH", phone="13700000000", caller_name="路人", address=address)
    assert dispute.incident_links.get().how == "address"
    assert dispute_figures(bob, TODAY, TODAY)["later_offences"] == 1


def test_rates_over_the_database(register, bob, alice):
    settled = register(bob, owner=bob)
    _settle(settled, bob)
    unperformed = register(bob, owner=bob)
    _settle(unperformed, bob, perform=False)
    failed = register(bob, owner=bob)
    services.dispute_accept(
        actor=bob, dispute=failed, channel=MediationChannel.objects.get(code="elders")
    )
    services.dispute_close(actor=bob, dispute=failed, reason="调解不成,引导诉讼")
    register(bob)  # not mediated: not counted in the success rate
    f = dispute_figures(alice, TODAY, TODAY)
    assert f["registered"] == 4
    assert (f["agreements"], f["ended"]) == (2, 3) and f["success_rate"] == pytest.approx(2 / 3)
    assert (f["performed_terms"], f["due_terms"]) == (1, 2) and f["fulfilment_rate"] == 0.5
    assert f["average_days"] is not None and f["average_days"] >= 0
    by_channel = {r["name"]: r for r in f["by_channel"]}
    assert by_channel["老辈子调解群"]["failed"] == 1
    assert [r["name"] for r in f["by_mediator"]] == ["鲍勃"]
    studio = MediationChannel.objects.get(code="studio")
    assert dispute_figures(alice, TODAY, TODAY, channel=studio)["success_rate"] == 1.0


def test_board_red_first_and_by_community(register, bob, alice, community_b):
    register(bob, narrative="扬言同归于尽", owner=bob)
    register(alice, community=community_b)
    board = dispute_board(alice)
    assert [lv for lv, _l in board["levels"]] == ["red", "orange", "yellow"]
    assert board["rows"][0]["name"] == "西街社区" and board["rows"][0]["cells"] == [1, 0, 0]
    assert board["totals"] == [1, 0, 1] and board["files"][0].level == "red"


@pytest.mark.parametrize("name", ["disputes:board", "disputes:figures", "disputes:studio"])
def test_figure_pages(name, register, bob, alice_client, charlie_web):
    dispute = register(bob, owner=bob)
    _settle(dispute, bob)
    page = alice_client.get(reverse(name))
    assert page.status_code == 200
    html = page.content.decode()
    assert "echarts.min.js" in html and "disputes/charts.js" in html and "<script>" not in html
    other = charlie_web.get(reverse(name)).content.decode()
    assert dispute.reference not in other


def test_figures_page_bad_period_falls_back(alice_client):
    response = alice_client.get(
        reverse("disputes:figures"), {"start": "not-a-date", "end": "2026-13-40"}
    )
    assert response.status_code == 200


def test_studio_page_shows_rates(register, bob, alice_client):
    _settle(register(bob, owner=bob), bob)
    html = alice_client.get(reverse("disputes:studio")).content.decode()
    assert "100.0%" in html


def test_mediators_page_shows_channels_and_record(register, bob, alice_client):
    dispute = register(bob, owner=bob)
    studio = MediationChannel.objects.get(code="studio")
    services.dispute_accept(actor=bob, dispute=dispute, channel=studio)
    services.session_record(
        actor=bob,
        dispute=dispute,
        held_at=timezone.now(),
        outcome="agreed",
        mediators=[bob],
        other_mediators="王大爷、李嬢嬢",
    )
    services.agreement_record(
        actor=bob,
        dispute=dispute,
        form="written",
        reached_on=TODAY,
        signed_parties=dispute.parties.all(),
        terms=[{"what": "赔偿", "due_date": TODAY}],
        mediator=bob,
    )
    html = alice_client.get(reverse("disputes:mediators")).content.decode()
    assert "鲍勃" in html and "所内调解室" in html and "王大爷" in html and "李嬢嬢" in html


def test_nothing_due_yet_is_not_a_failure_the_rate_reads_dash_with_the_reason(
    register, bob, alice, client
):
    """Two terms agreed, none due yet: 协议履行率 is "—" with the reason, never 0.0% (issue 24)."""
    dispute = register(bob, owner=bob)
    services.dispute_accept(
        actor=bob, dispute=dispute, channel=MediationChannel.objects.get(code="studio")
    )
    later = TODAY + dt.timedelta(days=10)
    services.agreement_record(
        actor=bob,
        dispute=dispute,
        form="written",
        reached_on=TODAY,
        signed_parties=dispute.parties.all(),
        terms=[{"what": "赔偿", "due_date": later}, {"what": "道歉", "due_date": later}],
        mediator=bob,
    )
    f = dispute_figures(alice, TODAY, later)
    assert f["fulfilment_rate"] is None and (f["due_terms"], f["pending_terms"]) == (0, 2)
    assert f["fulfilment_reason"] == "尚无到期条款(2 条未到期),不计算履行率"
    client.force_login(alice)
    html = client.get(
        reverse("disputes:figures"), {"start": TODAY.isoformat(), "end": later.isoformat()}
    ).content.decode()
    kpi = html[html.index('id="kpi-fulfilment"') :][:300]
    assert "—" in kpi and "2 条未到期" in kpi and "0.0%" not in kpi
    table = html[html.index('id="by-channel"') :][:1500]
    assert not re.search(r"(?<![\d.])0\.0%", table) and "无到期条款" in table


def test_the_dashboard_fulfilment_figure_is_dash_with_the_reason_when_nothing_is_due(
    register, bob, alice, client
):
    from fengqiao.reports import selectors as report_selectors
    from fengqiao.reports.indicators import REGISTRY, Scope

    dispute = register(bob, owner=bob)
    services.dispute_accept(
        actor=bob, dispute=dispute, channel=MediationChannel.objects.get(code="studio")
    )
    later = TODAY + dt.timedelta(days=10)
    services.agreement_record(
        actor=bob,
        dispute=dispute,
        form="written",
        reached_on=TODAY,
        signed_parties=dispute.parties.all(),
        terms=[{"what": "赔偿", "due_date": later}, {"what": "道歉", "due_date": later}],
        mediator=bob,
    )
    viewer = report_selectors.station_viewer(alice.station)
    scope = Scope(viewer, TODAY, later, [alice.station_id], today=TODAY)
    m = REGISTRY["mediation_fulfilment"](scope).get(None)
    assert m.value is None and "2 条未到期" in m.text
    client.force_login(alice)
    html = client.get(
        reverse("reports:dashboard"),
        {"period": "custom", "start": TODAY.isoformat(), "end": later.isoformat()},
    ).content.decode()
    card = html[html.index('data-kpi="mediation_fulfilment"') - 80 :][:700]
    assert "kpi-bad" not in card and "—" in card and "2 条未到期" in card


def test_fulfilment_reason_is_empty_when_terms_are_due():
    assert rules.fulfilment_reason(2, 5) == ""
    assert "不计算" in rules.fulfilment_reason(0, 0)
