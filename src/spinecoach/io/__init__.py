"""Inputs and outputs at the edges: video files and cameras, files asked for, the window."""
