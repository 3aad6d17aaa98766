import json

import pytest
from django.core.management import call_command

from tests.gateway.test_gt06 import ALARM_26, GPS_LBS_2, LOGIN
from tests.gateway.test_jt808 import BAD_XOR, BATCH, LOCATION


def test_decode_prints_one_json_line_per_message(capsys):
    call_command("gateway", "decode", "--protocol", "gt06", LOGIN + GPS_LBS_2, ALARM_26)
    lines = [json.loads(line) for line in capsys.readouterr().out.splitlines()]
    assert [line["type"] for line in lines] == ["login", "position", "alarm"]
    assert lines[1]["device_id"] == "864717003283581"
    assert lines[1]["time"] == "2018-06-22T08:56:23Z"
    assert lines[1]["ack"] == "787805220048ea460d0a"
    assert lines[2]["alarms"] == ["vibration"]
    assert {"latitude", "longitude", "speed_kmh", "course", "valid"} <= lines[1].keys()


def test_decode_jt808_batch_lists_positions(capsys):
    call_command("gateway", "decode", "--protocol", "jt808", LOCATION, BATCH)
    first, batch = (json.loads(line) for line in capsys.readouterr().out.splitlines())
    assert first["time"] == "2015-08-17T23:21:21Z"
    assert len(batch["positions"]) == 8
    assert batch["buffered"] is True


@pytest.mark.parametrize(
    ("protocol", "frame", "reason"),
    [
        ("jt808", BAD_XOR, "XOR"),
        ("gt06", GPS_LBS_2[:-8] + "00000d0a", "CRC"),
        ("gt06", "zz", "not hexadecimal"),
        ("gt06", LOGIN[:20], "incomplete"),
    ],
)
def test_corrupt_frame_prints_reason_and_exits_non_zero(capsys, protocol, frame, reason):
    with pytest.raises(SystemExit) as exit_info:
        call_command("gateway", "decode", "--protocol", protocol, frame)
    assert exit_info.value.code == 1
    assert reason in capsys.readouterr().err
