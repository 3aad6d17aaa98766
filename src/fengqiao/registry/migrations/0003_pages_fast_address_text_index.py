"""Address text search without a scan of every address (registry/selectors.py `_addresses_containing`).

- SQLite: an FTS5 table with the trigram tokenizer over each address's text, kept by triggers (so an
  import or a row written by SQL is indexed too). The text is indexed with two U+001F sentinels at
  its end, so that every one- or two-character fragment of it begins some trigram (the selector
  expands a short fragment to the trigrams that begin with it). `detail='none'`: the index says which
  addresses hold every trigram; the selector keeps the plain containment test over those few rows.
- PostgreSQL: a pg_trgm GIN index on the text, which serves `LIKE '%…%'` of three or more characters.
"""

from django.db import migrations

SQLITE_FORWARD = [
    "CREATE VIRTUAL TABLE registry_address_fts USING fts5("
    "full_text, content='', tokenize='trigram', detail='none')",
    "INSERT INTO registry_address_fts (rowid, full_text) "
    "SELECT id, full_text || char(31) || char(31) FROM registry_address",
    "CREATE TRIGGER registry_address_fts_ai AFTER INSERT ON registry_address BEGIN "
    "INSERT INTO registry_address_fts (rowid, full_text) "
    "VALUES (new.id, new.full_text || char(31) || char(31)); END",
    "CREATE TRIGGER registry_address_fts_ad AFTER DELETE ON registry_address BEGIN "
    "INSERT INTO registry_address_fts (registry_address_fts, rowid, full_text) "
    "VALUES ('delete', old.id, old.full_text || char(31) || char(31)); END",
    "CREATE TRIGGER registry_address_fts_au AFTER UPDATE OF full_text ON registry_address BEGIN "
    "INSERT INTO registry_address_fts (registry_address_fts, rowid, full_text) "
    "VALUES ('delete', old.id, old.full_text || char(31) || char(31)); "
    "INSERT INTO registry_address_fts (rowid, full_text) "
    "VALUES (new.id, new.full_text || char(31) || char(31)); END",
]
SQLITE_BACKWARD = [
    "DROP TRIGGER IF EXISTS registry_address_fts_au",
    "DROP TRIGGER IF EXISTS registry_address_fts_ad",
    "DROP TRIGGER IF EXISTS registry_address_fts_ai",
    "DROP TABLE IF EXISTS registry_address_fts",
]
POSTGRES_FORWARD = [
    "CREATE EXTENSION IF NOT EXISTS pg_trgm",
    "CREATE INDEX IF NOT EXISTS registry_address_text_trgm "
    "ON registry_address USING gin (full_text gin_trgm_ops)",
]
POSTGRES_BACKWARD = ["DROP INDEX IF EXISTS registry_address_text_trgm"]


def forward(apps, schema_editor):
    vendor = schema_editor.connection.vendor
    statements = {"sqlite": SQLITE_FORWARD, "postgresql": POSTGRES_FORWARD}.get(vendor, [])
    for sql in statements:
        schema_editor.execute(sql)


def backward(apps, schema_editor):
    vendor = schema_editor.connection.vendor
    statements = {"sqlite": SQLITE_BACKWARD, "postgresql": POSTGRES_BACKWARD}.get(vendor, [])
    for sql in statements:
        schema_editor.execute(sql)


class Migration(migrations.Migration):
    dependencies = [("registry", "0002_person_search_tails")]

    operations = [migrations.RunPython(forward, backward)]
