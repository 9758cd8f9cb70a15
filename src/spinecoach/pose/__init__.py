"""The pose stage: the only MediaPipe importer (landmarker), its model files, landmark tracks."""
