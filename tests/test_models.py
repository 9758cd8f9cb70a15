import hashlib

import pytest

from spinecoach.errors import ModelError
from spinecoach.pose import models

GOOD = b"PK\x05\x06" + b"\x00" * 18  # an empty zip archive stands in for a .task bundle


@pytest.fixture
def manifest(tmp_path, monkeypatch):
    src = tmp_path / "src.task"
    src.write_bytes(GOOD)
    bad = tmp_path / "bad.task"
    bad.write_bytes(b"not the model")
    text = f'''default = "tiny"
[variants.tiny]
file = "tiny.task"
bytes = {len(GOOD)}
sha256 = "{hashlib.sha256(GOOD).hexdigest()}"
sources = [{{ url = "{bad.as_uri()}" }}, {{ url = "{src.as_uri()}" }}]
[variants.gone]
file = "gone.task"
bytes = 1
sha256 = "{"0" * 64}"
sources = [{{ url = "{(tmp_path / 'nowhere.task').as_uri()}" }}]
'''
    path = tmp_path / "manifest.toml"
    path.write_text(text)
    monkeypatch.setattr(models, "MANIFEST", path)
    monkeypatch.setenv(models.ENV_MODEL_DIR, str(tmp_path / "models"))
    monkeypatch.delenv(models.ENV_MODEL, raising=False)
    return tmp_path


def test_the_real_manifest_lists_three_variants_with_hashes():
    variants, default = models.load_manifest()
    assert set(variants) == {"lite", "full", "heavy"} and default == "full"
    assert variants["full"].sha256 == "4eaa5eb7a98365221087693fcc286334cf0858e2eb6e15b506aa4a7ecdcec4ad"
    assert all(len(v.sha256) == 64 for v in variants.values())


def test_fetch_skips_a_source_with_the_wrong_hash_and_verifies(manifest):
    path = models.fetch("tiny")
    assert path.read_bytes() == GOOD
    assert models.verify()["tiny"] == "ok"
    assert not list(path.parent.glob("*.part"))


def test_corrupt_file_is_refused_and_replaced(manifest):
    path = models.fetch("tiny")
    path.write_bytes(b"corrupted")
    assert models.verify()["tiny"] == "corrupt"
    assert models.resolve("tiny").path.read_bytes() == GOOD  # refetched, never used as is
    assert models.verify()["tiny"] == "ok"


def test_unfetchable_model_says_what_to_do_and_leaves_nothing(manifest):
    with pytest.raises(ModelError, match="--model PATH"):
        models.fetch("gone")
    assert not list((manifest / "models").glob("gone*"))


def test_unknown_variant_lists_the_valid_ones(manifest):
    with pytest.raises(ModelError, match="valid: tiny, gone"):
        models.fetch("huge")


def test_a_path_that_is_not_a_task_bundle_is_refused(manifest, tmp_path):
    junk = tmp_path / "junk.task"
    junk.write_bytes(b"junk")
    with pytest.raises(ModelError, match="not a MediaPipe .task bundle"):
        models.resolve(str(junk))
