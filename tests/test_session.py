"""The session record: one JSON shape (schemas/session.schema.json) for analyze, live and routine."""

import json
from datetime import datetime
from pathlib import Path

import pytest
from conftest import SAMPLES
from make_sessions import hold, rep, session, validator

from spinecoach.app import usecases as app
from spinecoach.dev.accuracy import MULTIVIEW
from spinecoach.events import Event, Hold
from spinecoach.exercises import routine
from spinecoach.exercises import spec as exercises
from spinecoach.exercises.routine import StepProgress
from spinecoach.io.display import NoWindow
from spinecoach.session.record import SCHEMA_VERSION, check_id, routine_record, step_records


def test_a_record_has_times_units_versions_and_validates():
    s = session("bird_dog", [rep(1, "left", checks={"arm_level": True, "leg_level": False, "leg_lifted": True}),
                             rep(5, "right", checks={"arm_level": True, "leg_level": True, "leg_lifted": True})]).summary()
    validator().validate(s)
    assert s["schema_version"] == SCHEMA_VERSION == 2
    assert datetime.fromisoformat(s["started_at"]).tzinfo is not None  # ISO 8601 with the offset
    assert s["units"]["angle"] == "deg" and s["target"] == {"low": 8.0, "high": 10.0, "unit": "reps per side"}
    assert s["exercise_file"]["name"] == "bird_dog.toml" and s["exercise_file"]["version"]
    assert s["app"]["name"] == "spinecoach" and s["app"]["version"]
    assert s["frames_with_pose"] == 300 and s["frames_with_pose_fraction"] == 1.0
    assert s["range"]["unit"] == "deg" and "bird dog" in s["range"]["measures"].lower()
    assert isinstance(s["range"]["view_reliable"], bool)


def test_checks_are_keyed_by_stable_ids_with_pass_rates():
    ex = exercises.get("bird_dog")
    s = session("bird_dog", [rep(1, "left", checks={"arm_level": True, "leg_level": False, "leg_lifted": True}),
                             rep(5, "right", checks={"arm_level": True, "leg_level": True, "leg_lifted": True})]).summary()
    ids = [check_id(c) for c in ex.checks]
    assert set(s["reps"][0]["checks"]) == set(ids)  # not the cue sentences
    rates = {c["id"]: (c["passed"], c["evaluated"], c["pass_rate"]) for c in s["checks"]}
    assert rates == {"arm_level": (2, 2, 1.0), "leg_level": (1, 2, 0.5), "leg_lifted": (2, 2, 1.0)}


def test_reps_named_by_their_cue_still_get_the_id():
    """Events stored before checks had ids (keyed by the cue sentence) map to the same ids."""
    ex = exercises.get("bird_dog")
    s = session("bird_dog", [rep(1, "left", checks={c.cue: True for c in ex.checks})]).summary()
    assert set(s["reps"][0]["checks"]) == {check_id(c) for c in ex.checks}


def test_progress_is_clamped_to_its_documented_range():
    s = session("cat_cow", [rep(1, progress=3.72), rep(4, progress=-0.2, partial=True)]).summary()
    assert s["reps"][0]["peak_progress"] == 1.0 and s["partial_reps"][0]["peak_progress"] == 0.0
    assert s["reps"][0]["rom_deg"] == 40.0  # the measured range is kept as measured
    validator().validate(s)


def test_a_reset_starts_the_count_again_and_keeps_what_came_before():
    s = session("cat_cow", [rep(1), rep(4), Event("reset", 6.0), rep(8)])
    d = s.summary()
    assert d["rep_count"] == 1 and len(s.reps()) == 1
    assert d["resets"] == [{"t_s": 6.0, "reps": d["resets"][0]["reps"], "partial_reps": [], "holds": []}]
    assert [r["start_s"] for r in d["resets"][0]["reps"]] == [1, 4]
    validator().validate(d)


