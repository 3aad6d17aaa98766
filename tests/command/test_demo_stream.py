"""The demo cameras' own stream (command/demostream.py): ffmpeg makes an HLS test pattern, the app
serves its playlist and segments to signed-in users, the demo cameras and the camera page point at
it, and hls.js plays it in the page with no Internet."""

import time

import pytest
from django.test import Client
from django.urls import reverse

from fengqiao.command import demostream, services
from fengqiao.command.models import Camera, PatrolPoint
from fengqiao.demo import command as demo
from tests.browser import browser_login

pytestmark = pytest.mark.django_db


@pytest.fixture(scope="module")
def stream_dir(tmp_path_factory):
    where = tmp_path_factory.mktemp("var") / "demo-stream"
    demostream.make(where, seconds=4)
    return where.parent


@pytest.fixture
def var_dir(settings, stream_dir):
    settings.VAR_DIR = stream_dir
    return stream_dir


@pytest.fixture
def demo_camera(station):
    camera = Camera.objects.create(
        station=station,
        name="江湾壹号-全景",
        place="江湾壹号小区反诈广场",
        stream_kind="hls",
        stream_url=demo.DEMO_STREAM_URL,
    )
    PatrolPoint.objects.create(station=station, name="江湾壹号").cameras.add(camera)
    return camera


def test_the_demo_cameras_play_the_apps_own_stream():
    assert demo.DEMO_STREAM_URL == demostream.STREAM_PATH
    assert demostream.STREAM_PATH == reverse("command:demo_stream", args=["index.m3u8"])
    services.check_stream_url("hls", demostream.STREAM_PATH)  # a path the app serves is accepted
    with pytest.raises(Exception, match="http"):
        services.check_stream_url("hls", "//elsewhere.example/x.m3u8")


def test_the_playlist_and_its_segments_are_served(var_dir, client, fenggang, login):
    login(client, fenggang)
    response = client.get(demostream.STREAM_PATH)
    assert response.status_code == 200
    assert response["Content-Type"] == "application/vnd.apple.mpegurl"
    playlist = b"".join(response.streaming_content).decode()
    assert "#EXT-X-ENDLIST" in playlist
    segments = [line for line in playlist.splitlines() if line.endswith(".ts")]
    assert segments == ["seg000.ts", "seg001.ts"]
    segment = client.get(reverse("command:demo_stream", args=[segments[0]]))
    assert segment.status_code == 200 and segment["Content-Type"] == "video/mp2t"
    assert b"".join(segment.streaming_content)[:1] == b"G"  # an MPEG-TS sync byte
    for name in ("../secret_key", "index.m3u8.bak", "seg1.ts", "fengqiao.db"):
        assert client.get(f"/command/demo-stream/{name}").status_code == 404
    assert Client().get(demostream.STREAM_PATH).status_code == 302  # signed-in users only


def test_the_camera_page_points_at_the_stream(var_dir, client, fenggang, login, demo_camera):
    login(client, fenggang)
    html = client.get(reverse("command:camera_detail", args=[demo_camera.pk])).content.decode()
    assert f'data-stream-url="{demostream.STREAM_PATH}"' in html
    patrol = client.get(reverse("command:patrol")).content.decode()
    assert demostream.STREAM_PATH in patrol or "江湾壹号" in patrol


def test_make_is_idempotent_and_says_when_ffmpeg_is_missing(tmp_path, monkeypatch, stream_dir):
    playlist = stream_dir / "demo-stream" / "index.m3u8"
    before = playlist.stat().st_mtime_ns
    demostream.make(stream_dir / "demo-stream", seconds=4)
    assert playlist.stat().st_mtime_ns == before
    monkeypatch.setattr(demostream.shutil, "which", lambda name: None)
    with pytest.raises(RuntimeError, match="ffmpeg"):
        demostream.make(tmp_path / "none")


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_the_demo_camera_plays_in_the_page(var_dir, page, live_server, fenggang, demo_camera):
    browser_login(page, live_server, fenggang)
    page.goto(f"{live_server.url}/command/cameras/{demo_camera.pk}/")
    video = "video[data-stream-url]"
    page.wait_for_selector(f"{video}[data-levels]")  # hls.js read the playlist from the app
    deadline = time.monotonic() + 20
    while int(page.get_attribute(video, "data-fragments") or 0) < 1:  # a segment came from the app
        assert time.monotonic() < deadline, "no segment loaded"
        time.sleep(0.1)
    assert not [e for e in page.csp_errors if "Content Security Policy" in e]


def test_the_camera_form_takes_a_path_the_app_serves(station):
    from fengqiao.command.forms import CameraForm

    form = CameraForm(
        data={"name": "文庙-全景", "place": "文庙广场", "stream_kind": "hls",
              "stream_url": demostream.STREAM_PATH, "active": "on"},
        station_id=station.pk,
    )  # fmt: skip
    assert form.is_valid(), form.errors


def test_rundemo_makes_the_stream_and_runs_on_without_ffmpeg(monkeypatch):
    from fengqiao.demo.management.commands import rundemo

    made, said = [], []
    monkeypatch.setattr(demostream, "make", lambda: made.append(1))
    rundemo.make_demo_stream(said.append)
    assert made == [1] and said == []

    def missing():
        raise RuntimeError("ffmpeg 未安装")

    monkeypatch.setattr(demostream, "make", missing)
    rundemo.make_demo_stream(said.append)  # no exception: the demo starts without video
    assert said == ["ffmpeg 未安装"]
    source = open(rundemo.__file__, encoding="utf-8").read()
    assert "make_demo_stream(self.stdout.write)" in source  # called by the command before it starts
