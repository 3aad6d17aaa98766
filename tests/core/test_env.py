import pytest

from fengqiao import env


def test_boolean_parses_the_usual_spellings(monkeypatch):
    for text, expected in [("1", True), ("yes", True), ("On", True), ("0", False), ("false", False), ("", False)]:
        monkeypatch.setenv("FQ_FLAG", text)
        assert env.boolean("FQ_FLAG") is expected


def test_boolean_refuses_nonsense(monkeypatch):
    monkeypatch.setenv("FQ_FLAG", "maybe")
    with pytest.raises(env.ImproperEnv, match="FQ_FLAG"):
        env.boolean("FQ_FLAG")


def test_integer_refuses_text_and_values_below_minimum(monkeypatch):
    monkeypatch.setenv("FQ_N", "ten")
    with pytest.raises(env.ImproperEnv, match="not a whole number"):
        env.integer("FQ_N", 1)
    monkeypatch.setenv("FQ_N", "-3")
    with pytest.raises(env.ImproperEnv, match="below the minimum"):
        env.integer("FQ_N", 1, minimum=0)


def test_secret_can_come_from_a_file(monkeypatch, tmp_path):
    secret = tmp_path / "secret"
    secret.write_text("s3cret\n", encoding="utf-8")
    monkeypatch.setenv("FQ_SECRET_FILE", str(secret))
    assert env.string("FQ_SECRET") == "s3cret"


def test_unreadable_secret_file_names_the_variable(monkeypatch, tmp_path):
    monkeypatch.setenv("FQ_SECRET_FILE", str(tmp_path / "missing"))
    with pytest.raises(env.ImproperEnv, match="FQ_SECRET_FILE"):
        env.string("FQ_SECRET")


def test_csv_list(monkeypatch):
    monkeypatch.setenv("FQ_HOSTS", "a.example, b.example ,,")
    assert env.csv_list("FQ_HOSTS", []) == ["a.example", "b.example"]


def test_settings_default_to_sqlite_under_var_and_shanghai_time(settings):
    assert settings.TIME_ZONE == "Asia/Shanghai"
    assert settings.LANGUAGE_CODE == "zh-hans"
    assert settings.USE_TZ is True


def test_periodic_jobs_run_on_the_station_clock():
    """crontab(hour=17, day_of_week=5) is Friday 17:00 in Sichuan, not 17:00 UTC (01:00 Saturday there)."""
    import time

    from huey.contrib.djhuey import HUEY

    assert HUEY.utc is False
    assert time.strftime("%z") == "+0800"  # Django set the process time zone to Asia/Shanghai
