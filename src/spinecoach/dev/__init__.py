"""For developers: benchmarks, accuracy against ground truth, sample-video checks."""
