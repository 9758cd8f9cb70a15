"""The generic engine: from a landmark track to measurements and events, on committed tracks."""

from pathlib import Path

import numpy as np

from spinecoach.analysis.engine import Engine
from spinecoach.app import usecases as app
from spinecoach.exercises import spec
from spinecoach.pose.track import LandmarkTrack

TUNE = Path(__file__).parents[1] / "benchmarks" / "multiview" / "tune"


def test_phases_seen_in_turns_agree_on_where_rest_is():
    # Bird dog from 45 degrees off the feet end: the far arm is hidden for seconds at a time, and the
    # leg alone reads below its start at rest. Rest must not jump when the arm comes into view.
    track = LandmarkTrack.load(TUNE / "t_bird_dog_az315_paused.track.npz")
    engine = Engine(spec.get("bird_dog"))
    progress = np.array([s.measurement.progress for s in map(engine.step, track.frames())
                         if s.measurement.progress is not None])
    assert progress.min() >= 0.0
    summary = app.analyze_track(track, spec.get("bird_dog")).summary()
    assert summary["rep_count_by_side"] == {"left": 3, "right": 3}  # and one partial, not counted
