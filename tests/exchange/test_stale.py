"""An import left running after its worker died: shown as interrupted, re-run or abandoned, nothing
half-written (the commit is one transaction; docs/decisions/0006)."""

import datetime as dt

import pytest
import time_machine
from django.core.exceptions import ValidationError

from fengqiao.exchange import services
from fengqiao.exchange.choices import ImportStatus
from fengqiao.exchange.models import ImportJob
from fengqiao.exchange.rules import job_stale
from fengqiao.registry.models import Person
from tests.exchange.conftest import person_row, upload, xlsx_bytes

pytestmark = pytest.mark.django_db
T0 = dt.datetime(2026, 4, 6, 2, 0, tzinfo=dt.UTC)


def test_rule_running_without_a_sign_of_life_is_stale():
    kw = {"last_sign_of_life": T0, "minutes": 30}
    assert job_stale(status="committing", now=T0 + dt.timedelta(minutes=31), **kw)
    assert not job_stale(status="committing", now=T0 + dt.timedelta(minutes=29), **kw)
    assert not job_stale(status="done", now=T0 + dt.timedelta(days=3), **kw)


def _validated(user, rows=3):
    job = services.import_job_create(
        actor=user,
        kind="persons",
        upload=upload("人员.xlsx", xlsx_bytes([person_row(i) for i in range(1, rows + 1)])),
    )
    return services.import_job_validate(job.pk)


def _worker_died_during_commit(user):
    """The commit was claimed, then the worker was killed before it wrote (or while it wrote: the
    transaction was rolled back by the database)."""
    with time_machine.travel(T0, tick=False):
        job = _validated(user)
        services.import_job_commit_start(actor=user, job=job, mode="all")
    return ImportJob.objects.get(pk=job.pk)


LATER = T0 + dt.timedelta(hours=2)


def test_an_interrupted_commit_is_shown_as_such_with_its_choices(
    client, login, alice, community_a, settings
):
    settings.SESSION_IDLE_MINUTES = 24 * 60  # the officer keeps the page open across the two hours
    job = _worker_died_during_commit(alice)
    login(client, alice)
    with time_machine.travel(T0 + dt.timedelta(minutes=5), tick=False):
        page = client.get(f"/exchange/jobs/{job.pk}/").content.decode()
        assert "已中断" not in page and "hx-get" in page
    with time_machine.travel(LATER, tick=False):
        page = client.get(f"/exchange/jobs/{job.pk}/").content.decode()
        assert "导入中(已中断)" in page and "未写入任何数据" in page
        assert (
            f"/exchange/jobs/{job.pk}/rerun/" in page
            and f"/exchange/jobs/{job.pk}/abandon/" in page
        )
        assert 'hx-trigger="every 1s"' not in page  # no more polling of a dead job
        assert "(已中断)" in client.get("/exchange/").content.decode()


def test_abandon_ends_the_job_and_nothing_was_written(client, login, alice, community_a):
    job = _worker_died_during_commit(alice)
    login(client, alice)
    with time_machine.travel(LATER, tick=False):
        client.post(f"/exchange/jobs/{job.pk}/abandon/")
    job.refresh_from_db()
    assert job.status == ImportStatus.ABANDONED and "未写入任何数据" in job.summary
    assert not Person.objects.exists()


def test_rerun_reopens_the_commit_and_then_imports_once(client, login, alice, community_a):
    job = _worker_died_during_commit(alice)
    login(client, alice)
    with time_machine.travel(LATER, tick=False):
        client.post(f"/exchange/jobs/{job.pk}/rerun/")
        job.refresh_from_db()
        assert job.status == ImportStatus.VALIDATED and job.valid_count == 3
        client.post(
            f"/exchange/jobs/{job.pk}/commit/", {"mode": "all"}
        )  # Huey runs in-process here
    job.refresh_from_db()
    assert job.status == ImportStatus.DONE and Person.objects.count() == 3


def test_rerun_of_an_interrupted_dry_run_validates_again(client, login, alice, community_a):
    with time_machine.travel(T0, tick=False):
        job = services.import_job_create(
            actor=alice, kind="persons", upload=upload("人员.xlsx", xlsx_bytes([person_row(1)]))
        )
        ImportJob.objects.filter(pk=job.pk).update(status=ImportStatus.VALIDATING, heartbeat_at=T0)
    login(client, alice)
    with time_machine.travel(LATER, tick=False):
        client.post(f"/exchange/jobs/{job.pk}/rerun/")
    job.refresh_from_db()
    assert job.status == ImportStatus.VALIDATED and job.valid_count == 1


def test_a_job_still_making_progress_cannot_be_abandoned(alice, community_a):
    job = _worker_died_during_commit(alice)
    with (
        time_machine.travel(T0 + dt.timedelta(minutes=10), tick=False),
        pytest.raises(ValidationError),
    ):
        services.import_job_abandon(actor=alice, job=job)
    assert ImportJob.objects.get(pk=job.pk).status == ImportStatus.COMMITTING


def test_someone_elses_job_is_not_theirs_to_abandon(client, login, alice, bob, community_a):
    job = _worker_died_during_commit(alice)
    login(client, bob)
    with time_machine.travel(LATER, tick=False):
        assert client.post(f"/exchange/jobs/{job.pk}/abandon/").status_code == 404
    assert ImportJob.objects.get(pk=job.pk).status == ImportStatus.COMMITTING


def test_a_worker_that_comes_back_after_a_rerun_writes_nothing(alice, community_a, monkeypatch):
    """The worker was only slow, not dead: after it re-checked the rows and before it wrote them, the
    user re-ran the job. Its rows roll back; the job stays as the re-run left it."""
    job = _worker_died_during_commit(alice)
    real_recheck = services._recheck

    def recheck_then_the_user_reruns(job):
        result = real_recheck(job)
        with time_machine.travel(LATER, tick=False):
            services.import_job_rerun(actor=alice, job=ImportJob.objects.get(pk=job.pk))
        return result

    monkeypatch.setattr(services, "_recheck", recheck_then_the_user_reruns)
    result = services.import_job_commit(job.pk)
    assert result.status == ImportStatus.VALIDATED
    assert not Person.objects.exists()
