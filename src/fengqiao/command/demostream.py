"""The demo's own camera stream: a generated HLS test pattern (ffmpeg's testsrc2 with a clock), made
once under VAR_DIR/demo-stream/ by `fengqiao rundemo` and served by the app at STREAM_PATH, so the
video-patrol page plays without the Internet. The demo cameras point at it (demo/command.py)."""

from __future__ import annotations

import re
import shutil
import subprocess
from pathlib import Path

from django.conf import settings

STREAM_PATH = "/command/demo-stream/index.m3u8"
PLAYLIST = "index.m3u8"
SEGMENT = re.compile(r"^seg\d{3}\.ts$")
SECONDS = 20


def folder() -> Path:
    return Path(settings.VAR_DIR) / "demo-stream"


def is_ready(where: Path | None = None) -> bool:
    where = where or folder()
    playlist = where / PLAYLIST
    return playlist.exists() and "#EXT-X-ENDLIST" in playlist.read_text(errors="replace")


def make(where: Path | None = None, *, seconds: int = SECONDS, timeout: float = 120) -> Path:
    """Write the playlist and its 2-second segments (a no-op when they are there). Raises
    RuntimeError with the reason when ffmpeg is missing or fails."""
    where = where or folder()
    if is_ready(where):
        return where / PLAYLIST
    ffmpeg = shutil.which("ffmpeg")
    if ffmpeg is None:
        raise RuntimeError("ffmpeg 未安装(apt-get install ffmpeg):演示摄像头没有视频")
    where.mkdir(parents=True, exist_ok=True)
    for old in where.glob("*"):
        old.unlink()
    argv = [
        ffmpeg, "-loglevel", "error", "-y",
        "-f", "lavfi", "-i", f"testsrc2=size=640x360:rate=15:duration={seconds}",
        "-c:v", "libx264", "-preset", "veryfast", "-pix_fmt", "yuv420p", "-profile:v", "baseline",
        "-g", "30", "-f", "hls", "-hls_time", "2", "-hls_list_size", "0",
        "-hls_playlist_type", "vod", "-hls_segment_filename", str(where / "seg%03d.ts"),
        str(where / PLAYLIST),
    ]  # fmt: skip
    try:
        subprocess.run(argv, check=True, timeout=timeout, capture_output=True)  # noqa: S603 - fixed arguments
    except (subprocess.CalledProcessError, subprocess.TimeoutExpired) as exc:
        detail = getattr(exc, "stderr", b"") or b""
        raise RuntimeError(
            f"ffmpeg 生成演示视频失败:{detail.decode(errors='replace')[-300:]}"
        ) from exc
    return where / PLAYLIST


def file_for(name: str) -> tuple[Path, str] | None:
    """The file of the stream named `name` and its content type, or None (any other name)."""
    if name == PLAYLIST:
        kind = "application/vnd.apple.mpegurl"
    elif SEGMENT.match(name):
        kind = "video/mp2t"
    else:
        return None
    path = folder() / name
    return (path, kind) if path.is_file() else None
