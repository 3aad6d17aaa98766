"""Where evidence files are kept: the local disk (MEDIA_ROOT/evidence/, the default) or, as an option,
an S3-compatible object store through django-storages (EVIDENCE_STORAGE=s3; docs/field.md).

Either way a file is never served by a public URL: the scoped, logged view (`field:evidence_file`)
opens it from the storage and streams it. The model's fields use `EvidenceStorage`, which looks the
configured storage (STORAGES["evidence"]) up at each use, so a deployment (or a test) that changes
the setting changes where files go without a migration.
"""

from __future__ import annotations

from django.core.files.storage import Storage, storages
from django.utils.deconstruct import deconstructible

from fengqiao import env


def storage_setting() -> dict:
    """STORAGES["evidence"] from the environment (read by settings.py)."""
    kind = env.string("EVIDENCE_STORAGE", "disk").lower()
    if kind in ("", "disk", "file", "filesystem"):
        return {"BACKEND": "django.core.files.storage.FileSystemStorage"}
    if kind != "s3":
        raise env.ImproperEnv("EVIDENCE_STORAGE must be disk or s3")
    bucket = env.string("EVIDENCE_S3_BUCKET")
    if not bucket:
        raise env.ImproperEnv("EVIDENCE_STORAGE=s3 needs EVIDENCE_S3_BUCKET")
    return {"BACKEND": "storages.backends.s3.S3Storage", "OPTIONS": s3_options(bucket)}


def s3_options(bucket: str, **override) -> dict:
    """django-storages' S3Storage options for evidence: a private bucket, our own object names (never
    overwritten), signed requests only; the endpoint of any S3-compatible store (MinIO, Ceph, a
    cloud's object storage)."""
    options = {
        "bucket_name": bucket,
        "location": env.string("EVIDENCE_S3_PREFIX", "").strip("/"),
        "endpoint_url": env.string("EVIDENCE_S3_ENDPOINT_URL") or None,
        "region_name": env.string("EVIDENCE_S3_REGION") or None,
        "access_key": env.string("EVIDENCE_S3_ACCESS_KEY_ID") or None,
        "secret_key": env.string("EVIDENCE_S3_SECRET_ACCESS_KEY") or None,
        "addressing_style": env.string("EVIDENCE_S3_ADDRESSING_STYLE", "path") or None,
        "signature_version": "s3v4",
        "file_overwrite": False,
        "querystring_auth": True,
        "querystring_expire": 60,
        "default_acl": None,
        "verify": None if env.boolean("EVIDENCE_S3_VERIFY_TLS", True) else False,
    }
    if env.boolean("EVIDENCE_S3_SERVER_SIDE_ENCRYPTION", False):
        options["object_parameters"] = {"ServerSideEncryption": "AES256"}
    options.update(override)
    return options


@deconstructible(path="fengqiao.field.storage.EvidenceStorage")
class EvidenceStorage(Storage):
    """The storage STORAGES["evidence"] names, looked up at each use."""

    @staticmethod
    def target() -> Storage:
        return storages["evidence"]

    def open(self, name, mode="rb"):
        return self.target().open(name, mode)

    def save(self, name, content, max_length=None):
        return self.target().save(name, content, max_length=max_length)

    def delete(self, name):
        return self.target().delete(name)

    def exists(self, name):
        return self.target().exists(name)

    def size(self, name):
        return self.target().size(name)

    def url(self, name):
        return self.target().url(name)

    def path(self, name):
        return self.target().path(name)

    def listdir(self, path):
        return self.target().listdir(path)

    def get_valid_name(self, name):
        return self.target().get_valid_name(name)

    def get_available_name(self, name, max_length=None):
        return self.target().get_available_name(name, max_length=max_length)

    def generate_filename(self, filename):
        return self.target().generate_filename(filename)

    def get_modified_time(self, name):
        return self.target().get_modified_time(name)
