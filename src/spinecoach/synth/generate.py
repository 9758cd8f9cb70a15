"""Render a clip: script -> poses -> skinned mesh -> rendered frames -> H.264 file + ground truth."""

from __future__ import annotations

import json
from dataclasses import asdict
from pathlib import Path

import numpy as np

from spinecoach.synth.clips import LOOKS, Clip
from spinecoach.synth.scripts import sample
from spinecoach.synth.skeleton import JOINT_BONES

BATCH = 48  # frames skinned at once
STRIDE_M = 0.35  # crawling: body travel per gait cycle


def camera_for(clip: Clip):
    from spinecoach.synth.physio import CAMERA_TARGETS
    from spinecoach.synth.scene import Camera

    standing = clip.exercise == "none"
    target = np.array([0.0, 0.0, 0.9] if standing else CAMERA_TARGETS.get(clip.exercise, (0.15, 0.0, 0.28)))
    a = np.radians(clip.azimuth_deg)
    direction = np.array([np.sin(a), -np.cos(a), 0.0])
    position = target * [1, 1, 0] + direction * clip.distance_m + [0, 0, clip.camera_h_m]
    w, h = clip.size
    return Camera.look_at(w, h, clip.hfov_deg, position, target)


def room_for(clip: Clip):
    from spinecoach.synth.scene import Room

    rng = np.random.default_rng(clip.seed + 7)
    floors = [(150, 115, 80), (175, 150, 120), (110, 100, 95), (190, 180, 165)]
    walls = [(215, 205, 185), (170, 190, 200), (200, 175, 160), (185, 195, 170)]
    mats = [(110, 60, 150), (40, 130, 140), (60, 80, 160), (160, 70, 80)]
    pick = lambda xs: tuple(int(v) for v in xs[rng.integers(len(xs))])
    return Room(pick(floors), pick(walls), pick(mats), float(rng.uniform(2.0, 4.0)), clip.seed)


def poses(clip: Clip, poser, times_s: np.ndarray, with_props: bool = False):
    """The script, root positions (F, 3), bone rotations (F, J, 3, 3) and joints (F, K, 3); with
    `with_props` also the props' poses, name -> (F, 4, 4) (postures with props return them)."""
    script = clip.script(clip.rng())
    method = getattr(poser, script.posture)
    roots, rots, joints, props = [], [], [], []
    for args in sample(script, times_s):
        if "x" in args:
            args["gait"] = 2 * np.pi * args["x"] / STRIDE_M
        root, r, *placed = method(**args)
        heads, world = poser.skel.forward(root, r)
        roots.append(root)
        rots.append(world)
        joints.append(poser.skel.joints(heads))
        props.append(placed[0] if placed else {})
    out = script, np.array(roots), np.array(rots), np.array(joints, np.float32)
    return (*out, {name: np.array([p[name] for p in props]) for name in props[0]}) if with_props else out


def truth(clip: Clip, script, frames: int) -> dict:
    w, h = clip.size
    return {
        "exercise": clip.exercise,
        "fps": clip.fps,
        "frames": frames,
        "width": w,
        "height": h,
        "reps": script.reps,
        "holds": script.holds,
        "view": clip.view,
        "seed": clip.seed,
        "performer": {"name": clip.look, **asdict(LOOKS[clip.look])},
        "joints_file": f"{clip.name}.joints.npz",
        **getattr(script, "extra", {}),  # e.g. the roller's segments
    }


def render_clip(clip: Clip, out_dir: Path, progress=None, room=None) -> dict:
    """Write <name>.mp4, <name>.json and <name>.joints.npz into out_dir; returns the truth.
    `room` replaces the seeded default room (the multi-view set varies rooms and light more)."""
    import imageio_ffmpeg

    from spinecoach.synth.body import Performer
    from spinecoach.synth.postures import PROPS, Poser
    from spinecoach.synth.scene import Stage

    performer = Performer(LOOKS[clip.look])
    poser = Poser(performer.skeleton)
    frames = frame_count(clip)
    times = np.arange(frames) / clip.fps
    script, roots, rots, joints, props = poses(clip, poser, times, with_props=True)
    # Lift the body so its lowest point in the first frame rests on the mat (with what it holds).
    floor_offset = -float(performer.skin(roots[:1], rots[:1])[0, :, 2].min()) + 0.004
    roots = roots + [0, 0, floor_offset]
    joints[..., 2] += floor_offset
    for name, placed in props.items():
        placed[:, 2, 3] += 0.0 if PROPS[name].grounded else floor_offset
    camera = camera_for(clip)
    stage = Stage(camera, room or room_for(clip), performer.faces, performer.colors, {n: PROPS[n] for n in props})
    rng = np.random.default_rng(clip.seed + 11)
    w, h = clip.size
    noise_bank = [rng.normal(0, 2.0, (h, w, 3)).astype(np.int16) for _ in range(6)]
    out_dir.mkdir(parents=True, exist_ok=True)
    video = out_dir / f"{clip.name}.mp4"
    writer = imageio_ffmpeg.write_frames(
        str(video), (w, h), fps=clip.fps, codec="libx264", macro_block_size=8, quality=None,
        output_params=["-crf", "30", "-preset", "medium", "-pix_fmt", "yuv420p", "-threads", "1"],
        ffmpeg_log_level="error")
    writer.send(None)
    try:
        for start in range(0, frames, BATCH):
            stop = min(start + BATCH, frames)
            verts = performer.skin(roots[start:stop], rots[start:stop])
            for i in range(stop - start):
                rgb = stage.render(verts[i], {name: placed[start + i] for name, placed in props.items()})
                noisy = np.clip(rgb + noise_bank[int(rng.integers(6))], 0, 255).astype(np.uint8)
                writer.send(noisy)
                if progress:
                    progress(1)
    finally:
        writer.close()
        stage.close()
    gt = truth(clip, script, frames)
    gt["camera"] = {"intrinsics": camera.intrinsics.round(4).tolist(),
                    "rotation_world_to_camera": camera.rotation.round(6).tolist(),
                    "translation_world_to_camera": camera.translation.round(6).tolist()}
    px = camera.project(joints)
    inside = (px[..., 0] >= 0) & (px[..., 0] < w) & (px[..., 1] >= 0) & (px[..., 1] < h)
    extra = {}
    if props:  # each prop's shape in the truth, its pose per frame beside the joints
        gt["props"] = {n: {"kind": PROPS[n].kind, "size_m": list(PROPS[n].size)} for n in props}
        extra = {"prop_names": np.array(list(props)),
                 "prop_poses": np.stack([props[n] for n in props], axis=1).astype(np.float32)}
    np.savez_compressed(out_dir / gt["joints_file"], joints_world=joints, joint_names=np.array(list(JOINT_BONES)),
                        times_s=times.astype(np.float32), joints_px=px.astype(np.float32),
                        inside_fraction=inside.mean(1).astype(np.float32), **extra)
    (out_dir / f"{clip.name}.json").write_text(json.dumps(gt, indent=1) + "\n")
    return gt


def frame_count(clip: Clip) -> int:
    return int(np.ceil(clip.script(clip.rng()).t * clip.fps))


def render_named(name: str, out_dir: str) -> str:
    """Render the catalogue clip `name` (a module-level function, so worker processes can run it)."""
    from spinecoach.synth.clips import BY_NAME

    render_clip(BY_NAME[name], Path(out_dir))
    return name
