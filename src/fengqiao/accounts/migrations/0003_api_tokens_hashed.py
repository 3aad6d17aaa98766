"""Move DRF's plaintext tokens (rest_framework.authtoken, no longer installed) to ApiToken: only the
SHA-256 of each key is kept, the key keeps working until it expires (API_TOKEN_DAYS from now), and the
old table with the plaintext keys is dropped."""

import datetime as dt
import hashlib

from django.conf import settings
from django.db import migrations
from django.utils import timezone

OLD_TABLE = "authtoken_token"


def hash_plaintext_tokens(apps, schema_editor):
    connection = schema_editor.connection
    if OLD_TABLE not in connection.introspection.table_names():
        return
    ApiToken = apps.get_model("accounts", "ApiToken")
    now = timezone.now()
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT {connection.ops.quote_name('key')}, user_id, created FROM {OLD_TABLE}")
        rows = cursor.fetchall()
    for key, user_id, created in rows:
        ApiToken.objects.create(
            user_id=user_id,
            name="迁移前签发",
            prefix=key[:4],
            key_hash=hashlib.sha256(key.encode("utf-8")).hexdigest(),
            created_at=created or now,
            expires_at=now + dt.timedelta(days=settings.API_TOKEN_DAYS),
        )
    schema_editor.execute(f"DROP TABLE {OLD_TABLE}")


class Migration(migrations.Migration):
    dependencies = [("accounts", "0002_login_attempt_kind_api_token")]

    operations = [migrations.RunPython(hash_plaintext_tokens, migrations.RunPython.noop)]
