import numpy as np
import pytest

from spinecoach.analysis.analyzers import Measurement
from spinecoach.analysis.engine import Engine, Step
from spinecoach.exercises import spec as exercises
from spinecoach.render.overlay import Overlay, card
from spinecoach.types import PoseFrame

LONG_CUE = "Reach your arm out level with your shoulder and keep your back flat as a table"


def _step(ex):
    image = np.zeros((33, 5), np.float32)
    image[:, 0] = np.linspace(0.05, 0.95, 33)
    image[:, 1] = 0.5
    image[:, 3] = 1.0
    pose = PoseFrame(40_000.0, image, np.zeros((33, 3), np.float32))
    return Step(pose, Measurement(40.0, (0.5,)), ())


@pytest.mark.parametrize("size", [(640, 480), (1280, 720)])
@pytest.mark.parametrize("name", ["bird_dog", "cat_cow", "cobra"])
def test_overlay_fits_the_frame(size, name):
    ex = exercises.get(name)
    engine = Engine(ex)
    if ex.kind == "hold":
        engine.analyzer.started_s = 0.0; engine.analyzer.ready = True  # a hold running for 40 s (past the target, ring full)
    img = np.zeros((size[1], size[0], 3), np.uint8)
    Overlay(ex).annotate(img, _step(ex), engine.analyzer, cue=LONG_CUE, status="25.0 fps  40 ms  model full",
                         banner="Move back, your feet are out of view")
    drawn = np.argwhere(img.any(axis=2))
    assert len(drawn) > 0.02 * size[0] * size[1]  # something legible was drawn
    assert drawn[:, 0].min() > 0 and drawn[:, 1].min() > 0  # nothing runs off an edge
    assert drawn[:, 0].max() < size[1] - 1 and drawn[:, 1].max() < size[0] - 1


def test_mirroring_flips_the_picture_not_the_numbers():
    ex = exercises.get("cat_cow")
    img = np.zeros((480, 640, 3), np.uint8)
    img[:, :320] = 200  # left half bright
    Overlay(ex, mirror=True).annotate(img, None, Engine(ex).analyzer)
    assert img[240, 600].mean() > 150 and img[240, 330:600].mean() > 150  # now the right half


def test_cards_wrap_long_text_inside_the_frame():
    img = card((640, 480), "1/5  Open book", [LONG_CUE * 2, "Target: 8 reps per side"], "3")
    rows = np.argwhere((img != img[0, 0]).any(axis=2))
    assert rows[:, 1].max() < 639


@pytest.mark.parametrize("scale,thick", [(0.55, 1), (0.85, 2), (1.6, 3)])
def test_outline_surrounds_the_text_evenly(scale, thick):
    """The dark outline is as wide on the right as on the left (OpenCV 5 spaces glyphs by thickness)."""
    from spinecoach.render.overlay import _text

    img = np.full((120, 900, 3), 128, np.uint8)
    w, h = _text(img, "34 fps  40 ms  model full", (20, 80), scale, (255, 255, 255), thick)
    white = np.argwhere((img == 255).all(axis=2))
    dark = np.argwhere((img < 60).all(axis=2))
    left, right = white[:, 1].min() - dark[:, 1].min(), dark[:, 1].max() - white[:, 1].max()
    assert abs(left - right) <= 1 and 1 <= left <= 4
    assert abs((white[:, 1].max() - white[:, 1].min() + 1) - w) <= 2
