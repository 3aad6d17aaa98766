import pytest

from fengqiao.core import calendar as cn_calendar


@pytest.fixture(autouse=True)
def _fresh_holiday_entries():
    """The holiday entries are cached per process; a test's rolled-back rows must not outlive it."""
    cn_calendar.clear_cache()
    yield
    cn_calendar.clear_cache()
