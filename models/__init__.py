"""Package data (spinecoach.data.models): see pyproject.toml [tool.setuptools.package-dir]."""