def test_pauses_by_tracking_and_by_the_key_are_recorded_alike():
    events = [Event("paused", 2.0, text="nobody in view"), Event("resumed", 3.5, text="after 1.5 s"),
              Event("user_paused", 5.0), Event("user_resumed", 9.0), Event("user_paused", 12.0)]
    d = session("cobra", events + hold(14, 30)).summary()
    assert d["pauses"] == [
        {"start_s": 2.0, "end_s": 3.5, "cause": "tracking", "reason": "nobody in view"},
        {"start_s": 5.0, "end_s": 9.0, "cause": "user", "reason": "pause key"},
        {"start_s": 12.0, "end_s": None, "cause": "user", "reason": "pause key"},
    ]
    validator().validate(d)


def test_hold_checks_are_rated_over_the_held_frames():
    s = session("cobra", [])
    s.add([Event("hold_started", 1.0)], True, _step(1.0, [("hips_down", True)]))
    for i, ok in enumerate([True, True, False]):
        s.add([], True, _step(1.1 + i / 10, [("hips_down", ok)]))
    s.add([Event("hold_ended", 2.0, hold=Hold(1.0, 2.0, 0.5, 20.0))], True, _step(2.0, [("hips_down", False)]))
    s.add([], True, _step(2.1, [("hips_down", False)]))  # after the hold: not rated
    (c,) = s.summary()["checks"]
    assert (c["id"], c["passed"], c["evaluated"], c["evaluated_at"]) == ("hips_down", 3, 4, "held frames")


def _step(t, checks):
    from types import SimpleNamespace

    from spinecoach.analysis.analyzers import Measurement

    return SimpleNamespace(measurement=Measurement(t, 1.0, 28.0, checks=tuple(checks)),
                           pose=SimpleNamespace(world=None, image=None), view_deg=None)


def test_a_routine_record_holds_session_records_under_its_steps():
    plan = routine.get("thoracic_mobility")
    progress = [StepProgress(step) for step in plan.steps]
    progress[0].sessions.append(session("open_book", [rep(1, "left"), rep(4, "right")], mode="routine"))
    progress[3].sessions.append(session("cobra", hold(2, 19.5), mode="routine"))
    rec = routine_record(plan, step_records(progress), datetime.now().astimezone(), {"variant": "full",
                                                                                     "sha256": "0" * 64})
    validator().validate(rec)
    assert [s["index"] for s in rec["steps"]] == [0, 3]
    assert rec["steps"][0]["target"] == {"low": 8.0, "high": None, "unit": "reps per side"}
    assert rec["steps"][1]["sessions"][0]["holds"][0]["duration_s"] == 17.5
    assert rec["routine"]["file"]["version"]


def test_the_schema_rejects_what_the_old_summary_wrote():
    old = {"schema": 1, "exercise": "cat_cow", "kind": "reps", "rep_count": 1, "frames_with_pose": 0.98,
           "target": [5, 10], "reps": [{"peak_progress": 3.72}]}
    assert not validator().is_valid(old)
    bad = session("cat_cow", [rep(1)]).summary()
    bad["reps"][0]["peak_progress"] = 3.72
    assert not validator().is_valid(bad)


def test_a_record_seen_from_the_head_end_validates():
    """The view classes the record counts seconds in are the ones the schema names."""
    from spinecoach.analysis.signals import VIEW_CLASSES
    from spinecoach.pose.track import LandmarkTrack

    schema = validator().schema
    views = schema["$defs"]["session"]["properties"]["range"]["properties"]["views_s"]
    assert set(views["propertyNames"]["enum"]) == set(VIEW_CLASSES)
    track = LandmarkTrack.load(MULTIVIEW / "tune" / "t_cat_cow_az090_continuous.track.npz")
    rec = app.analyze_track(track, exercises.get("cat_cow")).summary()
    assert max(rec["range"]["views_s"], key=rec["range"]["views_s"].get) == "head_end"
    validator().validate(rec)


