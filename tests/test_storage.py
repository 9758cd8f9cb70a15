"""The history database: schema versions and migrations, WAL, events committed as they happen, the
history command and its exports."""

import csv
import io
import json
import os
import signal
import sqlite3
import subprocess
import sys
import time
from datetime import datetime, timedelta

import pytest
from conftest import SAMPLES
from make_sessions import hold, rep, session, validator

from spinecoach import cli
from spinecoach.events import Event
from spinecoach.session import history
from spinecoach.session.record import step_target
from spinecoach.session.storage import VERSION, HistoryError, RunRecorder, Store, default_path, migrate


def run(capsys, *argv):
    code = cli.main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def test_the_database_is_where_spinecoach_db_says_in_wal_mode(tmp_path):
    assert default_path() == tmp_path / "history.sqlite3"  # conftest points SPINECOACH_DB there
    with Store() as store:
        assert store.conn.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
        assert store.conn.execute("PRAGMA user_version").fetchone()[0] == VERSION >= 2
    assert (tmp_path / "history.sqlite3").is_file()


def test_a_version_1_database_migrates_and_keeps_its_sessions(tmp_path):
    path = tmp_path / "v1.sqlite3"
    conn = sqlite3.connect(path, isolation_level=None)
    migrate(conn, to=1)
    conn.execute("INSERT INTO runs (id, mode, started_at, ended_at, model_variant, app_version) "
                 "VALUES (1, 'live', '2026-01-05T09:30:00+01:00', '2026-01-05T09:33:00+01:00', 'full', '0.1.0')")
    conn.execute("INSERT INTO sessions (id, run_id, exercise, exercise_version, kind, source, started_at, ended_at, "
                 "frames, frames_with_pose) VALUES (1, 1, 'cat_cow', 'sha256:abc', 'reps', 'camera 0', "
                 "'2026-01-05T09:30:00+01:00', '2026-01-05T09:33:00+01:00', 900, 870)")
    for i, e in enumerate([rep(2.0), rep(6.0), Event("cue", 7.0, text="Lift your head")]):
        conn.execute("INSERT INTO events (session_id, t_s, kind, data) VALUES (1, ?, ?, ?)",
                     (e.t_s, e.kind, json.dumps(e.to_dict())))
        if e.rep:
            conn.execute("INSERT INTO reps (session_id, start_s, end_s, rom_deg, peak_progress, partial, checks) "
                         "VALUES (1, ?, ?, 40, 1, 0, '{}')", (e.rep.start_s, e.rep.end_s))
    conn.close()

    with Store(path) as store:
        assert store.conn.execute("PRAGMA user_version").fetchone()[0] == VERSION
        assert [r[0] for r in store.conn.execute("SELECT counted FROM reps")] == [1, 1]
        (run_,) = store.runs()
        assert run_.mode == "live" and run_.sessions[0]["reps"] == 2 and run_.sessions[0]["target"] is None
        ((_, (rec,)),) = store.records()
    # Version 1 kept no session record: it is rebuilt from the stored events, and is a valid record.
    validator().validate({k: v for k, v in rec.items()})
    assert rec["rep_count"] == 2 and rec["frames"] == 900 and not rec["interrupted"]


def test_migrations_are_transactions_and_never_run_twice(tmp_path):
    path = tmp_path / "h.sqlite3"
    with Store(path):
        pass
    conn = sqlite3.connect(path, isolation_level=None)
    assert migrate(conn) == VERSION  # nothing to do: the found version is returned
    conn.close()


def test_a_newer_database_is_refused_with_a_remedy(tmp_path):
    path = tmp_path / "new.sqlite3"
    conn = sqlite3.connect(path)
    conn.execute(f"PRAGMA user_version = {VERSION + 1}")
    conn.close()
    with pytest.raises(HistoryError, match="newer than this spinecoach.*SPINECOACH_DB"):
        Store(path)


