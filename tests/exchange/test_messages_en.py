"""Import messages follow the uploader's language: row errors and summaries are written in the
language of the request that started the job (Chinese by default)."""

import pytest
from django.utils import translation

from fengqiao.exchange import services, tasks
from fengqiao.exchange.models import ImportJob
from fengqiao.exchange.readers import FileProblem, file_type
from tests.exchange.conftest import person_row, upload, xlsx_bytes

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _default_language():
    """Start from the default language, and leave it so: a request with an English cookie leaves
    English active in this thread, which later tests (asserting Chinese) must not inherit."""
    translation.deactivate()
    yield
    translation.deactivate()


def _bad_rows():
    return xlsx_bytes(
        [person_row(1), person_row(2, phone="12345"), person_row(3, community="无此社区")]
    )


def test_row_errors_of_an_english_upload_are_english(alice_client, community_a):
    alice_client.cookies["django_language"] = "en"
    from django.core.files.uploadedfile import SimpleUploadedFile

    response = alice_client.post(
        "/exchange/import/persons/", {"file": SimpleUploadedFile("人员.xlsx", _bad_rows())}
    )
    job = ImportJob.objects.get()
    problems = {e["row"]: e["problem"] for e in job.errors}
    assert problems[3].startswith("Wrong phone number format")
    assert problems[4] == "“无此社区” is not a community/village of this station"
    assert job.summary == "Rows: 3 (valid: 1, with errors: 2)"
    body = alice_client.get(response["Location"]).content.decode()
    assert "is not a community/village of this station" in body


def test_a_job_started_without_a_language_writes_chinese(alice, community_a):
    job = services.import_job_create(
        actor=alice, kind="persons", upload=upload("人员.xlsx", _bad_rows())
    )
    tasks.validate_import(job.pk)
    job.refresh_from_db()
    problems = {e["row"]: e["problem"] for e in job.errors}
    assert problems[4] == "“无此社区”不是本所的社区/村"
    assert job.summary == "共 3 行:正确 1 行,有错误 2 行"


def test_the_task_writes_in_the_language_it_is_given(alice, community_a):
    job = services.import_job_create(
        actor=alice, kind="persons", upload=upload("人员.xlsx", _bad_rows())
    )
    tasks.validate_import(job.pk, "en")
    job.refresh_from_db()
    assert {e["row"]: e["problem"] for e in job.errors}[4] == (
        "“无此社区” is not a community/village of this station"
    )
    services.import_job_commit_start(actor=alice, job=job, mode="valid_only")
    tasks.commit_import(job.pk, "en")
    job.refresh_from_db()
    assert job.summary.startswith("Residents imported: 1; rows with errors skipped: 2")


def test_file_problems_in_english():
    with translation.override("en"), pytest.raises(FileProblem) as caught:
        file_type("名单.doc")
    assert str(caught.value) == "Unsupported file type “.doc”; upload an .xlsx or .csv file"
