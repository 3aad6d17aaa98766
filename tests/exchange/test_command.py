"""`fengqiao import_registry`: prints the bad rows, imports only with --commit."""

import pytest
from django.core.management import CommandError, call_command

from fengqiao.core.models import ObjectChange
from fengqiao.registry.models import Person
from tests.exchange.conftest import person_row, xlsx_bytes

pytestmark = pytest.mark.django_db


@pytest.fixture
def bad_file(tmp_path):
    path = tmp_path / "人员.xlsx"
    path.write_bytes(xlsx_bytes([person_row(1), person_row(2, phone="555"), person_row(3)]))
    return path


def test_dry_run_prints_the_errors_and_writes_nothing(alice, community_a, bad_file, capsys):
    call_command("import_registry", str(bad_file), "--kind", "persons", "--user", "alice")
    out = capsys.readouterr().out
    assert "第3行 手机号 “555”: 电话号码格式不正确" in out
    assert "未写入数据" in out
    assert Person.objects.count() == 0


def test_commit_valid_imports_the_good_rows(alice, community_a, bad_file, capsys):
    call_command(
        "import_registry",
        str(bad_file),
        "--kind",
        "persons",
        "--user",
        "alice",
        "--commit",
        "valid",
    )
    assert "已导入实有人口 2 条" in capsys.readouterr().out
    assert Person.objects.count() == 2
    assert ObjectChange.objects.filter(source="import", content_type__model="person").count() == 2


def test_commit_all_is_refused_with_bad_rows(alice, community_a, bad_file):
    with pytest.raises(CommandError, match="不能全部导入"):
        call_command(
            "import_registry",
            str(bad_file),
            "--kind",
            "persons",
            "--user",
            "alice",
            "--commit",
            "all",
        )
    assert Person.objects.count() == 0


def test_unknown_user_is_an_error(db, bad_file):
    with pytest.raises(CommandError, match="不存在"):
        call_command("import_registry", str(bad_file), "--kind", "persons", "--user", "nobody")
