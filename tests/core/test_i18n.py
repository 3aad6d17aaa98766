"""The interface is Chinese by default and switches to English (issue 2 §6).

The English catalogues are src/fengqiao/locale/en/LC_MESSAGES/django.po (the shared one) and
src/fengqiao/<app>/locale/en/LC_MESSAGES/django.po (one per app that has its own), each with its
compiled django.mo committed beside it; docs/i18n.md says how to update them. The completeness tests
fail when a string is left untranslated in any of them.
"""

import shutil
from pathlib import Path

import polib
import pytest
from django.core.management import call_command
from django.utils import translation
from django.utils.html import escape

import fengqiao
from fengqiao.core.navigation import PARTS
from tests.factories import PersonFactory

SRC = Path(fengqiao.__file__).resolve().parent
PO = SRC / "locale" / "en" / "LC_MESSAGES" / "django.po"
CATALOGUES = sorted(
    p for p in SRC.glob("**/locale/en/LC_MESSAGES/django.po") if "static" not in p.parts
)


def catalogue_ids(path):
    return f"{path.relative_to(SRC)}"


@pytest.fixture(autouse=True)
def _back_to_default_language():
    """A request in English leaves English active in this thread; later tests expect the default."""
    yield
    translation.deactivate()


def switch(client, language, next_url="/"):
    response = client.post("/i18n/setlang/", {"language": language, "next": next_url})
    assert response.status_code == 302
    assert response["Location"] == next_url
    return response


def page(client, url):
    response = client.get(url)
    assert response.status_code == 200
    return response.content.decode()


# --- the switch -------------------------------------------------------------------------------------


def test_home_page_is_chinese_by_default(alice_client):
    body = page(alice_client, "/")
    assert 'lang="zh-hans"' in body
    assert "我的工作" in body and "一标三实" in body and "报表与考核" in body


def test_home_page_navigation_is_english_after_switching(alice_client):
    switch(alice_client, "en")
    body = page(alice_client, "/")
    assert 'lang="en"' in body
    for english in (
        "My work",
        "Registry",
        "Incidents",
        "Disputes",
        "Anti-fraud",
        "Vehicle trackers",
        "Reports &amp; assessment",
        "Sign out",
        "Change log",
    ):
        assert english in body, english
    for chinese in ("我的工作", "警情", "矛盾纠纷", "报表与考核", "退出"):
        assert chinese not in body, chinese


def test_english_page_offers_the_switch_back_to_chinese(alice_client):
    switch(alice_client, "en")
    body = page(alice_client, "/")
    assert 'name="language" value="zh-hans"' in body


def test_switching_back_to_chinese_restores_chinese(alice_client):
    switch(alice_client, "en")
    switch(alice_client, "zh-hans")
    body = page(alice_client, "/")
    assert 'lang="zh-hans"' in body
    assert "我的工作" in body and "报表与考核" in body
    assert "My work" not in body and "Reports &amp; assessment" not in body


def test_part_not_built_yet_says_under_construction_in_english(alice_client, monkeypatch):
    from dataclasses import replace

    from fengqiao.core import views

    part = replace(PARTS[9], url_name=None)  # every part is built: pretend one is not
    monkeypatch.setattr(views, "part_by_key", lambda key: part)
    switch(alice_client, "en")
    body = page(alice_client, f"/parts/{part.key}/")
    with translation.override("en"):
        title = str(part.title)
    assert title.isascii() and escape(title) in body
    assert "This part is under construction" in body and "该模块正在建设中" not in body


def test_login_page_in_english_has_english_labels(client, db):
    switch(client, "en", "/accounts/login/")
    body = page(client, "/accounts/login/")
    assert "Sign in" in body and "User name" in body and "Password" in body
    assert "登录" not in body and "用户名" not in body


def test_login_page_follows_the_browser_language(client, db):
    body = page(client.__class__(HTTP_ACCEPT_LANGUAGE="en"), "/accounts/login/")
    assert "Sign in" in body and "Password" in body


def test_registry_list_in_english_has_english_column_headers(alice_client, community_a):
    PersonFactory(community=community_a)
    switch(alice_client, "en")
    body = page(alice_client, "/registry/persons/")
    for header in (
        "Name",
        "Sex",
        "Year of birth",
        "ID number",
        "Mobile number",
        "Category",
        "Communities/villages",
        "Current address",
    ):
        assert f"{header}</" in body or f">{header}<" in body, header
    assert "Residents" in body and "Standard addresses" in body
    assert "1 record" in body
    for chinese in ("出生日期", "证件号码", "现住地址", "实有人口"):
        assert chinese not in body, chinese


