"""The session history: one SQLite database in the user data folder (`SPINECOACH_DB` moves it).

Every `analyze`, `live` and `routine` run is a row of `runs`; each exercise from one source is a
row of `sessions`; reps, holds and every event are rows of their own. Live sessions are written
through an event sink that commits each event as it happens (WAL journal), so a killed process
loses at most the rep or hold in progress. The schema is versioned (`PRAGMA user_version`) and
upgraded in place by the migrations below, oldest first; a migration is never edited once shipped.
"""

from __future__ import annotations

import json
import os
import sqlite3
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path

from spinecoach.errors import SpinecoachError
from spinecoach.events import Event
from spinecoach.session.record import Session, app_version, file_version, iso, now, target_of

ENV_DB = "SPINECOACH_DB"

MIGRATIONS = (
    # 1: runs, the sessions they hold, reps, holds, events.
    """
    CREATE TABLE runs (
        id INTEGER PRIMARY KEY,
        mode TEXT NOT NULL,              -- analyze, live, routine
        started_at TEXT NOT NULL,        -- ISO 8601 with the UTC offset
        ended_at TEXT,                   -- NULL: running, or the process was killed
        routine TEXT, routine_version TEXT,
        model_variant TEXT, model_sha256 TEXT,
        app_version TEXT NOT NULL
    );
    CREATE TABLE sessions (
        id INTEGER PRIMARY KEY,
        run_id INTEGER NOT NULL REFERENCES runs(id) ON DELETE CASCADE,
        step INTEGER,                    -- the routine step (0-based); NULL outside routines
        exercise TEXT NOT NULL, exercise_version TEXT, kind TEXT NOT NULL,
        source TEXT,
        started_at TEXT NOT NULL, ended_at TEXT,
        frames INTEGER, frames_with_pose INTEGER
    );
    CREATE TABLE reps (
        id INTEGER PRIMARY KEY,
        session_id INTEGER NOT NULL REFERENCES sessions(id) ON DELETE CASCADE,
        start_s REAL NOT NULL, end_s REAL NOT NULL, side TEXT,
        rom_deg REAL, peak_progress REAL, partial INTEGER NOT NULL, held_s REAL,
        checks TEXT                      -- JSON: check cue -> passed, at the rep's peak
    );
    CREATE TABLE holds (
        id INTEGER PRIMARY KEY,
        session_id INTEGER NOT NULL REFERENCES sessions(id) ON DELETE CASCADE,
        start_s REAL NOT NULL, end_s REAL NOT NULL, stillness_deg REAL, level_deg REAL
    );
    CREATE TABLE events (
        id INTEGER PRIMARY KEY,
        session_id INTEGER NOT NULL REFERENCES sessions(id) ON DELETE CASCADE,
        t_s REAL NOT NULL, kind TEXT NOT NULL,
        data TEXT NOT NULL               -- the event as JSON (Event.to_dict)
    );
    CREATE INDEX events_session ON events(session_id);
    """,
    # 2: counted = 0 for reps that do not count: partial or incomplete, or before a reset (the reset
    # key keeps them in the record); the session's JSON record and its
    # target, written when it ends (the report reads them); the run's end state; date index.
    """
    ALTER TABLE reps ADD COLUMN counted INTEGER NOT NULL DEFAULT 1;
    ALTER TABLE sessions ADD COLUMN target TEXT;
    ALTER TABLE sessions ADD COLUMN record TEXT;
    ALTER TABLE runs ADD COLUMN interrupted INTEGER NOT NULL DEFAULT 0;
    CREATE INDEX runs_started ON runs(started_at);
    CREATE INDEX sessions_run ON sessions(run_id);
    """,
)
VERSION = len(MIGRATIONS)


class HistoryError(SpinecoachError):
    """The history database cannot be opened or is newer than this spinecoach."""


def default_path() -> Path:
    from platformdirs import user_data_dir

    return Path(os.environ.get(ENV_DB) or Path(user_data_dir("spinecoach")) / "history.sqlite3")


