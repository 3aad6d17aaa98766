"""Evidence at the scene: stored with its SHA-256, type checked by content, served only through the
scoped, logged view; bad files refused with a clear message; the keeping period enforced."""

import datetime as dt
import hashlib
import uuid

import pytest
from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from fengqiao.core.models import PersonalDataAccess
from fengqiao.field import services
from fengqiao.field.models import Evidence
from tests.field.conftest import ELF, HTML, PDF, jpeg

pytestmark = pytest.mark.django_db


def upload(data, name="scene.jpg"):
    return SimpleUploadedFile(name, data)


def test_photo_is_stored_with_hash_thumbnail_and_place(dispatched, patrol):
    data = jpeg((800, 600))
    ev = services.evidence_attach(
        actor=patrol, target=dispatched, upload=upload(data), latitude=29.2, longitude=103.9
    )
    assert ev.sha256 == hashlib.sha256(data).hexdigest()
    assert ev.size == len(data) and ev.mime == "image/jpeg" and ev.kind == "photo"
    assert ev.station_id == dispatched.station_id and ev.uploaded_by == patrol
    assert ev.latitude == 29.2 and ev.thumbnail
    # Stored under a name of our own, never the uploader's.
    assert "scene" not in ev.file.name and ev.original_name == "scene.jpg"
    assert ev.keep_until > ev.taken_at.date()


@pytest.mark.parametrize(
    "data,name,word",
    [(HTML, "photo.jpg", "不支持"), (ELF, "scan.pdf", "不支持"), (b"", "x.jpg", "空")],
)
def test_bad_files_are_refused_and_nothing_is_kept(dispatched, patrol, data, name, word, settings):
    with pytest.raises(ValidationError) as exc:
        services.evidence_attach(actor=patrol, target=dispatched, upload=upload(data, name))
    assert word in " ".join(exc.value.messages)
    assert not Evidence.objects.exists()
    media = settings.MEDIA_ROOT
    assert not media.exists() or not any(p.is_file() for p in media.rglob("*"))


def test_a_file_over_the_limit_is_refused(dispatched, patrol, settings):
    settings.EVIDENCE_MAX_BYTES = {**settings.EVIDENCE_MAX_BYTES, "document": 100}
    with pytest.raises(ValidationError, match="太大"):
        services.evidence_attach(
            actor=patrol, target=dispatched, upload=upload(PDF + b"0" * 200, "a.pdf")
        )


def test_the_same_phone_id_stores_once(dispatched, patrol):
    cid = uuid.uuid4()
    first = services.evidence_attach(
        actor=patrol, target=dispatched, upload=upload(jpeg()), client_id=cid
    )
    again = services.evidence_attach(
        actor=patrol, target=dispatched, upload=upload(jpeg()), client_id=cid
    )
    assert first.pk == again.pk and Evidence.objects.count() == 1


def test_another_station_can_neither_attach_nor_see(dispatched, patrol, charlie, client, login):
    with pytest.raises(PermissionDenied):
        services.evidence_attach(actor=charlie, target=dispatched, upload=upload(jpeg()))
    ev = services.evidence_attach(actor=patrol, target=dispatched, upload=upload(jpeg()))
    login(client, charlie)
    assert client.get(reverse("field:evidence_file", args=[ev.pk])).status_code in (403, 404)
    assert client.get(reverse("field:evidence_thumb", args=[ev.pk])).status_code in (403, 404)
    url = reverse("field:evidence_upload", args=["incidents.incident", dispatched.pk])
    resp = client.post(url, {"file": upload(jpeg())})
    assert resp.status_code in (403, 404) and Evidence.objects.count() == 1


def test_read_only_role_cannot_attach(dispatched, auditor):
    with pytest.raises(PermissionDenied):
        services.evidence_attach(actor=auditor, target=dispatched, upload=upload(jpeg()))


