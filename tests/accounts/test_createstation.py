import pytest
from django.core.management import CommandError, call_command

from fengqiao.accounts.models import Bureau, Station
from fengqiao.core.models import ObjectChange


def test_createstation_makes_bureau_station_and_units(db, capsys):
    call_command("createstation", "--bureau-code", "511123", "--bureau-name", "犍为县公安局", "--name", "玉津派出所", "--code", "YJ", "--area", "69.8")
    station = Station.objects.get(code="YJ")
    assert station.bureau.name == "犍为县公安局"
    assert sorted(station.units.values_list("name", flat=True)) == sorted(["社区警务队", "案件办理队", "综合指挥室", "户籍室"])
    assert ObjectChange.objects.filter(object_repr="玉津派出所", action="create", source="command").exists()
    assert "已新建" in capsys.readouterr().out


def test_createstation_reuses_the_bureau_by_code(db):
    call_command("createstation", "--bureau-code", "511123", "--bureau-name", "犍为县公安局", "--name", "玉津派出所", "--code", "YJ")
    call_command("createstation", "--bureau-code", "511123", "--name", "清溪派出所", "--code", "QX")
    assert Bureau.objects.count() == 1 and Station.objects.count() == 2


def test_createstation_refuses_a_duplicate_code_and_writes_nothing(db):
    call_command("createstation", "--bureau-code", "511123", "--bureau-name", "犍为县公安局", "--name", "玉津派出所", "--code", "YJ")
    with pytest.raises(CommandError, match="已存在"):
        call_command("createstation", "--bureau-code", "511123", "--name", "另一个所", "--code", "YJ")
    assert Station.objects.count() == 1


def test_createstation_needs_a_bureau_name_for_a_new_bureau(db):
    with pytest.raises(CommandError, match="县局名称"):
        call_command("createstation", "--bureau-code", "999999", "--name", "某所", "--code", "X1")
    assert not Bureau.objects.exists()
