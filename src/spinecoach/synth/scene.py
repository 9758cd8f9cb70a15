"""A room seen by a laptop webcam on the floor: camera model, props, lights, offscreen render."""

from __future__ import annotations

import os
from dataclasses import dataclass

import numpy as np

from spinecoach.synth.kinematics import unit

os.environ.setdefault("PYOPENGL_PLATFORM", "osmesa")


def _stable_gl_context_key():
    """pyrender caches compiled shaders under OpenGL.contextdata.getContext(), which under OSMesa
    returns a new pointer object each call that never compares equal: every frame recompiled its
    shaders and leaked them (gigabytes per clip). Key the cache by the context's address instead."""
    import ctypes

    from OpenGL import contextdata

    if getattr(contextdata.getContext, "_spinecoach", False):
        return
    original = contextdata.getContext

    def get_context(context=None):
        ctx = original(context)
        return ctx if isinstance(ctx, int) else ctypes.cast(ctx, ctypes.c_void_p).value

    get_context._spinecoach = True
    contextdata.getContext = get_context


@dataclass(frozen=True)
class Camera:
    """Pinhole camera, OpenCV convention: x right, y down, z forward."""

    width: int
    height: int
    fx: float
    fy: float
    cx: float
    cy: float
    rotation: np.ndarray  # (3, 3) world -> camera
    position: np.ndarray  # (3,) camera centre in the world

    @classmethod
    def look_at(cls, width, height, hfov_deg, position, target) -> Camera:
        fx = (width / 2) / np.tan(np.radians(hfov_deg) / 2)
        forward = unit(np.asarray(target, float) - position)
        right = unit(np.cross(forward, [0, 0, 1.0]))
        down = np.cross(forward, right)
        rotation = np.stack([right, down, forward])
        return cls(width, height, fx, fx, width / 2, height / 2, rotation, np.asarray(position, float))

    @property
    def intrinsics(self) -> np.ndarray:
        return np.array([[self.fx, 0, self.cx], [0, self.fy, self.cy], [0, 0, 1.0]])

    @property
    def translation(self) -> np.ndarray:
        return -self.rotation @ self.position

    def project(self, points: np.ndarray) -> np.ndarray:
        """Pixel coordinates (..., 2) of world points (..., 3)."""
        cam = points @ self.rotation.T + self.translation
        return np.stack([self.fx * cam[..., 0] / cam[..., 2] + self.cx,
                         self.fy * cam[..., 1] / cam[..., 2] + self.cy], axis=-1)

    def gl_pose(self) -> np.ndarray:
        """Camera-to-world pose in OpenGL convention (looks along -z, y up) for pyrender."""
        pose = np.eye(4)
        pose[:3, :3] = self.rotation.T @ np.diag([1.0, -1.0, -1.0])
        pose[:3, 3] = self.position
        return pose


def _box(extents, center, rgb):
    import trimesh

    mesh = trimesh.creation.box(extents=extents)
    mesh.apply_translation(center)
    mesh.visual.vertex_colors = np.array([*rgb, 255], dtype=np.uint8)
    return mesh


def prop_mesh(shape):
    """A PropShape as a trimesh at its own origin (cylinders along the local z)."""
    import trimesh

    if shape.kind == "cylinder":
        mesh = trimesh.creation.cylinder(radius=shape.size[0], height=shape.size[1], sections=40)
    else:
        mesh = trimesh.creation.box(extents=shape.size)
    mesh.visual.vertex_colors = np.array([*shape.rgb, 255], dtype=np.uint8)
    return mesh


@dataclass(frozen=True)
class Room:
    floor_rgb: tuple[int, int, int]
    wall_rgb: tuple[int, int, int]
    mat_rgb: tuple[int, int, int]
    light: float  # key light intensity
    seed: int