def test_each_event_is_committed_as_it_happens(tmp_path):
    """Another connection sees every rep while the session is still running: a crash loses nothing before it."""
    path = tmp_path / "h.sqlite3"
    s = session("cat_cow", [], mode="live")
    with Store(path) as writer, Store(path) as reader:
        rec = RunRecorder(writer, "live", s.model)
        sink = rec.sink(s)
        for e in [Event("ready", 0.5), rep(1.0), rep(4.0), Event("user_paused", 6.0)]:
            sink(e)
            s.add([e], None)
        stored = reader.conn.execute("SELECT start_s FROM reps ORDER BY id").fetchall()
        assert [r[0] for r in stored] == [1.0, 4.0]
        assert reader.conn.execute("SELECT COUNT(*) FROM events").fetchone()[0] == 4
        (run_,) = reader.runs()
        assert run_.ended_at is None  # still running (or killed): the table says so
        assert "(interrupted)" in history.table([run_])
        rec.end_session(s)
        rec.close()
        (run_,) = reader.runs()
        assert run_.ended_at is not None and "(interrupted)" not in history.table([run_])


def test_a_reset_keeps_the_reps_but_not_in_the_count(tmp_path):
    s = session("cat_cow", [], mode="live")
    with Store(tmp_path / "h.sqlite3") as store:
        rec = RunRecorder(store, "live", s.model)
        sink = rec.sink(s)
        for e in [rep(1.0), rep(4.0), Event("reset", 5.0), rep(7.0), rep(9.0, partial=True)]:
            sink(e)
            s.add([e], None)
        rec.end_session(s)
        rec.close()
        assert [r[0] for r in store.conn.execute("SELECT counted FROM reps ORDER BY id")] == [0, 0, 1, 0]
        assert store.runs()[0].sessions[0]["reps"] == 1
        ((_, (record,)),) = store.records()
    assert record["rep_count"] == 1 and len(record["resets"][0]["reps"]) == 2


def _fill(store):
    """An analyze of cat-cow last week, a routine today (open book both sides, cobra), a live cobra today."""
    today = datetime.now().astimezone().replace(microsecond=0)
    cat = session("cat_cow", [rep(t) for t in (2, 6, 10, 14, 18)], started=today - timedelta(days=8))
    store.save(cat)
    from spinecoach.exercises import routine

    plan = routine.get("thoracic_mobility")
    rec = RunRecorder(store, "routine", cat.model, plan.name, "1")
    for k, s in ((0, session("open_book", [rep(t, "left") for t in range(0, 24, 3)] +
                                          [rep(t, "right") for t in range(30, 45, 3)], today, "routine")),
                 (3, session("cobra", hold(3, 20), today, "routine"))):
        sink = rec.sink(s, k, step_target(plan.steps[k]))
        for e in s.events:
            sink(e)
        rec.end_session(s)
    rec.close()
    # Later than the routine, whose run starts when it is recorded (a second boundary may pass before it).
    store.save(session("cobra", hold(2, 9), today + timedelta(minutes=5), "live"))


def test_history_lists_runs_with_dose_and_target(capsys):
    with Store() as store:
        _fill(store)
    code, out, _ = run(capsys, "history")
    lines = out.splitlines()
    assert code == 0 and len([x for x in lines if x[:4].strip().isdigit()]) == 3
    assert any("Cat-cow" in x and "5 reps" in x and "5-10 reps ✓" in x for x in lines)
    assert any("thoracic_mobility" in x and "1 of 2 steps met" in x for x in lines)
    assert any("Open book" in x and "L 8 R 5" in x and "8 reps per side ✗" in x for x in lines)
    assert any("Cobra" in x and "holds 17 s" in x and "15 s ✓" in x for x in lines)
    code, out, _ = run(capsys, "history", "--exercise", "cobra")
    assert "Cat-cow" not in out and out.count("Cobra") == 2
    code, out, _ = run(capsys, "history", "--since", (datetime.now() - timedelta(days=2)).date().isoformat())
    assert "Cat-cow" not in out and "thoracic_mobility" in out


