"""Package data: exercise files, routines and the model manifest (mapped from the top-level folders)."""