def test_viewing_the_file_is_recorded_and_never_public(dispatched, patrol, alice, client, login):
    data = jpeg()
    ev = services.evidence_attach(actor=patrol, target=dispatched, upload=upload(data))
    # No public URL: the media folder is not served.
    assert client.get("/media/" + ev.file.name).status_code == 404
    login(client, alice)
    resp = client.get(reverse("field:evidence_file", args=[ev.pk]))
    assert resp.status_code == 200 and b"".join(resp.streaming_content) == data
    assert resp["Cache-Control"] == "private, no-store"
    access = PersonalDataAccess.objects.get(
        content_type=ContentType.objects.get_for_model(Evidence), object_id=ev.pk
    )
    assert access.user == alice and access.purpose
    # The thumbnail (shown in the list) is not a view of the file.
    assert client.get(reverse("field:evidence_thumb", args=[ev.pk])).status_code == 200
    assert PersonalDataAccess.objects.filter(object_id=ev.pk).count() == 1


def test_the_keeping_period_deletes_the_file_and_keeps_the_record(dispatched, patrol, frozen):
    ev = services.evidence_attach(actor=patrol, target=dispatched, upload=upload(jpeg()))
    path = ev.file.path
    assert services.evidence_purge() == 0
    frozen.shift(dt.timedelta(days=(ev.keep_until - ev.taken_at.date()).days + 2))
    assert services.evidence_purge() == 1
    ev.refresh_from_db()
    assert ev.purged_at and not ev.file
    import os

    assert not os.path.exists(path)
    with pytest.raises(ValidationError, match="删除"):
        services.evidence_open(actor=patrol, evidence=ev)


def test_upload_page_and_api(dispatched, patrol, client, login):
    login(client, patrol)
    page = client.get(reverse("field:incident", args=[dispatched.pk]))
    assert page.status_code == 200 and "138****5678" in page.content.decode()
    assert "13812345678" not in page.content.decode()
    url = reverse("field:evidence_upload", args=["incidents.incident", dispatched.pk])
    resp = client.post(url, {"file": upload(jpeg()), "next": "/field/"})
    assert resp.status_code == 302 and Evidence.objects.count() == 1
    resp = client.post(url, {"file": upload(HTML, "x.jpg"), "next": "/field/"}, follow=True)
    assert "不支持" in resp.content.decode() and Evidence.objects.count() == 1
    api = client.post(
        "/api/field/evidence/",
        {"target": "incidents.incident", "target_id": dispatched.pk, "file": upload(PDF, "a.pdf")},
    )
    assert api.status_code == 201 and api.json()["kind"] == "document"
    bad = client.post(
        "/api/field/evidence/",
        {"target": "incidents.incident", "target_id": dispatched.pk, "file": upload(ELF, "a.pdf")},
    )
    assert bad.status_code == 400 and "不支持" in bad.json()["detail"]


def test_tap_to_call_never_shows_the_number(dispatched, patrol, client, login):
    login(client, patrol)
    resp = client.post(reverse("field:call", args=[dispatched.pk]))
    assert resp.status_code == 302 and resp["Location"] == "tel:13812345678"
    assert PersonalDataAccess.objects.filter(fields=["caller_phone"], user=patrol).exists()


def test_every_kind_of_record_has_its_evidence_page(dispatched, patrol, client, login):
    from fengqiao.disputes.models import Dispute

    login(client, patrol)
    page = client.get(reverse("incidents:incident_detail", args=[dispatched.pk])).content.decode()
    assert reverse("field:evidence_upload", args=["incidents.incident", dispatched.pk]) in page
    url = reverse("field:evidence_upload", args=["incidents.incident", dispatched.pk])
    assert client.get(url).status_code == 200
    # A kind evidence cannot be attached to, or a record that does not exist: not found / refused.
    assert (
        client.get(reverse("field:evidence_upload", args=["accounts.user", patrol.pk])).status_code
        == 404
    )
    missing = reverse("field:evidence_upload", args=["disputes.dispute", 987654])
    assert client.get(missing).status_code in (403, 404)
    assert not Dispute.objects.filter(pk=987654).exists()