def test_history_exports_csv_and_json(capsys, tmp_path):
    with Store() as store:
        _fill(store)
    code, out, _ = run(capsys, "history", "export", "--csv")
    rows = list(csv.DictReader(io.StringIO(out)))
    assert code == 0 and len(rows) == 4
    assert [r["exercise"] for r in rows] == ["cat_cow", "open_book", "cobra", "cobra"]
    book = rows[1]
    assert (book["reps_left"], book["reps_right"], book["target_low"], book["target_met"]) == ("8", "5", "8.0", "False")
    assert rows[2]["step"] == "3" and float(rows[2]["longest_hold_s"]) == 17.0 and rows[2]["target_met"] == "True"
    assert run(capsys, "history", "export", "--json", "-o", str(tmp_path / "all.json"))[0] == 0
    records = json.loads((tmp_path / "all.json").read_text())
    check = validator()
    for r in records:
        check.validate(r)
    assert [r["run_id"] for r in records] == [1, 2, 2, 3]
    code, out, _ = run(capsys, "history", "export", "--csv", "--exercise", "cobra")
    assert [r["run_id"] for r in csv.DictReader(io.StringIO(out))] == ["2", "3"]  # the routine's cobra step only


def test_history_mistakes_are_one_line(capsys):
    assert run(capsys, "history")[1].strip() == "No sessions saved yet (or none match)."
    code, _, err = run(capsys, "history", "export")
    assert code == 1 and err.strip() == "Error: say which format: `spinecoach history export --csv` or `--json`"
    code, _, err = run(capsys, "history", "--since", "last week")
    assert code == 1 and err.strip().startswith("Error: --since 'last week' is not a date")
    code, _, err = run(capsys, "history", "--csv")
    assert code == 1 and "go with `spinecoach history export`" in err


@pytest.mark.slow
def test_analyze_saves_unless_no_save(capsys, tmp_path, tracks):
    video = str(SAMPLES / "cobra_side.mp4")
    assert run(capsys, "analyze", video, "--exercise", "cobra", "--no-save")[0] == 0
    assert not (tmp_path / "history.sqlite3").exists()
    assert run(capsys, "analyze", video, "--exercise", "cobra")[0] == 0
    with Store() as store:
        ((run_, (rec,)),) = store.records()
    assert run_.mode == "analyze" and rec["source"] == video and len(rec["holds"]) == 2


def _logged_reps(path):
    reps = []
    for line in path.read_text().splitlines() if path.exists() else []:
        try:
            e = json.loads(line)
        except json.JSONDecodeError:  # the line being written when we looked
            continue
        if e["event"] == "rep":
            reps.append((e["rep"]["start_s"], e["rep"]["end_s"]))
    return reps


@pytest.mark.slow
def test_a_live_session_killed_mid_set_keeps_every_rep_counted(tmp_path):
    db, log = tmp_path / "killed.sqlite3", tmp_path / "events.jsonl"
    proc = subprocess.Popen([sys.executable, "-m", "spinecoach.cli", "live", "--exercise", "cat_cow", "--source",
                             str(SAMPLES / "cat_cow_side.mp4"), "--no-window", "--unpaced", "--no-voice",
                             "--events", str(log)], env={**os.environ, "SPINECOACH_DB": str(db)},
                            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    deadline = time.monotonic() + 300
    while len(_logged_reps(log)) < 3 and proc.poll() is None and time.monotonic() < deadline:
        time.sleep(0.02)
    proc.send_signal(signal.SIGKILL)
    _, err = proc.communicate(timeout=30)
    assert proc.returncode == -signal.SIGKILL, f"the run ended by itself before 3 reps: {err.decode()[-500:]}"
    logged = _logged_reps(log)
    assert 3 <= len(logged) < 6  # cat_cow_side holds 6 reps: killed mid-set
    with Store(db) as store:  # opens: the WAL is recovered
        stored = [(round(a, 3), round(b, 3)) for a, b in
                  store.conn.execute("SELECT start_s, end_s FROM reps WHERE counted ORDER BY id")]
        ((run_, (rec,)),) = store.records()
    assert set(logged) <= set(stored)  # every rep the log showed is in the database
    assert len(stored) <= len(logged) + 1  # at most one saved between its commit and its log line
    assert run_.ended_at is None and rec["interrupted"] and rec["rep_count"] == len(stored)
    validator().validate(rec)
