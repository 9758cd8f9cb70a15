"""The catalogue of committed sample clips: who, doing what, seen from where."""

from __future__ import annotations

from dataclasses import dataclass
from functools import partial

import numpy as np

from spinecoach.synth import physio, scripts
from spinecoach.synth.body import Look

LOOKS = {
    "ana": Look(gender=0.15, age=0.55, weight=0.45, height=0.45, muscle=0.45, skin_rgb=(232, 190, 160),
                shirt_rgb=(46, 98, 178), bottom_rgb=(32, 32, 38), hair_rgb=(70, 45, 25),
                long_sleeves=False, leggings=True),
    "ben": Look(gender=0.95, age=0.85, weight=0.75, height=0.6, muscle=0.5, skin_rgb=(200, 150, 115),
                shirt_rgb=(170, 50, 45), bottom_rgb=(60, 70, 90), hair_rgb=(120, 115, 110),
                long_sleeves=True, leggings=False),
    "chidi": Look(gender=0.8, age=0.4, weight=0.3, height=0.85, muscle=0.7, skin_rgb=(120, 80, 55),
                  shirt_rgb=(225, 200, 60), bottom_rgb=(25, 25, 25), hair_rgb=(20, 15, 12),
                  long_sleeves=False, leggings=False),
    "dora": Look(gender=0.0, age=0.9, weight=0.65, height=0.3, muscle=0.3, skin_rgb=(175, 125, 90),
                 shirt_rgb=(60, 150, 110), bottom_rgb=(90, 50, 110), hair_rgb=(45, 35, 30),
                 long_sleeves=True, leggings=True),
    # Bodies of the multi-view validation split only (synth/multiview.py): never tuned on.
    "emi": Look(gender=0.05, age=0.52, weight=0.15, height=0.2, muscle=0.35, skin_rgb=(238, 205, 178),
                shirt_rgb=(230, 228, 222), bottom_rgb=(125, 125, 132), hair_rgb=(15, 12, 10),
                long_sleeves=False, leggings=True),
    "femi": Look(gender=1.0, age=0.65, weight=0.95, height=0.75, muscle=0.55, skin_rgb=(92, 58, 40),
                 shirt_rgb=(32, 32, 34), bottom_rgb=(55, 75, 125), hair_rgb=(12, 10, 10),
                 long_sleeves=True, leggings=False),
    "gus": Look(gender=0.9, age=1.0, weight=0.35, height=0.1, muscle=0.2, skin_rgb=(245, 215, 195),
                shirt_rgb=(135, 135, 130), bottom_rgb=(105, 85, 60), hair_rgb=(215, 215, 210),
                long_sleeves=True, leggings=True),
    "hana": Look(gender=0.1, age=0.7, weight=0.85, height=0.95, muscle=0.45, skin_rgb=(150, 100, 70),
                 shirt_rgb=(235, 125, 40), bottom_rgb=(20, 20, 24), hair_rgb=(50, 30, 20),
                 long_sleeves=False, leggings=False),
    # Bodies of the routine's second validation round only (synth/multiview.py PHYSIO_VALIDATE).
    "ivo": Look(gender=0.85, age=0.3, weight=0.2, height=0.9, muscle=0.6, skin_rgb=(190, 140, 105),
                shirt_rgb=(40, 120, 60), bottom_rgb=(150, 140, 120), hair_rgb=(90, 60, 30),
                long_sleeves=False, leggings=False),
    "june": Look(gender=0.0, age=0.8, weight=0.9, height=0.15, muscle=0.3, skin_rgb=(110, 72, 50),
                 shirt_rgb=(120, 60, 140), bottom_rgb=(40, 40, 60), hair_rgb=(160, 160, 160),
                 long_sleeves=True, leggings=True),
    # Bodies of the multi-view check split only (synth/multiview.py CHECK, 2026-11-27): rendered for it alone.
    "kofi": Look(gender=0.9, age=0.55, weight=0.55, height=0.8, muscle=0.5, skin_rgb=(100, 64, 44),
                 shirt_rgb=(246, 246, 244), bottom_rgb=(70, 72, 78), hair_rgb=(14, 11, 10),
                 long_sleeves=False, leggings=True),
    "lena": Look(gender=0.05, age=0.74, weight=0.28, height=0.25, muscle=0.5, skin_rgb=(186, 158, 114),
                 shirt_rgb=(118, 24, 34), bottom_rgb=(48, 48, 56), hair_rgb=(58, 38, 26),
                 long_sleeves=True, leggings=False),
}


@dataclass(frozen=True)
class Clip:
    name: str
    exercise: str  # open_book, cat_cow, bird_dog, cobra, childs_pose, none
    script: callable  # rng -> scripts.Script
    look: str
    view: str  # "side", "front" or "oblique": how the camera sees the body's long axis
    azimuth_deg: float  # camera direction around the body, 0 = from the body's -y side
    distance_m: float
    camera_h_m: float
    size: tuple[int, int]
    fps: float
    hfov_deg: float
    seed: int

    def rng(self) -> np.random.Generator:
        return np.random.default_rng(self.seed)


