"""Browser tests of the command room: the wall shows a new incident within 2 s of its intake (live
push), and a camera's HLS stream made by ffmpeg on loopback plays in the page with hls.js."""

import functools
import http.server
import shutil
import subprocess
import threading
import time

import pytest

from tests.browser import browser_login

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_wall_receives_a_new_incident_within_2_seconds(
    page, live_server, fenggang, duty, station, cat_dispute
):
    from fengqiao.incidents.services import incident_receive

    browser_login(page, live_server, fenggang)
    page.goto(f"{live_server.url}/command/")
    page.wait_for_selector("[data-wall][data-loads]")
    page.wait_for_selector("#notify-bell[data-notify-state=open]")
    started = time.monotonic()
    incident = incident_receive(
        actor=duty, station=station, category=cat_dispute, location="西街12号 门口"
    )
    page.wait_for_selector(
        f"[data-wall-alerts] [data-alert]:has-text('{incident.reference}')", timeout=5000
    )
    elapsed = time.monotonic() - started
    assert elapsed < 2.0, f"the wall showed the incident after {elapsed:.2f} s"
    row = page.locator("[data-wall-alerts] [data-alert]").first
    assert "is-new" in row.get_attribute("class")
    assert page.get_attribute("[data-wall]", "data-beeps") == "1"
    assert page.locator("#notify-toasts [data-notification]").count() == 0  # no toast over the wall
    # acknowledged by the named person on the wall
    row.locator("button.wall-ack").click()
    page.wait_for_selector("[data-wall-alerts] p.muted")
    from fengqiao.command.models import Alert

    assert Alert.objects.get(source_id=incident.pk).acknowledged_by == fenggang
    assert not page.csp_errors


class _CORSHandler(http.server.SimpleHTTPRequestHandler):
    def end_headers(self):
        self.send_header("Access-Control-Allow-Origin", "*")
        super().end_headers()

    def log_message(self, *args):
        pass


def _serve(directory):
    server = http.server.ThreadingHTTPServer(
        ("127.0.0.1", 0), functools.partial(_CORSHandler, directory=str(directory))
    )
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server


@pytest.fixture
def flv_stream(tmp_path):
    ffmpeg = shutil.which("ffmpeg")
    if ffmpeg is None:
        pytest.fail("ffmpeg is missing (apt-get install ffmpeg)")
    subprocess.run(  # noqa: S603 - the system ffmpeg with fixed arguments
        [
            ffmpeg,
            "-loglevel",
            "error",
            "-f",
            "lavfi",
            "-i",
            "testsrc=size=320x240:rate=10",
            "-t",
            "6",
            "-c:v",
            "libx264",
            "-pix_fmt",
            "yuv420p",
            "-profile:v",
            "baseline",
            "-g",
            "10",
            "-f",
            "flv",
            str(tmp_path / "live.flv"),
        ],
        check=True,
        timeout=60,
    )
    server = _serve(tmp_path)
    yield f"http://127.0.0.1:{server.server_address[1]}/live.flv"
    server.shutdown()
    server.server_close()


@pytest.fixture
def hls_stream(tmp_path):
    ffmpeg = shutil.which("ffmpeg")
    if ffmpeg is None:
        pytest.fail("ffmpeg is missing (apt-get install ffmpeg)")
    subprocess.run(  # noqa: S603 - the system ffmpeg with fixed arguments
        [
            ffmpeg,
            "-loglevel",
            "error",
            "-f",
            "lavfi",
            "-i",
            "testsrc=size=320x240:rate=10",
            "-t",
            "6",
            "-c:v",
            "libx264",
            "-pix_fmt",
            "yuv420p",
            "-profile:v",
            "baseline",
            "-g",
            "10",
            "-f",
            "hls",
            "-hls_time",
            "1",
            "-hls_list_size",
            "0",
            "-hls_playlist_type",
            "vod",
            str(tmp_path / "live.m3u8"),
        ],
        check=True,
        timeout=60,
    )
    server = http.server.ThreadingHTTPServer(
        ("127.0.0.1", 0), functools.partial(_CORSHandler, directory=str(tmp_path))
    )
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}/live.m3u8"
    server.shutdown()
    server.server_close()


def _wait_for(predicate, what, timeout=20.0):
    """Poll the page (no eval in the page: the CSP forbids it) until `predicate` holds, bounded."""
    deadline = time.monotonic() + timeout
    while not predicate():
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {what}")
        time.sleep(0.1)


