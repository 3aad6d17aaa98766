import pytest
from django.db import connection

from tests.desk import concurrency


@pytest.mark.django_db(transaction=True)
def test_six_counters_calling_at_once_never_call_the_same_number(tmp_path):
    outcome = (
        concurrency.run_on_sqlite_file(tmp_path)
        if connection.vendor == "sqlite"
        else concurrency.calls()
    )
    assert outcome["errors"] == []
    assert outcome["called"] == outcome["distinct"] == outcome["done"] == 120
    assert outcome["waiting_left"] == 0 and outcome["counters_used"] > 1
