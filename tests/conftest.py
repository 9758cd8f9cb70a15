import json
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
SAMPLES = ROOT / "sample_videos"


def sample_clips():
    return sorted(p.with_suffix(".mp4") for p in SAMPLES.glob("*.json"))


@pytest.fixture(autouse=True)
def _private_history(tmp_path, monkeypatch):
    """No test writes the user's history database or speaks aloud: a database per test, and a
    player that plays nothing (voice tests set their own). Subprocesses inherit both."""
    monkeypatch.setenv("SPINECOACH_DB", str(tmp_path / "history.sqlite3"))
    monkeypatch.setenv("SPINECOACH_AUDIO_PLAYER", "true")


@pytest.fixture
def ffmpeg():
    imageio_ffmpeg = pytest.importorskip("imageio_ffmpeg")
    return imageio_ffmpeg.get_ffmpeg_exe()


def truth(video: Path) -> dict:
    return json.loads(video.with_suffix(".json").read_text())


@pytest.fixture(scope="session")
def model():
    from spinecoach.pose import models

    return models.resolve(None)  # fetches and verifies the default model on first use


@pytest.fixture(scope="session")
def tracks(model):
    """Every sample clip's landmark track, from one real MediaPipe run each (cached across runs)."""
    from spinecoach.pose.track import cached_extract

    return {v.stem: cached_extract(v, model)[0] for v in sample_clips()}
