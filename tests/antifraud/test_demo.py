from fengqiao.antifraud.figures import figures_for
from fengqiao.antifraud.models import FraudCase, PublicityActivity, Warning
from fengqiao.demo import antifraud as demo
from tests.factories import PersonFactory


def test_demo_gives_the_reference_stations_year_on_year_change_from_its_records(
    alice, bob, community_a
):
    for i in range(20):
        PersonFactory(station=community_a.station, community=community_a, phone=f"1390000{i:04d}")
    counts = demo.load(scale=100, seed=7, log=lambda line: None)
    assert counts["cases"] == FraudCase.objects.count() > 0
    assert Warning.objects.filter(status="merged").exists() and PublicityActivity.objects.exists()
    row = {r["year"]: r for r in figures_for(alice, year=2023)["year_rows"]}[2023]
    assert (row["cases"], row["cases_change"], row["loss_change"]) == (44, -41.3, -57.2)
    assert FraudCase.objects.filter(occurred_on__year=2022).count() == 75
    # the live warnings went through the services: assigned with a running clock
    assert Warning.objects.filter(
        status__in=["assigned", "contacting"], contact_due_at__isnull=False
    ).exists()