def migrate(conn: sqlite3.Connection, to: int = VERSION) -> int:
    """Bring the schema to version `to`, one migration per transaction. Returns the version found."""
    found = conn.execute("PRAGMA user_version").fetchone()[0]
    if found > VERSION:
        raise HistoryError(f"the history database is version {found}, newer than this spinecoach ({VERSION}); "
                           "upgrade spinecoach, or set SPINECOACH_DB to use another file")
    for version in range(found + 1, to + 1):
        # executescript() commits first and runs each statement as given; the BEGIN makes the
        # migration and its version number one transaction.
        conn.executescript(f"BEGIN;\n{MIGRATIONS[version - 1]}\nPRAGMA user_version = {version};\nCOMMIT;")
    return found


@dataclass(frozen=True)
class RunRow:
    id: int
    mode: str
    started_at: str
    ended_at: str | None
    routine: str | None
    interrupted: bool
    sessions: tuple[dict, ...]  # id, step, exercise, kind, source, target, reps, by_side, holds_s, ended


class Store:
    """The history database. A context manager; one connection, autocommit, each write its own
    transaction (committed when the call returns)."""

    def __init__(self, path: Path | None = None):
        self.path = Path(path) if path else default_path()
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            self.conn = sqlite3.connect(self.path, isolation_level=None, timeout=10.0)
            self.conn.row_factory = sqlite3.Row
            # WAL: a write is one append to the log, readers (history, report) do not block the
            # live session, and a process killed mid-write leaves the last commit intact.
            self.conn.execute("PRAGMA journal_mode=WAL")
            self.conn.execute("PRAGMA synchronous=NORMAL")  # durable against a crash of the process
            self.conn.execute("PRAGMA foreign_keys=ON")
            migrate(self.conn)
        except sqlite3.Error as e:
            raise HistoryError(f"cannot open the history database {self.path} ({e}); "
                               "set SPINECOACH_DB to another file, or run with --no-save") from e

    def __enter__(self):
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    def close(self) -> None:
        self.conn.close()

    @contextmanager
    def _tx(self):
        self.conn.execute("BEGIN")
        try:
            yield self.conn
        except BaseException:
            self.conn.execute("ROLLBACK")
            raise
        self.conn.execute("COMMIT")

    # -- writing ---------------------------------------------------------------------------------

    def begin_run(self, mode: str, model: dict | None, started_at: datetime | None = None,
                  routine: str | None = None, routine_version: str | None = None) -> int:
        model = model or {}
        with self._tx() as c:
            return c.execute("INSERT INTO runs (mode, started_at, routine, routine_version, model_variant, "
                             "model_sha256, app_version) VALUES (?, ?, ?, ?, ?, ?, ?)",
                             (mode, iso(started_at or now()), routine, routine_version, model.get("variant"),
                              model.get("sha256"), app_version())).lastrowid

    def end_run(self, run_id: int, interrupted: bool = False) -> None:
        with self._tx() as c:
            c.execute("UPDATE runs SET ended_at = ?, interrupted = ? WHERE id = ?", (iso(now()), interrupted, run_id))

    def begin_session(self, run_id: int, session: Session, step: int | None = None,
                      target: dict | None = None) -> int:
        ex = session.exercise
        with self._tx() as c:
            return c.execute("INSERT INTO sessions (run_id, step, exercise, exercise_version, kind, source, "
                             "started_at, target) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                             (run_id, step, ex.name, file_version(ex.source), ex.kind, session.source,
                              iso(session.started_at), json.dumps(target or target_of(ex)))).lastrowid

    def add_event(self, session_id: int, event: Event) -> None:
        with self._tx() as c:
            self._insert_event(c, session_id, event)

    def _insert_event(self, c, session_id: int, e: Event) -> None:
        c.execute("INSERT INTO events (session_id, t_s, kind, data) VALUES (?, ?, ?, ?)",
                  (session_id, e.t_s, e.kind, json.dumps(e.to_dict())))
        if e.rep is not None:
            r = e.rep
            c.execute("INSERT INTO reps (session_id, start_s, end_s, side, rom_deg, peak_progress, partial, held_s, "
                      "checks, counted) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                      (session_id, r.start_s, r.end_s, r.side, r.rom_deg, r.peak_progress, r.partial, r.held_s,
                       json.dumps(r.checks), e.kind == "rep"))
        if e.hold is not None:
            h = e.hold
            c.execute("INSERT INTO holds (session_id, start_s, end_s, stillness_deg, level_deg) VALUES (?, ?, ?, ?, ?)",
                      (session_id, h.start_s, h.end_s, h.stillness_deg, h.level_deg))
        if e.kind == "reset":  # the count starts again; the reps stay, marked as not counted
            c.execute("UPDATE reps SET counted = 0 WHERE session_id = ?", (session_id,))

    def end_session(self, session_id: int, session: Session, record: dict | None = None) -> None:
        record = record or session.summary()
        with self._tx() as c:
            c.execute("UPDATE sessions SET ended_at = ?, frames = ?, frames_with_pose = ?, record = ? WHERE id = ?",
                      (record["ended_at"], session.frames, session.frames_with_pose, json.dumps(record), session_id))

    def save(self, session: Session) -> int:
        """A finished session (analyze) as a run of its own, in one transaction. Returns the run id."""
        run_id = self.begin_run(session.mode, session.model, session.started_at)
        session_id = self.begin_session(run_id, session)
        with self._tx() as c:
            for e in session.events:
                self._insert_event(c, session_id, e)
        self.end_session(session_id, session)
        self.end_run(run_id, session.interrupted)
        return run_id

    # -- reading ---------------------------------------------------------------------------------

    def runs(self, exercise: str | None = None, since: date | None = None,
             ids: list[int] | None = None) -> list[RunRow]:
        """Runs, oldest first, with a short account of each session (from the reps and holds tables,
        so a killed session shows what it saved)."""
        where, args = [], []
        if since:
            where.append("r.started_at >= ?")
            args.append(since.isoformat())
        if exercise:
            where.append("EXISTS (SELECT 1 FROM sessions s WHERE s.run_id = r.id AND s.exercise = ?)")
            args.append(exercise)
        if ids:
            where.append(f"r.id IN ({','.join('?' * len(ids))})")
            args += ids
        sql = "SELECT * FROM runs r" + (" WHERE " + " AND ".join(where) if where else "") + " ORDER BY r.started_at, r.id"
        return [RunRow(r["id"], r["mode"], r["started_at"], r["ended_at"], r["routine"], bool(r["interrupted"]),
                       tuple(self._session_rows(r["id"]))) for r in self.conn.execute(sql, args)]

    def _session_rows(self, run_id: int):
        for s in self.conn.execute("SELECT * FROM sessions WHERE run_id = ? ORDER BY id", (run_id,)):
            reps = self.conn.execute("SELECT side, COUNT(*) n FROM reps WHERE session_id = ? AND counted GROUP BY side",
                                     (s["id"],)).fetchall()
            # Holds since the last reset, like the reps.
            holds = [h[0] for h in self.conn.execute(
                "SELECT end_s - start_s FROM holds WHERE session_id = ? AND end_s > (SELECT COALESCE(MAX(t_s), -1) "
                "FROM events WHERE session_id = ? AND kind = 'reset') ORDER BY id", (s["id"], s["id"]))]
            yield {"id": s["id"], "step": s["step"], "exercise": s["exercise"], "kind": s["kind"],
                   "source": s["source"], "target": json.loads(s["target"]) if s["target"] else None,
                   "reps": sum(r["n"] for r in reps), "by_side": {r["side"]: r["n"] for r in reps if r["side"]},
                   "holds_s": holds, "ended": s["ended_at"] is not None}

    def records(self, run_ids: list[int] | None = None, since: date | None = None,
                exercise: str | None = None) -> list[tuple[RunRow, list[dict]]]:
        """Each run with its sessions' JSON records: as written when the session ended, or rebuilt
        from its events for a session that never ended (marked interrupted)."""
        out = []
        for run in self.runs(exercise, since, run_ids):
            recs = []
            for row in self.conn.execute("SELECT * FROM sessions WHERE run_id = ? ORDER BY id", (run.id,)):
                if exercise and row["exercise"] != exercise:
                    continue  # a routine's other steps
                rec = json.loads(row["record"]) if row["record"] else self._rebuild(row, run)
                if rec is not None:
                    rec["run_id"], rec["step"] = run.id, row["step"]
                    rec["step_target"] = json.loads(row["target"]) if row["target"] else None
                    recs.append(rec)
            out.append((run, recs))
        return out

    def _rebuild(self, row, run) -> dict | None:
        from spinecoach.exercises import spec as exercises

        try:
            ex = exercises.get(row["exercise"])
        except SpinecoachError:
            return None  # its exercise file is gone: history still lists it, the report cannot
        s = Session(ex, mode=run.mode, source=row["source"] or "",
                    model=None, started_at=datetime.fromisoformat(row["started_at"]))
        for (data,) in self.conn.execute("SELECT data FROM events WHERE session_id = ? ORDER BY id", (row["id"],)):
            s.events.append(Event.from_dict(json.loads(data)))
        s.frames, s.frames_with_pose = row["frames"] or 0, row["frames_with_pose"] or 0
        last = s.events[-1].t_s if s.events else 0.0
        s.ended_at = datetime.fromisoformat(row["ended_at"]) if row["ended_at"] else None
        rec = s.finish(interrupted=row["ended_at"] is None).summary()
        if row["ended_at"] is None:
            rec["ended_at"] = rec["started_at"]  # unknown: the process was killed
            rec["error"] = f"the session was cut short; the last event saved was at {last:.1f} s"
        return rec


