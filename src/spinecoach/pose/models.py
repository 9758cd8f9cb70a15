"""Pose Landmarker model files: the manifest, verified download, and lookup.

A file only ever appears under its final name after its SHA-256 matched the manifest: downloads
go to a temporary file in the same directory and are renamed into place.
"""

from __future__ import annotations

import hashlib
import io
import os
import tempfile
import urllib.request
import zipfile
from dataclasses import dataclass
from importlib.resources import files
from pathlib import Path

from spinecoach.errors import ModelError

try:
    import tomllib
except ModuleNotFoundError:  # Python < 3.11
    import tomli as tomllib

MANIFEST = Path(str(files("spinecoach.data.models") / "manifest.toml"))  # `models/` in the repository
ENV_MODEL = "SPINECOACH_MODEL"  # path of a .task file to use instead of a manifest variant
ENV_MODEL_DIR = "SPINECOACH_MODEL_DIR"  # where fetched models live (default: the user data folder)


@dataclass(frozen=True)
class Variant:
    name: str
    file: str
    bytes: int
    sha256: str
    sources: tuple[dict, ...]


def load_manifest(path: Path | None = None) -> tuple[dict[str, Variant], str]:
    """The variants by name, and the default variant's name."""
    path = path or MANIFEST
    try:
        data = tomllib.loads(path.read_text())
    except (OSError, tomllib.TOMLDecodeError) as e:
        raise ModelError(f"cannot read the model manifest {path}: {e}") from e
    variants = {name: Variant(name, v["file"], int(v["bytes"]), v["sha256"].lower(), tuple(v["sources"]))
                for name, v in data["variants"].items()}
    return variants, data["default"]


def model_dir() -> Path:
    # Not next to the manifest: an installed package's folder is not the place for downloads.
    from platformdirs import user_data_dir

    return Path(os.environ.get(ENV_MODEL_DIR) or Path(user_data_dir("spinecoach")) / "models")


def sha256_of(path: Path) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()


def _download(url: str, progress_label: str) -> bytes:
    from tqdm import tqdm

    try:
        with urllib.request.urlopen(url, timeout=30) as resp:
            total = int(resp.headers.get("Content-Length") or 0) or None
            buf = io.BytesIO()
            with tqdm(total=total, unit="B", unit_scale=True, desc=progress_label, leave=False) as bar:
                for chunk in iter(lambda: resp.read(1 << 16), b""):
                    buf.write(chunk)
                    bar.update(len(chunk))
            return buf.getvalue()
    except OSError as e:  # URLError, HTTPError, timeouts
        raise ModelError(f"{url}: {getattr(e, 'reason', e)}") from e


def _from_source(source: dict, label: str) -> bytes:
    data = _download(source["url"], label)
    if "member" not in source:
        return data
    if hashlib.sha256(data).hexdigest() != source["archive_sha256"]:
        raise ModelError(f"{source['url']}: archive hash does not match the manifest")
    with zipfile.ZipFile(io.BytesIO(data)) as z:
        return z.read(source["member"])


def _write_verified(data: bytes, variant: Variant, dest: Path) -> None:
    digest = hashlib.sha256(data).hexdigest()
    if digest != variant.sha256:
        raise ModelError(f"hash {digest[:12]}… does not match the manifest ({variant.sha256[:12]}…)")
    dest.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=dest.parent, prefix=f".{dest.name}.", suffix=".part")
    try:
        with os.fdopen(fd, "wb") as f:
            f.write(data)
        os.replace(tmp, dest)
    finally:
        if os.path.exists(tmp):
            os.unlink(tmp)


def fetch(name: str, directory: Path | None = None, force: bool = False) -> Path:
    """Download `name` from the first source that yields the right bytes; return its path."""
    variants, _ = load_manifest()
    variant = _variant(variants, name)
    dest = (directory or model_dir()) / variant.file
    if not force and dest.exists() and sha256_of(dest) == variant.sha256:
        return dest
    failures = []
    for source in variant.sources:
        try:
            _write_verified(_from_source(source, variant.file), variant, dest)
            return dest
        except (ModelError, KeyError, zipfile.BadZipFile) as e:
            failures.append(str(e))
    raise ModelError(f"could not fetch the {name} model ({'; '.join(failures)}); download {variant.file} "
                     f"yourself and pass it with --model PATH or {ENV_MODEL}")


def _variant(variants: dict[str, Variant], name: str) -> Variant:
    if name not in variants:
        raise ModelError(f"unknown model variant {name!r}; valid: {', '.join(variants)}")
    return variants[name]


def verify(directory: Path | None = None) -> dict[str, str]:
    """Status of each variant's file: 'ok', 'missing' or 'corrupt'."""
    variants, _ = load_manifest()
    status = {}
    for name, v in variants.items():
        path = (directory or model_dir()) / v.file
        status[name] = "missing" if not path.exists() else ("ok" if sha256_of(path) == v.sha256 else "corrupt")
    return status


@dataclass(frozen=True)
class ModelFile:
    path: Path
    variant: str  # manifest name, or "custom"
    sha256: str


def resolve(model: str | None = None) -> ModelFile:
    """The model to run: a path (argument or SPINECOACH_MODEL), a variant name, or the default
    variant, fetched on first use. A corrupt fetched file is replaced, never used."""
    variants, default = load_manifest()
    choice = model or os.environ.get(ENV_MODEL) or default
    if choice in variants:
        path = fetch(choice)
        return ModelFile(path, choice, variants[choice].sha256)
    path = Path(choice).expanduser()
    if not path.is_file():
        raise ModelError(f"model file {path} not found; pass a .task file or one of: {', '.join(variants)}")
    digest = sha256_of(path)
    named = next((n for n, v in variants.items() if v.sha256 == digest), "custom")
    if not zipfile.is_zipfile(path):  # .task bundles are zip archives
        raise ModelError(f"{path} is not a MediaPipe .task bundle; run `spinecoach models fetch`")
    return ModelFile(path, named, digest)
