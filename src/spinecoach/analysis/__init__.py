"""Pure analysis: landmarks -> signals -> measurements -> reps and holds. No OpenCV, no MediaPipe, no I/O."""