def test_camera_hls_stream_plays_with_hls_js(page, live_server, fenggang, station, hls_stream):
    from fengqiao.command.models import Camera, PatrolPoint

    camera = Camera.objects.create(
        station=station, name="西街-路口", place="西街口", stream_kind="hls", stream_url=hls_stream
    )
    point = PatrolPoint.objects.create(station=station, name="西街")
    point.cameras.add(camera)
    browser_login(page, live_server, fenggang)
    page.goto(f"{live_server.url}/command/patrol/?point={point.pk}")
    video = "video[data-stream-url]"
    page.wait_for_selector(f"{video}[data-levels]")  # hls.js MANIFEST_PARSED: the playlist was read
    _wait_for(
        lambda: int(page.get_attribute(video, "data-fragments") or 0) >= 2, "two segments loaded"
    )
    h264 = page.evaluate(
        "window.MediaSource && MediaSource.isTypeSupported('video/mp4; codecs=\"avc1.42E01E\"')"
    )
    print(f"Chromium MSE H.264: {bool(h264)}")
    if h264:
        # decoded and playing: the element's clock advances
        _wait_for(
            lambda: float(page.get_attribute(video, "data-time") or 0) > 0.5,
            "playback clock advancing",
        )
    else:  # this Chromium lacks H.264: segments loaded over HTTP is what we can prove
        assert page.get_attribute(video, "data-fragments")
    assert not [e for e in page.csp_errors if "Content Security Policy" in e]


def test_camera_flv_stream_plays_with_mpegts_js(page, live_server, fenggang, station, flv_stream):
    from fengqiao.command.models import Camera

    camera = Camera.objects.create(
        station=station,
        name="城市之眼-全景",
        place="城市之眼",
        stream_kind="flv",
        stream_url=flv_stream,
    )
    browser_login(page, live_server, fenggang)
    page.goto(f"{live_server.url}/command/cameras/{camera.pk}/")
    video = "video[data-stream-url]"
    page.wait_for_selector(
        f"{video}[data-state=playing]"
    )  # mpegts.js MEDIA_INFO: the FLV header and tracks were parsed
    h264 = page.evaluate(
        "window.MediaSource && MediaSource.isTypeSupported('video/mp4; codecs=\"avc1.42E01E\"')"
    )
    if h264:
        _wait_for(
            lambda: float(page.get_attribute(video, "data-time") or 0) > 0.5,
            "playback clock advancing",
        )
    assert not [e for e in page.csp_errors if "Content Security Policy" in e]


def test_patrol_round_finding_opens_an_incident_that_reaches_the_wall(
    page, live_server, fenggang, station, point, cat_dispute
):
    browser_login(page, live_server, fenggang)
    page.goto(f"{live_server.url}/command/patrol/?point={point.pk}")
    page.click("button:has-text('开始一轮巡查')")
    page.wait_for_selector("#round-progress")
    page.goto(f"{live_server.url}/command/patrol/?point={point.pk}")
    page.select_option("#check-form select[name=result]", "finding")
    page.fill("#check-form textarea[name=note]", "广场聚集约20人,疑似纠纷")
    page.check("#check-form input[name=open_incident]")
    page.select_option("#check-form select[name=category]", str(cat_dispute.pk))
    page.click("#check-form button[type=submit]")
    page.wait_for_selector("#round-progress:has-text('1 / 1')")
    assert page.locator(f"[data-point='{point.pk}'] [data-done]").count() == 1
    from fengqiao.command.models import PatrolCheck

    check = PatrolCheck.objects.get()
    assert check.incident is not None and check.patrol_round is not None
    page.goto(f"{live_server.url}/command/")
    page.wait_for_selector(
        f"[data-wall-alerts] [data-alert]:has-text('{check.incident.reference}')"
    )


def test_wall_receives_a_theft_like_vehicle_alarm_within_2_seconds(
    page, live_server, fenggang, station, community_a
):
    from django.utils import timezone

    from fengqiao.vehicles.services import AlarmDraft, alarms_raise
    from tests.factories import PersonFactory
    from tests.vehicles.factories import tracked_vehicle

    owner = PersonFactory(community=community_a, station=station, name="徐明", phone="13900001111")
    vehicle = tracked_vehicle(owner=owner, plate="川L12345")
    browser_login(page, live_server, fenggang)
    page.goto(f"{live_server.url}/command/")
    page.wait_for_selector("[data-wall][data-loads]")
    page.wait_for_selector("#notify-bell[data-notify-state=open]")
    started = time.monotonic()
    alarms_raise([AlarmDraft(vehicle.pk, station.pk, community_a.pk, "power_cut", timezone.now())])
    raised = time.monotonic()
    page.wait_for_selector("[data-wall-alerts] [data-alert]:has-text('川L12345')", timeout=5000)
    elapsed = time.monotonic() - started
    print(f"alarms_raise {raised - started:.2f} s, on the wall after {elapsed:.2f} s")
    assert elapsed < 2.0, f"the wall showed the alarm after {elapsed:.2f} s"
    assert page.locator("[data-list=vehicle_alarms] li:has-text('川L12345')").count() == 1
