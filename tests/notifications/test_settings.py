"""Notification settings are parsed strictly: a bad value stops the process with the variable's name."""

import os
import subprocess
import sys

import pytest


def _load_settings(**env):
    return subprocess.run(
        [
            sys.executable,
            "-c",
            "import fengqiao.settings as s; print(s.SMS_MIN_LEVEL, s.NOTIFY_URGENT_CHANNELS)",
        ],
        env={**os.environ, **env},
        capture_output=True,
        text=True,
        check=False,
    )


@pytest.mark.parametrize(
    ("name", "value"),
    [
        ("SMS_MIN_LEVEL", "purple"),
        ("NOTIFY_WEBHOOK_MIN_LEVEL", "high"),
        ("SMS_GATEWAY_METHOD", "put"),
        ("SMS_GATEWAY_FIELDS", "mobile=phone"),
        ("NOTIFY_URGENT_CHANNELS", "sms,pager"),
        ("NOTIFY_EMAIL_ENABLED", "maybe"),
        ("NOTIFY_MAX_ATTEMPTS", "0"),
    ],
)
def test_bad_notification_setting_stops_the_process(name, value):
    result = _load_settings(**{name: value})
    assert result.returncode != 0
    assert name in result.stderr


def test_level_none_means_urgent_only():
    result = _load_settings(SMS_MIN_LEVEL="none", NOTIFY_URGENT_CHANNELS="sms")
    assert result.returncode == 0, result.stderr
    assert result.stdout.split() == ["None", "['sms']"]
