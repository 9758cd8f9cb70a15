"""Sessions made from lists, for the tests of the record, the history, the report and the voice."""

from __future__ import annotations

import json
from datetime import datetime, timedelta
from pathlib import Path

from spinecoach.events import Event, Hold, Rep
from spinecoach.exercises import spec as exercises
from spinecoach.session.record import Session

SCHEMA = Path(__file__).resolve().parents[1] / "schemas" / "session.schema.json"


def rep(t: float, side=None, rom=40.0, progress=1.0, partial=False, checks=None) -> Event:
    return Event("partial_rep" if partial else "rep", t + 1.5,
                 rep=Rep(t, t + 1.5, side, rom, progress, partial, 0.0, dict(checks or {})))


def hold(start: float, end: float) -> list[Event]:
    return [Event("hold_started", start), Event("hold_ended", end, hold=Hold(start, end, 0.8, 22.0))]


def session(name: str, events: list[Event], started: datetime | None = None, mode: str = "analyze") -> Session:
    """A finished session of `name` with these events (and a frame count to match)."""
    s = Session(exercises.get(name), mode=mode, source=f"{name}.mp4",
                model={"variant": "full", "sha256": "0" * 64})
    s.add(events, None)
    s.frames = s.frames_with_pose = 300
    s._views = {"side": 9.5, "oblique": 0.5}  # seen as the exercise needs: ranges comparable
    if started:
        s.started_at = started
    s.ended_at = s.started_at + timedelta(minutes=2)
    return s


def validator():
    import pytest

    jsonschema = pytest.importorskip("jsonschema")
    schema = json.loads(SCHEMA.read_text())
    jsonschema.Draft202012Validator.check_schema(schema)
    return jsonschema.Draft202012Validator(schema, format_checker=jsonschema.FormatChecker())
