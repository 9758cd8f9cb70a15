"""The notes that say what limited a count, from a result's summary (pure)."""

from spinecoach.analysis.diagnose import notes


def summary(**extra):
    base = {"title": "Foam-roller mobilisation", "kind": "reps", "frames": 300, "frames_with_pose_fraction": 1.0,
            "range": {"views_s": {"side": 30.0}, "counted_from_deg": 4.2}, "partial_reps": [],
            "incomplete_reps": [], "holds": [], "segments": [], "target": {"low": 5.0, "high": 5.0}}
    return {**base, **extra}


def test_a_clean_result_has_no_notes():
    assert notes(summary(segments=[{"reps": 5}, {"reps": 5}, {"reps": 5}]), ("side", "oblique"), 0.9) == []


def test_far_more_reps_at_one_place_than_it_asks_says_the_moves_went_unseen():
    said = notes(summary(segments=[{"reps": 12}]), ("side", "oblique"), 0.9)
    assert len(said) == 1 and "12 reps" in said[0] and "did not see your hips lift" in said[0]
    assert notes(summary(segments=[{"reps": 6}, {"reps": 4}]), ("side", "oblique"), 0.9) == []  # one extra is a count


def test_movements_without_a_required_part_name_the_part():
    rep = {"checks": {"arm_level": True, "leg_lifted": False}}
    said = notes(summary(title="Bird dog", incomplete_reps=[rep, rep]), ("side", "oblique"), 0.9,
                 {"leg_lifted": "Lift the opposite leg as well"})
    assert said == ["2 movement(s) covered the range without a part a rep needs (Lift the opposite leg as well) "
                    "and were not counted."]


def test_a_view_the_exercise_does_not_support_says_turn_side_on():
    said = notes(summary(range={"views_s": {"end": 25.0, "side": 5.0}}), ("side", "oblique"), 0.9)
    assert len(said) == 1 and "turn side-on" in said[0] and "83%" in said[0]


def test_a_part_out_of_sight_for_long_is_named():
    pauses = [{"start_s": 4.0, "end_s": 9.0, "cause": "tracking", "reason": "cannot see elbow"},
              {"start_s": 12.0, "end_s": None, "cause": "tracking", "reason": "cannot see elbow"},
              {"start_s": 1.0, "end_s": 2.0, "cause": "user", "reason": "pause key"}]
    said = notes(summary(kind="hold", holds=[{}], duration_s=20.0, pauses=pauses), ("side",), 0.9)
    assert said == ["The camera could not see your elbow for 13 of 20 s (counting reads it): keep it in view, "
                    "or turn the camera toward it."]
    brief = [{"start_s": 4.0, "end_s": 5.0, "cause": "tracking", "reason": "cannot see elbow"}]
    assert notes(summary(kind="hold", holds=[{}], duration_s=20.0, pauses=brief), ("side",), 0.9) == []


def test_little_time_in_position_says_what_counting_needs_for_reps_and_for_holds():
    reps = notes(summary(), ("side", "oblique"), 0.2)
    holds = notes(summary(kind="hold", title="Cobra", holds=[]), ("side", "oblique"), 0.2)
    assert "in the exercise's position for 20% of the time" in reps[0] and "every rep" in reps[0]
    assert "all through a hold" in holds[0] and "rep" not in holds[0]


def test_little_time_in_position_names_what_was_most_often_missing():
    said = notes(summary(), ("side", "oblique"), 0.2, most_missed="Keep both hands on the floor under your shoulders")
    assert said[0].endswith("Most often missing: keep both hands on the floor under your shoulders.")
    assert notes(summary(), ("side", "oblique"), 0.9, most_missed="Kneel") == []  # in position: nothing to say


def test_a_hold_not_found_says_how_near_the_body_came():
    hold = summary(kind="hold", title="Child's pose", holds=[],
                   range={"views_s": {"side": 30.0}, "measures": "Child's pose fold: angle at the hips"})
    near = {"best_deg": 89.4, "kept_deg": 95.0, "kept_s": 2.0, "enter_deg": 60.0, "rise_deg": None,
            "reached": False, "kept": False}
    assert notes(hold, ("side",), 0.9, nearest_hold=near) == [
        "No hold was found: the held position was not reached (angle at the hips: 89 deg at best; a hold starts "
        "at 60 deg)."]
    brief = {**near, "best_deg": 55.0, "reached": True, "kept_deg": 85.0, "rise_deg": 14.0}
    assert notes(hold, ("side",), 0.9, nearest_hold=brief) == [
        "No hold was found: the held position was reached but not kept for 2 s (angle at the hips: 85 deg at best "
        "kept for 2 s; a hold starts at 60 deg, or 14 deg beyond where you rested)."]
    never = {**brief, "kept_deg": None}
    assert "(never 2 s on end in the position;" in notes(hold, ("side",), 0.9, nearest_hold=never)[0]
    unknown = "No hold was found: the held position was not reached, or not kept for 2 seconds."
    assert notes(hold, ("side",), 0.9) == [unknown]


def test_movements_all_under_the_floor_say_a_lower_floor_can_be_set():
    partial = [{"rom_deg": 3.0}] * 3
    said = notes(summary(rep_count=0, partial_reps=partial), ("side",), 0.9)
    assert said[0].startswith("3 movement(s) were smaller than a full rep") and "set a lower floor" in said[0]
    assert "lower floor" not in notes(summary(rep_count=4, partial_reps=partial), ("side",), 0.9)[0]
