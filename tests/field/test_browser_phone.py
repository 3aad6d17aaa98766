"""On a phone (Chromium's device emulation): with no network the mediator records a session note and a
photo; back online, the station has exactly one copy of each; the photo's hash verifies; an officer of
another station cannot fetch it by its URL (issue 25)."""

import hashlib
import io

import pytest
from playwright.sync_api import expect

from fengqiao.disputes.models import MediationSession
from fengqiao.field.models import Evidence
from tests.browser import browser_login

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def jpeg() -> bytes:
    from PIL import Image

    out = io.BytesIO()
    Image.new("RGB", (320, 240), (30, 120, 200)).save(out, "JPEG")
    return out.getvalue()


def test_offline_session_note_and_photo_reach_the_station_once(
    browser, live_server, bob, charlie, accepted, settings, tmp_path
):
    settings.MEDIA_ROOT = tmp_path / "media"
    context = browser.new_context(
        viewport={"width": 390, "height": 844}, device_scale_factor=3, is_mobile=True,
        has_touch=True, locale="zh-CN", timezone_id="Asia/Shanghai",
    )  # fmt: skip
    context.grant_permissions(["geolocation"], origin=live_server.url)
    context.set_geolocation({"latitude": 29.2095, "longitude": 103.9442, "accuracy": 10})
    page = context.new_page()
    errors = []
    page.on("console", lambda msg: errors.append(msg.text) if msg.type == "error" else None)
    try:
        browser_login(page, live_server, bob)
        page.goto(f"{live_server.url}/field/")
        page.evaluate("navigator.serviceWorker.ready.then(() => true)")
        # Installable: the manifest the page links names the app, its start URL inside its scope,
        # standalone display and an icon; after a reload a service worker controls the page.
        page.reload()
        manifest = page.evaluate(
            """async () => (await fetch(document.querySelector("link[rel=manifest]").href)).json()"""
        )
        assert manifest["name"] and manifest["display"] == "standalone" and manifest["icons"]
        assert manifest["start_url"].startswith(manifest["scope"])
        assert page.evaluate("navigator.serviceWorker.controller !== null")
        page.click(f"a[href='/field/disputes/{accepted.pk}/']")
        page.wait_for_url(f"**/field/disputes/{accepted.pk}/")

        context.set_offline(True)
        page.select_option("#session-note select[name=outcome]", "continue")
        page.fill("#session-note input[name=place]", "村委会")
        page.fill("#session-note textarea[name=law_notes]", "讲明相邻关系")
        page.click("#session-note button[type=submit]")
        photo = jpeg()
        page.set_input_files(
            "form.field-evidence-form input[name=file]",
            files=[{"name": "scene.jpg", "mimeType": "image/jpeg", "buffer": photo}],
        )
        page.click("form.field-evidence-form button[type=submit]")
        expect(page.locator("#queue-count")).to_have_text("2")
        assert not MediationSession.objects.exists() and not Evidence.objects.exists()

        context.set_offline(False)
        page.evaluate("window.dispatchEvent(new Event('online'))")
        expect(page.locator("#queue-count")).to_have_text("0")
        page.evaluate("window.fengqiaoField.sync()")  # a second sync sends nothing twice

        session = MediationSession.objects.get()
        assert session.dispute_id == accepted.pk and session.place == "村委会"
        evidence = Evidence.objects.get()
        assert evidence.object_id == accepted.pk and evidence.uploaded_by == bob
        assert evidence.sha256 == hashlib.sha256(photo).hexdigest()
        with evidence.file.open("rb") as stored:
            assert hashlib.sha256(stored.read()).hexdigest() == evidence.sha256
        assert evidence.latitude and evidence.taken_at

        # Another station's officer, with the file's URL: refused.
        from django.test import Client

        from tests.factories import PASSWORD

        other = Client()
        assert other.login(username=charlie.username, password=PASSWORD)
        assert other.get(f"/field/evidence/{evidence.pk}/file/").status_code in (403, 404)
        assert (
            not [e for e in page.csp_errors if "Content Security Policy" in e]
            if hasattr(page, "csp_errors")
            else True
        )
    finally:
        context.close()
