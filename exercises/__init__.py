"""Package data (spinecoach.data.exercises): see pyproject.toml [tool.setuptools.package-dir]."""
