"""Package data (spinecoach.data.exercises.positions): see pyproject.toml [tool.setuptools.package-dir]."""
