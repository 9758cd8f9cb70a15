"""Small data types shared by every stage."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

N_LANDMARKS = 33


@dataclass(frozen=True)
class PoseFrame:
    """One frame's pose. `image` is (33, 5): x, y (normalized), z, visibility, presence;
    `world` is (33, 3) metres. Both are None when no pose was found."""

    timestamp_ms: float
    image: np.ndarray | None
    world: np.ndarray | None

    @property
    def found(self) -> bool:
        return self.image is not None
