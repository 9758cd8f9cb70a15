"""Package data (spinecoach.data.exercises.routines): see pyproject.toml [tool.setuptools.package-dir]."""
