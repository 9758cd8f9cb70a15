"""Synthetic sample videos with exact ground truth (needs the [synth] extra: anny, torch, pyrender)."""
