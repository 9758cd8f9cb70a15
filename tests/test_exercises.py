import shutil

import pytest

from spinecoach import exercises
from spinecoach.errors import ExerciseError

NAMES = ["bird_dog", "cat_cow", "childs_pose", "cobra", "open_book"]


def test_the_five_exercises_load():
    assert exercises.available() == NAMES
    for name in NAMES:
        ex = exercises.get(name)
        assert ex.name == name and ex.instruction and ex.target[0] <= ex.target[1]
    assert exercises.get("cobra").kind == "hold" and exercises.get("bird_dog").sides == "mirror"


def test_unknown_exercise_lists_the_valid_names():
    with pytest.raises(ExerciseError, match="valid: bird_dog, cat_cow, childs_pose, cobra, open_book"):
        exercises.get("plank")


@pytest.fixture
def copy(tmp_path):
    def make(edit):
        src = exercises.EXERCISE_DIR / "cat_cow.toml"
        dst = tmp_path / "cat_cow.toml"
        shutil.copy(src, dst)
        dst.write_text(edit(dst.read_text()))
        return dst
    return make


def test_a_missing_key_is_named_with_the_file(copy):
    path = copy(lambda s: s.replace("enter = 0.7", ""))
    with pytest.raises(ExerciseError) as e:
        exercises.load(path)
    assert str(e.value) == f"{path}: counting.enter is missing"


def test_a_wrong_type_is_named_with_the_file(copy):
    path = copy(lambda s: s.replace('kind = "reps"', "kind = 3"))
    with pytest.raises(ExerciseError, match=r"cat_cow.toml: kind must be a string \(got 3\)"):
        exercises.load(path)
    path = copy(lambda s: s.replace("exit = 0.3", 'exit = "low"'))
    with pytest.raises(ExerciseError, match=r"cat_cow.toml: counting.exit must be a number"):
        exercises.load(path)


def test_an_unknown_landmark_or_broken_toml_is_refused(copy):
    path = copy(lambda s: s.replace('"mid_ear"', '"mid_tail"'))
    with pytest.raises(ExerciseError, match="unknown landmark 'mid_tail'"):
        exercises.load(path)
    path = copy(lambda s: s + "\n[[[")
    with pytest.raises(ExerciseError, match="not valid TOML"):
        exercises.load(path)