def test_choice_labels_are_english_after_switching(alice_client, community_a):
    PersonFactory(community=community_a, sex="F")
    switch(alice_client, "en")
    body = page(alice_client, "/registry/persons/")
    assert ">Female<" in body


# --- the catalogue ------------------------------------------------------------------------------------


def _problems(po):
    untranslated = [
        e.msgid for e in po if not e.obsolete and not e.translated() and "fuzzy" not in e.flags
    ]
    fuzzy = [e.msgid for e in po if not e.obsolete and "fuzzy" in e.flags]
    return untranslated, fuzzy


def test_the_shared_catalogue_is_among_those_checked():
    assert PO in CATALOGUES and len(polib.pofile(str(PO))) > 500


@pytest.mark.parametrize("path", CATALOGUES, ids=catalogue_ids)
def test_every_english_string_is_translated_and_none_is_fuzzy(path):
    po = polib.pofile(str(path))
    untranslated, fuzzy = _problems(po)
    assert not untranslated, f"untranslated (see docs/i18n.md): {untranslated}"
    assert not fuzzy, f"fuzzy, check and clear the flag (see docs/i18n.md): {fuzzy}"


@pytest.mark.parametrize("path", CATALOGUES, ids=catalogue_ids)
def test_plural_entries_fill_both_english_forms(path):
    po = polib.pofile(str(path))
    plurals = [e for e in po if e.msgid_plural and not e.obsolete]
    for entry in plurals:
        assert entry.msgstr_plural.get(0) and entry.msgstr_plural.get(1), entry.msgid


@pytest.mark.parametrize("path", CATALOGUES, ids=catalogue_ids)
def test_translations_keep_every_placeholder(path):
    import re

    placeholder = re.compile(r"%\(\w+\)[sd]|\{\w+\}")
    for entry in polib.pofile(str(path)):
        if entry.obsolete:
            continue
        pairs = [(entry.msgid, entry.msgstr)]
        if entry.msgid_plural:
            pairs = [
                (entry.msgid, entry.msgstr_plural[0]),
                (entry.msgid_plural, entry.msgstr_plural[1]),
            ]
        for source, english in pairs:
            assert sorted(placeholder.findall(source)) == sorted(placeholder.findall(english)), (
                source
            )


@pytest.mark.parametrize("path", CATALOGUES, ids=catalogue_ids)
def test_compiled_catalogue_matches_the_po_file(path):
    """django.mo is committed (a server may lack gettext); it must be recompiled whenever django.po changes."""
    po = {
        e.msgid: (e.msgstr or e.msgstr_plural.get(0))
        for e in polib.pofile(str(path))
        if not e.obsolete
    }
    mo_path = path.with_suffix(".mo")
    assert mo_path.exists(), "run `fengqiao compilemessages` in src/fengqiao (docs/i18n.md)"
    mo = {
        e.msgid: (e.msgstr or e.msgstr_plural.get(0)) for e in polib.mofile(str(mo_path)) if e.msgid
    }
    assert mo == po, "run `fengqiao compilemessages` in src/fengqiao (docs/i18n.md)"


def test_english_catalogue_is_the_one_django_loads():
    with translation.override("en"):
        assert translation.gettext("建设中") == "Under construction"
    with translation.override("zh-hans"):
        assert translation.gettext("建设中") == "建设中"


@pytest.mark.skipif(
    shutil.which("xgettext") is None or shutil.which("msgmerge") is None,
    reason="GNU gettext tools not installed",
)
def test_every_marked_string_in_the_code_is_in_the_catalogue(tmp_path, monkeypatch, settings):
    """Runs makemessages over a copy of the sources: a newly wrapped string not yet in django.po fails here."""
    copy = tmp_path / "fengqiao"
    shutil.copytree(
        SRC, copy, ignore=shutil.ignore_patterns("static", "__pycache__", "*.mo", "migrations")
    )
    settings.LOCALE_PATHS = [copy / "locale"]
    monkeypatch.chdir(copy)
    call_command("makemessages", locale=["en"], verbosity=0, no_obsolete=True)
    # each app with its own locale/ gets its strings there; the shared catalogue gets the rest
    missing = []
    for path in CATALOGUES:
        extracted = polib.pofile(str(copy / path.relative_to(SRC)))
        committed = {e.msgid for e in polib.pofile(str(path)) if not e.obsolete}
        missing += [
            f"{path.relative_to(SRC)}: {e.msgid}" for e in extracted if e.msgid not in committed
        ]
    new_catalogues = {p.relative_to(copy) for p in copy.glob("**/locale/en/LC_MESSAGES/django.po")}
    assert new_catalogues == {p.relative_to(SRC) for p in CATALOGUES}
    missing.sort()
    assert not missing, f"new strings to translate (docs/i18n.md): {missing}"
