"""`analyze --trace`: a row per frame with what was measured and counted, and a plot beside it."""

import csv
from pathlib import Path

import pytest

from spinecoach import cli

REAL = Path(__file__).resolve().parents[2] / "shared" / "real_dev"


@pytest.mark.skipif(not REAL.is_dir(), reason="needs ../shared/real_dev")
def test_trace_has_a_row_per_frame_and_the_count_as_it_happened(tmp_path, capsys):
    out = tmp_path / "cc.csv"
    code = cli.main(["analyze", str(REAL / "cat_cow_wanshape.track.npz"), "--exercise", "cat_cow", "--no-save",
                     "--trace", str(out)])
    assert code == 0
    rows = list(csv.DictReader(out.open()))
    assert len(rows) == 299 and set(rows[0]) >= {"t_s", "progress", "in_position", "reps", "events"}
    assert rows[0]["reps"] == "0" and rows[-1]["reps"] == "2"
    first = next(r for r in rows if "rep" in r["events"].split())
    assert 4.0 < float(first["t_s"]) < 5.5 and first["reps"] == "1"
    assert out.with_suffix(".png").stat().st_size > 5000
