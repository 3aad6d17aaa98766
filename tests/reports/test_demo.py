"""The demo puts the stations in categories and writes the reference station's last reports."""

import pytest

from fengqiao.demo import reports as demo
from fengqiao.reports.models import Report, StationProfile

pytestmark = pytest.mark.django_db


def test_demo_categorises_stations_and_writes_reports(station, other_station, scheme):
    counts = demo.load(scale=1, seed=1, log=lambda *a: None)
    assert counts == {"station_profiles": 2, "reports": 2}
    assert StationProfile.objects.get(station=station).category.name == "一类所"
    assert set(Report.objects.values_list("kind", "status")) == {
        ("monthly", "done"),
        ("weekly", "done"),
    }
    assert demo.load(scale=1, seed=1, log=lambda *a: None)["station_profiles"] == 0