@pytest.mark.slow
def test_analyze_live_and_routine_write_records_that_validate(tmp_path, tracks, capsys):
    """Every session JSON the three commands write validates against the schema in the repo."""
    from spinecoach.cli import main

    check = validator()
    assert main(["analyze", str(SAMPLES / "cat_cow_side.mp4"), "--exercise", "cat_cow",
                 "--json", str(tmp_path / "a.json")]) == 0
    # The first seconds are enough: the records of what was done before `q` must validate too.
    app.run_live("cobra", SAMPLES / "cobra_side.mp4", window=NoWindow({450: "quit"}), json_out=tmp_path / "l.json",
                 paced=False)
    app.run_routine("thoracic_mobility", [SAMPLES / "open_book_left_front.mp4"], window=NoWindow({400: "quit"}),
                    countdown_s=0, json_out=tmp_path / "r.json", paced=False)
    for name, mode in (("a", "analyze"), ("l", "live"), ("r", "routine")):
        rec = json.loads((tmp_path / f"{name}.json").read_text())
        errors = sorted(check.iter_errors(rec), key=str)
        assert not errors, f"{name}.json: {errors[0].message} at {list(errors[0].absolute_path)}"
        assert rec["mode"] == mode
    live = json.loads((tmp_path / "l.json").read_text())
    assert live["model"]["variant"] and len(live["model"]["sha256"]) == 64 and live["source"].endswith("cobra_side.mp4")
    steps = json.loads((tmp_path / "r.json").read_text())["steps"]
    assert steps[0]["sessions"][0]["mode"] == "routine" and steps[0]["sessions"][0]["reps"]


def test_every_signal_type_has_a_description():
    from spinecoach.analysis.signals import SIGNAL_TYPES, Signal
    from spinecoach.session.record import describe_signal

    for kind in SIGNAL_TYPES:
        n = 3 if kind == "joint_angle" else 2
        ref = () if kind in ("joint_angle", "elevation", "tilt") else ("left_hip", "right_hip")
        assert describe_signal(Signal(kind, ("left_shoulder", "right_shoulder", "left_elbow")[:n], ref))


@pytest.mark.slow
def test_pause_and_reset_keys_are_in_every_output(tmp_path):
    """Space and `r` in the live window: the JSON, the event log and the history all keep them."""
    from spinecoach.session.storage import Store

    keys = {150: "pause", 200: "pause", 420: "reset", 700: "quit"}  # frames shown; reps end near 5 s and 11 s
    with Store() as store:
        session, _ = app.run_live("cat_cow", SAMPLES / "cat_cow_side.mp4", window=NoWindow(keys), paced=False,
                                  json_out=tmp_path / "s.json", events=tmp_path / "e.jsonl", store=store)
        counted = [r[0] for r in store.conn.execute("SELECT counted FROM reps WHERE NOT partial ORDER BY id")]
    rec = json.loads((tmp_path / "s.json").read_text())
    validator().validate(rec)
    user = [p for p in rec["pauses"] if p["cause"] == "user"]
    assert len(user) == 1 and 4.0 < user[0]["start_s"] < user[0]["end_s"] < 8.0  # frames 150-200 at 30 fps
    (reset,) = rec["resets"]
    assert 13.0 < reset["t_s"] < 15.0 and len(reset["reps"]) == 2  # the two reps before `r` are kept
    assert rec["rep_count"] == len(rec["reps"]) == len(session.reps()) >= 1
    assert all(r["start_s"] > reset["t_s"] for r in rec["reps"])
    logged = [json.loads(x)["event"] for x in (tmp_path / "e.jsonl").read_text().splitlines()]
    assert logged.count("user_paused") == logged.count("user_resumed") == logged.count("reset") == 1
    assert counted == [0, 0] + [1] * rec["rep_count"]


def test_a_range_read_one_way_per_view_is_in_the_units_of_the_way_read_most():
    from spinecoach.session.record import range_info

    # Open book: the rotation side-on (22 degrees nominal), the shoulder line's tilt from an angle (50).
    side = range_info(exercises.get("open_book"), {"side": 20.0, "oblique": 2.0})
    angle = range_info(exercises.get("open_book"), {"side": 2.0, "oblique": 20.0})
    assert (side["nominal_deg"], side["counted_from_deg"]) == (22.0, 11.0) and "hip line" in side["measures"]
    assert (angle["nominal_deg"], angle["counted_from_deg"]) == (50.0, 25.0) and "tilt" in angle["measures"]
    # A cycle's span is both of its phases: cat-cow's head pitch side-on (16 + 16), the ears' drop in
    # the image from the head end (8 + 8).
    side = range_info(exercises.get("cat_cow"), {"side": 20.0})
    head = range_info(exercises.get("cat_cow"), {"head_end": 20.0, "oblique": 1.0})
    assert (side["nominal_deg"], side["counted_from_deg"]) == (32.0, 16.0)
    assert (head["nominal_deg"], head["counted_from_deg"]) == (16.0, 8.0) and "from the head end" in head["measures"]


