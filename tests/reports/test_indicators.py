"""Each dashboard figure is the part's own figure: checked against the part's selector over a small
full demo, by station; group breakdowns add up; scoping holds."""

import datetime as dt

import pytest
from django.utils import timezone

from fengqiao.reports import selectors
from fengqiao.reports.indicators import REGISTRY, Scope

pytestmark = pytest.mark.django_db

TODAY = timezone.localdate()
YEAR_START, YEAR_END = dt.date(TODAY.year - 1, 1, 1), dt.date(TODAY.year - 1, 12, 31)


def _scope(station, start=YEAR_START, end=YEAR_END, **kw):
    return Scope(selectors.station_viewer(station), start, end, [station.pk], **kw)


def value(key, scope):
    m = REGISTRY[key](scope).get(None)
    return m.value if m else None


def test_callback_satisfaction_is_the_callbacks_page_figure(demo, leader):
    from fengqiao.incidents import conf
    from fengqiao.incidents.selectors import satisfaction_rows, satisfaction_total

    start, end = _scope(demo).bounds()
    w = conf.basic_weight()
    total = satisfaction_total(
        satisfaction_rows(leader, group="month", start=start, end=end, weight=w), w
    )
    assert total["valid"] > 0
    assert value("callback_satisfaction", _scope(demo)) == pytest.approx(total["rate"], abs=0.01)


def test_mediation_figures_are_the_disputes_figures(demo, leader):
    from fengqiao.disputes.selectors import dispute_figures

    f = dispute_figures(leader, YEAR_START, YEAR_END)
    scope = _scope(demo)
    assert f["ended"] > 0
    assert value("mediation_success", scope) == pytest.approx(f["success_rate"] * 100, abs=0.01)
    if f["fulfilment_rate"] is not None:
        assert value("mediation_fulfilment", scope) == pytest.approx(
            f["fulfilment_rate"] * 100, abs=0.01
        )
    assert value("later_offence", scope) == f["later_offences"]


def test_fraud_figures_are_the_antifraud_year_on_year(demo, leader):
    from fengqiao.antifraud.figures import figures_for

    fig = figures_for(leader, year=TODAY.year - 1)
    current = fig["current"]
    m = REGISTRY["fraud_cases"](_scope(demo)).get(None)
    assert m.value == current["cases"]
    assert m.change == current["cases_change"]
    loss = REGISTRY["fraud_loss"](_scope(demo)).get(None)
    assert loss.value == pytest.approx(current["loss"])


def test_vehicle_figures_are_the_vehicles_figures_by_year(demo, leader):
    from fengqiao.vehicles.selectors import figures_by_year

    rows = {r["year"]: r for r in figures_by_year(leader)}
    for year, row in rows.items():
        scope = _scope(demo, dt.date(year, 1, 1), dt.date(year, 12, 31))
        assert value("vehicles_recovered", scope) == row["recovered"]
        assert (value("insurance_paid", scope) or 0) == row["paid"]


def test_red_lines_count_the_flags_raised_in_the_period(demo):
    from fengqiao.cases.models import RedLineFlag

    scope = _scope(demo, dt.date(2000, 1, 1), TODAY)
    for kind in ("unfiled", "overdue", "lax"):
        assert (
            value(f"redline_{kind}", scope)
            == RedLineFlag.objects.filter(station=demo, kind=kind).count()
        )


def test_counts_by_unit_officer_and_month_add_up_to_the_total(demo):
    scope = _scope(demo)
    for key in ("vehicles_recovered", "later_offence", "fraud_cases"):
        total = value(key, scope) or 0
        for group in ("month", "community"):
            assert sum(m.value for m in REGISTRY[key](scope, group).values()) == total, (key, group)


def test_a_filter_the_figure_cannot_apply_says_so(demo):
    from fengqiao.accounts.models import User

    officer = User.objects.filter(station=demo).first()
    scope = _scope(demo, officer_id=officer.pk)
    assert REGISTRY["insurance_paid"](scope) == {}  # paid claims have no officer
    row = selectors.figure_row("insurance_paid", scope, None)
    assert row["applicable"] is False


def test_another_station_sees_none_of_the_figures(demo, outsider):
    from fengqiao.reports.forms import FigureFilterForm

    form = FigureFilterForm(
        {"period": "custom", "start": f"{TODAY.year - 2}-01-01", "end": TODAY.isoformat()},
        user=outsider,
    )
    assert form.is_valid()
    scope = form.scope()
    assert demo.pk not in scope.station_ids
    for row in selectors.figures(scope):
        assert row["value"] in (None, 0), row


def test_the_dashboard_trend_has_twelve_months(demo):
    data = selectors.dashboard(_scope(demo, dt.date(TODAY.year, 1, 1), TODAY))
    assert len(data["series"]["months"]) == 12
    assert data["series"]["months"][-1] == f"{TODAY.year}-{TODAY.month:02d}"
    assert {f["key"] for f in data["figures"]} == set(selectors.DASHBOARD_KEYS)


def test_evaluation_ranks_units_and_officers_with_reasons(demo):
    scope = _scope(demo)
    for level in ("unit", "officer"):
        ev = selectors.evaluation(scope, level)
        rows = [r for g in ev["groups"] for r in g["rows"]]
        assert rows and ev["scheme"]["name"]
        scored = [r for r in rows if r["total"] is not None]
        assert scored
        for r in scored:
            assert r["points"] and all(p["reason"] for p in r["points"])
            if r["vetoed"]:
                assert r["total"] == 0 and r["veto_reasons"]
        ranks = [r["rank"] for r in scored]
        assert ranks == sorted(ranks)


def test_evaluation_rates_show_their_sample_and_small_samples_are_shrunk(demo):
    """Issue 24: a rate says on how many records it stands; under rules.MIN_SAMPLE it is padded with
    the pooled rate, so a few records never score like a full record; ties share a rank."""
    from fengqiao.reports import rules

    ev = selectors.evaluation(_scope(demo), "officer")
    points = [p for g in ev["groups"] for r in g["rows"] for p in r["points"]]
    assert any("样本" in p["reason"] for p in points)
    small = [p for p in points if f"不足 {rules.MIN_SAMPLE} 件" in p["reason"]]
    for p in small:
        assert "全体平均" in p["reason"] and "→" in p["reason"]
    for g in ev["groups"]:
        ranks = [r["rank"] for r in g["rows"] if r["rank"] is not None]
        for r in g["rows"]:
            assert r["tied"] == (r["rank"] is not None and ranks.count(r["rank"]) > 1)


def test_stations_are_ranked_within_their_category(demo, bureau):
    from fengqiao.accounts.models import Station
    from fengqiao.reports import services
    from fengqiao.reports.models import StationCategory

    first, second = StationCategory.objects.order_by("sort")[:2]
    other = Station.objects.exclude(pk=demo.pk).first()
    services.station_category_set(actor=bureau, station=demo, category=first)
    services.station_category_set(actor=bureau, station=other, category=second)
    scope = Scope(bureau, YEAR_START, YEAR_END, selectors.visible_station_ids(bureau))
    ev = selectors.evaluation(scope, "station")
    groups = {g["name"]: [r["name"] for r in g["rows"]] for g in ev["groups"]}
    assert groups[first.name] == [demo.name]
    assert groups[second.name] == [other.name]
    assert all(r["rank"] in (1, None) for g in ev["groups"] for r in g["rows"])
