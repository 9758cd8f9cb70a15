"""A rest skeleton and forward kinematics with per-bone world rotations.

The convention matches anny's "world-orient" pose parameterization: each bone gets a world
rotation G (relative to its rest orientation) and its head follows its parent,
head_c = head_p + G_p (rest_c - rest_p). Bones without a rotation of their own move with
their parent.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

# Ground-truth joints: name -> bone whose head sits at that joint.
JOINT_BONES = {
    "pelvis": "root",
    "spine_mid": "spine03",
    "chest": "spine01",
    "neck": "neck01",
    "head": "head",
    "left_shoulder": "upperarm01.L",
    "right_shoulder": "upperarm01.R",
    "left_elbow": "lowerarm01.L",
    "right_elbow": "lowerarm01.R",
    "left_wrist": "wrist.L",
    "right_wrist": "wrist.R",
    "left_hip": "upperleg01.L",
    "right_hip": "upperleg01.R",
    "left_knee": "lowerleg01.L",
    "right_knee": "lowerleg01.R",
    "left_ankle": "foot.L",
    "right_ankle": "foot.R",
}


@dataclass(frozen=True)
class Skeleton:
    labels: tuple[str, ...]
    parents: np.ndarray  # (J,) index of the parent, -1 for the root
    rest_heads: np.ndarray  # (J, 3) metres, rest pose, z up

    def __post_init__(self):
        if any(p >= i for i, p in enumerate(self.parents)):
            raise ValueError("bones must be ordered parents first")

    def index(self, label: str) -> int:
        return self.labels.index(label)

    def head(self, label: str) -> np.ndarray:
        return self.rest_heads[self.index(label)]

    def length(self, a: str, b: str) -> float:
        return float(np.linalg.norm(self.head(b) - self.head(a)))

    def forward(self, root_pos, rotations: dict[str, np.ndarray]) -> tuple[np.ndarray, np.ndarray]:
        """World heads (J, 3) and world rotations (J, 3, 3) of every bone."""
        n = len(self.labels)
        rot = np.empty((n, 3, 3))
        heads = np.empty((n, 3))
        for i, label in enumerate(self.labels):
            p = self.parents[i]
            given = rotations.get(label)
            if p < 0:
                rot[i] = np.eye(3) if given is None else given
                heads[i] = root_pos
                continue
            rot[i] = rot[p] if given is None else given
            heads[i] = heads[p] + rot[p] @ (self.rest_heads[i] - self.rest_heads[p])
        return heads, rot

    def joints(self, heads: np.ndarray) -> np.ndarray:
        """The ground-truth joints (in JOINT_BONES order) from posed bone heads."""
        return np.stack([heads[self.index(b)] for b in JOINT_BONES.values()])