@pytest.mark.skipif(not (Path(__file__).resolve().parents[2] / "shared" / "real_dev").is_dir(),
                    reason="needs ../shared/real_dev")
def test_a_rep_whose_measured_part_was_not_seen_has_no_range_and_the_record_stays_json(tmp_path, capsys):
    """Real bird_dog_polybag: at rest the count reads the far arm, which MediaPipe does not see, so the
    reps' range is unknown: null in the record (not NaN, which JSON does not have), "not seen" on screen,
    and left out of medians, the report and the history."""
    from spinecoach.cli import main
    from spinecoach.dev.accuracy import REAL_DEV
    from spinecoach.session.history import csv_row

    out = tmp_path / "s.json"
    assert main(["analyze", str(REAL_DEV / "bird_dog_polybag.track.npz"), "--exercise", "bird_dog",
                 "--json", str(out)]) == 0
    assert "range not seen" in capsys.readouterr().out
    s = json.loads(out.read_text(), parse_constant=lambda c: pytest.fail(f"{c} in the record"))
    assert s["rep_count"] == 2 and None in [r["rom_deg"] for r in s["reps"]]
    validator().validate(s)
    seen = [r["rom_deg"] for r in s["reps"] if r["rom_deg"] is not None]
    row = csv_row({**s, "run_id": None, "step": None, "mode": "analyze"})
    assert row["median_rom_deg"] == (round(sorted(seen)[len(seen) // 2], 1) if seen else None)


def test_the_notes_name_the_condition_of_the_position_most_often_missed():
    """Real bird_dog_pwarenfo analysed as cat-cow: most of the clip the person kneels upright and talks
    (not on all fours), which is what the note names."""
    from spinecoach.dev.accuracy import REAL_DEV
    from spinecoach.pose.track import LandmarkTrack

    track = LandmarkTrack.load(REAL_DEV / "bird_dog_pwarenfo.track.npz")
    s = app.analyze_track(track, exercises.get("cat_cow")).summary()
    assert s["rep_count"] == 0
    assert any("Most often missing: get on your hands and knees" in n for n in s["notes"])


def test_a_hold_not_found_says_how_near_the_body_came():
    """Real childs_pose_wanshape cut at 2 s, as the person folds into the pose (the hold starts at 2.8 s):
    the fold passed the held angle, but not for 2 s in the position."""
    from spinecoach.dev.accuracy import REAL_DEV
    from spinecoach.pose.track import LandmarkTrack

    track = LandmarkTrack.load(REAL_DEV / "childs_pose_wanshape.track.npz")
    cut = LandmarkTrack.from_frames([f for f in track.frames() if f.timestamp_ms < 2000], track.meta)
    s = app.analyze_track(cut, exercises.get("childs_pose")).summary()
    assert s["holds"] == []
    assert s["notes"][-1] == ("No hold was found: the held position was reached but not kept for 2 s (never 2 s on "
                              "end in the position; a hold starts at 60 deg).")
    # From the head end child's pose reads the head's drop: the note's degrees are that phase's.
    track = LandmarkTrack.load(MULTIVIEW / "tune" / "t_childs_pose_az090_quick.track.npz")  # folds at 2.3 s
    cut = LandmarkTrack.from_frames([f for f in track.frames() if f.timestamp_ms < 3500], track.meta)
    s = app.analyze_track(cut, exercises.get("childs_pose")).summary()
    assert s["holds"] == [] and "(as read from the head end)" in s["notes"][-1]
    assert s["notes"][-1].endswith("a hold starts at -52 deg).")