CLIPS = [
    Clip("open_book_left_front", "open_book", partial(scripts.open_book, side="left", reps=8, partial_at=(3,)),
         "ana", "front", 180, 2.3, 0.45, (640, 480), 30, 66, 101),
    Clip("open_book_right_oblique", "open_book", partial(scripts.open_book, side="right", reps=8, partial_at=(5,)),
         "ben", "oblique", 35, 2.7, 0.6, (1280, 720), 24, 70, 102),
    Clip("cat_cow_side", "cat_cow", partial(scripts.cat_cow, reps=6, partial_at=(2,)),
         "chidi", "side", 0, 2.2, 0.4, (640, 480), 30, 64, 201),
    Clip("cat_cow_oblique", "cat_cow", partial(scripts.cat_cow, reps=8),
         "dora", "oblique", 40, 2.6, 0.55, (1280, 720), 24, 68, 202),
    Clip("bird_dog_side", "bird_dog", partial(scripts.bird_dog, per_side=8, partial_at=(5,)),
         "ana", "side", 0, 2.5, 0.45, (640, 480), 24, 64, 301),
    Clip("bird_dog_oblique", "bird_dog", partial(scripts.bird_dog, per_side=8, first="right"),
         "chidi", "oblique", -35, 3.0, 0.7, (1280, 720), 24, 70, 302),
    Clip("cobra_side", "cobra", partial(scripts.cobra, holds=2),
         "ben", "side", 180, 2.4, 0.4, (640, 480), 24, 64, 401),
    Clip("cobra_oblique", "cobra", partial(scripts.cobra, holds=1),
         "dora", "oblique", 38, 2.2, 0.5, (1280, 720), 30, 66, 402),
    Clip("childs_pose_side", "childs_pose", scripts.childs_pose,
         "dora", "side", 0, 2.3, 0.45, (640, 480), 30, 64, 501),
    Clip("childs_pose_oblique", "childs_pose", scripts.childs_pose,
         "ana", "oblique", -40, 2.8, 0.6, (1280, 720), 24, 68, 502),
    Clip("cat_cow_enter_leave", "cat_cow", partial(scripts.cat_cow, reps=5, start_x=-3.4),
         "ben", "side", 0, 2.4, 0.45, (640, 480), 30, 64, 203),
    Clip("idle_standing", "none", partial(scripts.idle, seconds=14.0),
         "chidi", "front", 0, 3.3, 0.8, (640, 480), 30, 64, 601),
]
# The physiotherapist's routine, with props. The new postures face +x (the head end for those on the
# floor), so azimuth 0 is a side view and 90 sees the seated performer from the front.
CLIPS += [
    Clip("roller_mobilisation_side", "roller_mobilisation", partial(physio.roller_mobilisation, partial_at=((1, 2),)),
         "ben", "side", 0, 2.4, 0.4, (640, 480), 24, 64, 701),
    Clip("roller_mobilisation_oblique", "roller_mobilisation",
         partial(physio.roller_mobilisation, partial_at=((2, 1),), hands="chest"),
         "chidi", "oblique", 35, 2.4, 0.75, (640, 480), 24, 64, 702),
    Clip("childs_pose_reach_side", "childs_pose_reach", physio.childs_pose_reach,
         "ben", "side", 0, 2.4, 0.45, (640, 480), 24, 64, 711),
    Clip("childs_pose_reach_oblique", "childs_pose_reach", physio.childs_pose_reach,
         "ana", "oblique", 40, 2.6, 0.55, (640, 480), 24, 64, 712),
    Clip("kneeling_lat_stretch_side", "kneeling_lat_stretch", physio.kneeling_lat_stretch,
         "chidi", "side", 180, 2.5, 0.45, (640, 480), 24, 64, 721),
    Clip("kneeling_lat_stretch_oblique", "kneeling_lat_stretch", physio.kneeling_lat_stretch,
         "ben", "oblique", -40, 2.6, 0.55, (640, 480), 24, 64, 722),
    Clip("seated_rotation_front", "seated_rotation", partial(physio.seated_rotation, per_side=3, partial_at=(1,)),
         "dora", "front", 90, 2.5, 0.9, (640, 480), 24, 64, 731),
    Clip("seated_rotation_oblique", "seated_rotation",
         partial(physio.seated_rotation, per_side=3, first="right", partial_at=(4,)),
         "ana", "oblique", 50, 2.5, 0.9, (640, 480), 24, 64, 732),
    Clip("seated_rotation_side_bend_front", "seated_rotation_side_bend",
         partial(physio.seated_rotation_side_bend, per_side=2, incomplete_at=(0, 3), partial_at=(1,)),
         "chidi", "front", 90, 2.5, 0.9, (640, 480), 24, 64, 741),
    Clip("seated_rotation_side_bend_oblique", "seated_rotation_side_bend",
         partial(physio.seated_rotation_side_bend, per_side=2, first="right", incomplete_at=(2,)),
         "ben", "oblique", 130, 2.5, 0.9, (640, 480), 24, 64, 742),
]
BY_NAME = {c.name: c for c in CLIPS}
