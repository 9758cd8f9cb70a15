"""The use cases wiring the stages: analyze a file, coach live, walk a routine."""