class SessionSink:
    """An event callback that stores each event as it happens (one commit per event). A failing
    database (disk full) must not stop the coaching: the sink stops writing and keeps the error."""

    def __init__(self, store: Store, run_id: int, session: Session, step: int | None = None,
                 target: dict | None = None):
        self.store, self.session = store, session
        self.id = store.begin_session(run_id, session, step, target)
        self.error: sqlite3.Error | None = None

    def __call__(self, event: Event) -> None:
        if self.error is None:
            try:
                self.store.add_event(self.id, event)
            except sqlite3.Error as e:
                self.error = e

    def close(self, session: Session | None = None) -> None:
        if self.error is None:
            try:
                self.store.end_session(self.id, session or self.session)
            except sqlite3.Error as e:
                self.error = e


class RunRecorder:
    """One run in the history, for the use cases: a sink per session, then the run's end. With no
    store (`--no-save`) every call does nothing, so callers need no branches."""

    def __init__(self, store: Store | None, mode: str, model: dict | None, routine: str | None = None,
                 routine_version: str | None = None):
        self.store = store
        self.run_id = store.begin_run(mode, model, routine=routine, routine_version=routine_version) if store else None
        self._sinks: dict[int, SessionSink] = {}
        self.errors: list[sqlite3.Error] = []

    def sink(self, session: Session, step: int | None = None, target: dict | None = None):
        """The event callback that stores `session`'s events as they happen (None without a store)."""
        if self.store is None:
            return None
        s = self._sinks[id(session)] = SessionSink(self.store, self.run_id, session, step, target)
        return s

    def end_session(self, session: Session) -> None:
        sink = self._sinks.pop(id(session), None)
        if sink is not None:
            sink.close(session)
            self.errors += [sink.error] if sink.error else []

    def close(self, interrupted: bool = False) -> None:
        """Ends the run; raises HistoryError, after everything else was done, if a write failed."""
        if self.store is None:
            return
        try:
            self.store.end_run(self.run_id, interrupted)
        except sqlite3.Error as e:
            self.errors.append(e)
        if self.errors:
            raise HistoryError(f"the history in {self.store.path} misses part of this run ({self.errors[0]}); "
                               "the summary and any --json file are complete")
