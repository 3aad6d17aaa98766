"""Evidence in an S3-compatible store (EVIDENCE_STORAGE=s3, django-storages), against a local fake:
moto's S3 in server mode on loopback. The file is written to the bucket, its bytes hash to the
recorded SHA-256, it is read back only through the scoped, logged view, and another station's officer
is refused; the object is private."""

import hashlib

import boto3
import pytest
from django.contrib.contenttypes.models import ContentType
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from moto.server import ThreadedMotoServer

from fengqiao.core.models import PersonalDataAccess
from fengqiao.field import services
from fengqiao.field.models import Evidence
from fengqiao.field.storage import EvidenceStorage, s3_options, storage_setting
from tests.field.conftest import PDF, jpeg

pytestmark = pytest.mark.django_db

BUCKET = "fq-evidence"
KEYS = {"access_key": "fake-access", "secret_key": "fake-secret", "region_name": "cn-north-1"}


@pytest.fixture(scope="module")
def moto_s3():
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    server.start()
    host, port = server.get_host_and_port()
    yield f"http://{host}:{port}"
    server.stop()


@pytest.fixture
def s3(moto_s3, settings):
    """STORAGES["evidence"] on the fake, as EVIDENCE_STORAGE=s3 configures it; a fresh bucket."""
    client = boto3.client(
        "s3",
        endpoint_url=moto_s3,
        aws_access_key_id=KEYS["access_key"],
        aws_secret_access_key=KEYS["secret_key"],
        region_name=KEYS["region_name"],
    )
    client.create_bucket(
        Bucket=BUCKET, CreateBucketConfiguration={"LocationConstraint": KEYS["region_name"]}
    )
    settings.STORAGES = {
        **settings.STORAGES,
        "evidence": {
            "BACKEND": "storages.backends.s3.S3Storage",
            "OPTIONS": s3_options(BUCKET, endpoint_url=moto_s3, location="station", **KEYS),
        },
    }
    yield client
    listed = client.list_objects_v2(Bucket=BUCKET).get("Contents", [])
    for obj in listed:
        client.delete_object(Bucket=BUCKET, Key=obj["Key"])
    client.delete_bucket(Bucket=BUCKET)


def test_the_environment_chooses_the_storage(monkeypatch):
    from fengqiao import env

    assert storage_setting()["BACKEND"].endswith("FileSystemStorage")  # disk by default
    monkeypatch.setenv("EVIDENCE_STORAGE", "s3")
    with pytest.raises(env.ImproperEnv):
        storage_setting()  # a bucket is needed
    monkeypatch.setenv("EVIDENCE_S3_BUCKET", "evidence")
    monkeypatch.setenv("EVIDENCE_S3_ENDPOINT_URL", "https://oss.example.invalid")
    monkeypatch.setenv("EVIDENCE_S3_PREFIX", "/yujin/")
    found = storage_setting()
    assert found["BACKEND"] == "storages.backends.s3.S3Storage"
    options = found["OPTIONS"]
    assert options["bucket_name"] == "evidence" and options["location"] == "yujin"
    assert options["endpoint_url"] == "https://oss.example.invalid"
    assert options["file_overwrite"] is False and options["querystring_auth"] is True


def test_evidence_in_s3_hash_verifies_and_is_read_only_through_the_view(
    s3, dispatched, patrol, alice, charlie, client, login, settings
):
    data = jpeg((640, 480))
    ev = services.evidence_attach(
        actor=patrol, target=dispatched, upload=SimpleUploadedFile("scene.jpg", data)
    )
    assert isinstance(Evidence._meta.get_field("file").storage, EvidenceStorage)
    # Written to the bucket (under the prefix), nothing on the disk.
    key = f"station/{ev.file.name}"
    stored = s3.get_object(Bucket=BUCKET, Key=key)["Body"].read()
    assert hashlib.sha256(stored).hexdigest() == ev.sha256 == hashlib.sha256(data).hexdigest()
    assert ev.thumbnail and s3.head_object(Bucket=BUCKET, Key=f"station/{ev.thumbnail.name}")
    media = settings.MEDIA_ROOT
    assert not media.exists() or not any(p.is_file() for p in media.rglob("*"))

    # No public URL: the object is private (no grant to everyone).
    grants = s3.get_object_acl(Bucket=BUCKET, Key=key)["Grants"]
    assert not [g for g in grants if "AllUsers" in g["Grantee"].get("URI", "")]

    # Read back through the scoped view, streamed from the bucket and recorded.
    login(client, alice)
    resp = client.get(reverse("field:evidence_file", args=[ev.pk]))
    assert resp.status_code == 200 and b"".join(resp.streaming_content) == data
    assert resp["Cache-Control"] == "private, no-store"
    assert PersonalDataAccess.objects.filter(
        content_type=ContentType.objects.get_for_model(Evidence), object_id=ev.pk, user=alice
    ).exists()
    thumb = client.get(reverse("field:evidence_thumb", args=[ev.pk]))
    assert thumb.status_code == 200 and b"".join(thumb.streaming_content)[:2] == b"\xff\xd8"

    # Another station's officer is refused, and nothing of the file reaches him.
    login(client, charlie)
    refused = client.get(reverse("field:evidence_file", args=[ev.pk]))
    assert refused.status_code in (403, 404) and data not in refused.content


def test_a_replay_stores_nothing_and_the_keeping_period_deletes_from_the_bucket(
    s3, dispatched, patrol, frozen
):
    import datetime as dt
    import uuid

    phone_id = uuid.uuid4()
    first = services.evidence_attach(
        actor=patrol, target=dispatched, upload=SimpleUploadedFile("a.pdf", PDF), client_id=phone_id
    )
    again = services.evidence_attach(
        actor=patrol, target=dispatched, upload=SimpleUploadedFile("a.pdf", PDF), client_id=phone_id
    )
    assert again.pk == first.pk
    assert s3.list_objects_v2(Bucket=BUCKET)["KeyCount"] == 1
    frozen.shift(dt.timedelta(days=6 * 365))
    assert services.evidence_purge() == 1
    assert s3.list_objects_v2(Bucket=BUCKET)["KeyCount"] == 0
