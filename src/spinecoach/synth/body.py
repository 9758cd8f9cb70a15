"""The performer's body: an anny (MakeHuman-based) mesh with a phenotype, skin and clothes."""

from __future__ import annotations

import os
from dataclasses import dataclass
from functools import lru_cache

import numpy as np

from spinecoach.synth.skeleton import Skeleton

os.environ.setdefault("PYOPENGL_PLATFORM", "osmesa")


@dataclass(frozen=True)
class Look:
    """Phenotype (anny's 0..1 scales) and colours (RGB 0..255) of one performer."""

    gender: float  # 0 female .. 1 male
    age: float
    weight: float
    height: float
    muscle: float
    skin_rgb: tuple[int, int, int]
    shirt_rgb: tuple[int, int, int]
    bottom_rgb: tuple[int, int, int]
    hair_rgb: tuple[int, int, int]
    long_sleeves: bool
    leggings: bool


def _region(label: str, look: Look) -> str:
    base = label.split(".")[0]
    if base.startswith(("spine", "clavicle", "shoulder", "upperarm")) or base == "neck01":
        return "shirt" if base != "neck01" else "skin"
    if base.startswith("lowerarm"):
        return "shirt" if look.long_sleeves else "skin"
    if base in ("root", "pelvis") or base.startswith("upperleg"):
        return "bottom"
    if base.startswith("lowerleg"):
        return "bottom" if look.leggings else "skin"
    if base.startswith("eye"):
        return "eye"
    return "skin"


@lru_cache(maxsize=1)
def load_model():
    """One anny model for every clip: the first build caches for about a minute."""
    import anny
    import torch

    torch.set_grad_enabled(False)
    return anny.Anny()


class Performer:
    def __init__(self, look: Look):
        import torch

        self.model = model = load_model()
        self.coeffs = model.get_phenotype_blendshape_coefficients(
            gender=look.gender, age=look.age, weight=look.weight, height=look.height, muscle=look.muscle)
        rest = model.get_rest_model(self.coeffs)
        labels = tuple(model.bone_labels)
        self.skeleton = Skeleton(labels, np.asarray(model.bone_parents), rest["rest_bone_heads"][0].numpy().astype(float))
        self.rest_rot = rest["rest_bone_poses"][0, :, :3, :3].numpy().astype(float)
        self.faces = model.get_triangular_faces().numpy()
        weights = model.vertex_bone_weights.numpy()
        dominant = model.vertex_bone_indices.numpy()[np.arange(len(weights)), weights.argmax(1)]
        palette = {"skin": look.skin_rgb, "shirt": look.shirt_rgb, "bottom": look.bottom_rgb, "eye": (40, 30, 25)}
        bone_rgb = np.array([palette[_region(lab, look)] for lab in labels], dtype=np.uint8)
        self.colors = bone_rgb[dominant]
        # Hair: the top of the head a darker colour, so the head reads as a head from behind.
        rest_v = rest["rest_vertices"][0].numpy()
        head_top = (dominant == labels.index("head")) & (rest_v[:, 2] > self.skeleton.head("head")[2] + 0.06)
        back = rest_v[:, 1] > self.skeleton.head("head")[1] + 0.01
        self.colors[head_top | ((dominant == labels.index("head")) & back & (rest_v[:, 2] > self.skeleton.head("head")[2] - 0.02))] = look.hair_rgb
        self._torch = torch

    def skin(self, roots: np.ndarray, rotations: np.ndarray) -> np.ndarray:
        """Vertices (B, V, 3) for root positions (B, 3) and bone world rotations (B, J, 3, 3)."""
        from anny.models.rigged_model import RiggedModelWithLinearBlendShapes

        torch = self._torch
        n = len(roots)
        deltas = np.tile(np.eye(4), (n, len(self.skeleton.labels), 1, 1))
        deltas[:, :, :3, :3] = rotations @ self.rest_rot
        deltas[:, 0, :3, 3] = roots
        params = torch.as_tensor(deltas, dtype=self.model.dtype)
        out = RiggedModelWithLinearBlendShapes.forward(
            self.model, params, self.coeffs, pose_parameterization="world-orient")
        return out["vertices"].numpy().astype(np.float32)
