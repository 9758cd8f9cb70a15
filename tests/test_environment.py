"""The installed set is the locked one: one distribution provides cv2 (mediapipe pulls in
opencv-contrib-python; a second OpenCV distribution would overwrite its files)."""

from importlib.metadata import packages_distributions


def test_exactly_one_distribution_provides_cv2():
    providers = set(packages_distributions().get("cv2", []))
    assert len(providers) == 1, f"cv2 is provided by {sorted(providers)}"
