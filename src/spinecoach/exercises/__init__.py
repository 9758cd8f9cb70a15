"""Exercise and routine definitions: TOML files (package data in spinecoach.data) -> frozen specs."""