class Stage:
    """The static scene and the offscreen renderer; the body mesh is swapped in per frame."""

    def __init__(self, camera: Camera, room: Room, faces: np.ndarray, colors: np.ndarray, prop_shapes=None):
        """`prop_shapes`: name -> PropShape of the props posed with the body in each `render` call."""
        import pyrender

        _stable_gl_context_key()
        self._pyrender = pyrender
        self.camera = camera
        rng = np.random.default_rng(room.seed)
        scene = pyrender.Scene(bg_color=[*(np.array(room.wall_rgb) / 255), 1.0],
                               ambient_light=[0.35, 0.35, 0.37])
        props = [
            _box((12, 12, 0.02), (0, 0, -0.011), room.floor_rgb),
            _box((1.9, 0.7, 0.008), (0.05, 0, 0.0), room.mat_rgb),
        ]
        # Walls behind the performer as seen from the camera, and furniture against them.
        away = unit(np.array([-camera.position[0], -camera.position[1], 0.0]))
        side = np.cross([0, 0, 1.0], away)
        wall_c = away * 2.6
        yaw = np.arctan2(away[1], away[0])
        for k in range(4):
            w, h, d = rng.uniform(0.5, 1.4), rng.uniform(0.4, 1.9), rng.uniform(0.3, 0.6)
            c = wall_c - away * (d / 2 + 0.02) + side * rng.uniform(-2.2, 2.2)
            rgb = tuple(int(v) for v in rng.integers(40, 230, 3))
            props.append(self._rotated_box((w, d, h), (c[0], c[1], h / 2), yaw, rgb))
        props.append(self._rotated_box((8, 0.05, 3.0), (wall_c[0], wall_c[1], 1.5), yaw, room.wall_rgb))
        for mesh in props:
            scene.add(pyrender.Mesh.from_trimesh(mesh, smooth=False))
        scene.add(pyrender.IntrinsicsCamera(camera.fx, camera.fy, camera.cx, camera.cy, znear=0.05, zfar=30),
                  pose=camera.gl_pose())
        key = np.eye(4)
        key[:3, :3] = camera.gl_pose()[:3, :3] @ _rot_x(np.radians(-35)) @ _rot_y(np.radians(rng.uniform(-40, 40)))
        scene.add(pyrender.DirectionalLight(intensity=room.light), pose=key)
        self.scene = scene
        self.faces = faces
        self.colors = np.concatenate([colors, np.full((len(colors), 1), 255, np.uint8)], axis=1)
        self.renderer = pyrender.OffscreenRenderer(camera.width, camera.height)
        self._body = None
        # Boxes keep hard edges; cylinders are shaded smooth so they read as round.
        self._props = {name: scene.add(pyrender.Mesh.from_trimesh(prop_mesh(shape), smooth=shape.kind == "cylinder"))
                       for name, shape in (prop_shapes or {}).items()}

    @staticmethod
    def _rotated_box(extents, center, yaw, rgb):
        mesh = _box(extents, (0, 0, 0), rgb)
        t = np.eye(4)
        t[:3, :3] = _rot_z(yaw + np.pi / 2)
        t[:3, 3] = center
        mesh.apply_transform(t)
        return mesh

    def render(self, vertices: np.ndarray, prop_poses=None) -> np.ndarray:
        """RGB uint8 (H, W, 3) of the scene with the body at `vertices` and each prop at its 4x4
        pose in `prop_poses` (name -> pose)."""
        import trimesh

        pyrender = self._pyrender
        for name, pose in (prop_poses or {}).items():
            self.scene.set_pose(self._props[name], pose)
        mesh = trimesh.Trimesh(vertices, self.faces, vertex_colors=self.colors, process=False)
        if self._body is not None:
            self.scene.remove_node(self._body)
        self._body = self.scene.add(pyrender.Mesh.from_trimesh(mesh))
        color, _ = self.renderer.render(self.scene)
        return color

    def close(self):
        self.renderer.delete()


def _rot_x(a):
    c, s = np.cos(a), np.sin(a)
    return np.array([[1, 0, 0], [0, c, -s], [0, s, c]])


def _rot_y(a):
    c, s = np.cos(a), np.sin(a)
    return np.array([[c, 0, s], [0, 1, 0], [-s, 0, c]])


def _rot_z(a):
    c, s = np.cos(a), np.sin(a)
    return np.array([[c, -s, 0], [s, c, 0], [0, 0, 1]])
