"""The report: one self-contained HTML file with plots, rendered by headless Chromium and looked at."""

import json
import re
from datetime import datetime, timedelta

import cv2
import numpy as np
import pytest
from conftest import SAMPLES
from make_sessions import hold, rep, session, validator

from spinecoach import cli
from spinecoach.render import report
from spinecoach.session.storage import Store

needs_chromium = pytest.mark.skipif(report.find_browser() is None,
                                    reason="needs Chromium (Debian: apt-get install chromium)")


def run(capsys, *argv):
    code = cli.main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def _history(store, weeks: int = 3):
    """A few weeks of sessions: cat-cow and open book reps, cobra holds, one open book filmed badly."""
    today = datetime.now().astimezone().replace(microsecond=0)
    for w in range(weeks):
        day = today - timedelta(days=7 * (weeks - 1 - w))
        store.save(session("cat_cow", [rep(3 * i, rom=30 + 3 * w + i) for i in range(5 + w)] + [rep(30, rom=9, partial=True)],
                           started=day))
        book = session("open_book", [rep(3 * i, side, rom=20 + 2 * w + i, checks={"arm_behind": i % 3 > 0})
                                     for i, side in enumerate(["left"] * 8 + ["right"] * (6 + w))], started=day)
        store.save(book)
        store.save(session("cobra", hold(2, 12 + 4 * w) + hold(30, 40), started=day))


def test_the_report_has_every_section_and_fetches_nothing(tmp_path):
    with Store() as store:
        _history(store)
        runs = report.runs_from_store(store)
    page = report.build(runs)
    for heading in ("Dose against target", "Range per rep", "Holds", "Form checks", "Trends per week"):
        assert f"<h2>{heading}</h2>" in page
    assert page.count("<svg") == 2 + 1 + 3  # range (cat-cow, open book), holds (cobra), three trends
    assert "✓" in page and "✗" in page  # open book right side under target in the first weeks
    assert "Sweep the top arm over to the floor behind you" in page and "arm_behind" in page
    # Self-contained: no script, no stylesheet link, nothing loaded from anywhere.
    assert "<script" not in page and "<link" not in page
    assert not re.search(r"""(src|href)\s*=\s*["']?(https?:|//)""", page)
    assert not re.search(r"url\((?!#)", page)  # only references inside the page (SVG clip paths)


def test_doses_are_per_step_and_side_against_target():
    day = datetime.now().astimezone()
    run_ = report.Run("1", "analyze", day, "Open book",
                      (session("open_book", [rep(i, "left") for i in range(8)] + [rep(20, "right")]).summary(),))
    rows = report.doses(run_)
    assert [(r["side"], r["done"], r["met"]) for r in rows] == [("left", "8 reps", True), ("right", "1 reps", False)]
    cobra = report.Run("2", "live", day, "Cobra", (session("cobra", hold(0, 12) + hold(20, 36)).summary(),))
    assert [(r["done"], r["met"]) for r in report.doses(cobra)] == [("16 s", True)]


def test_weekly_trends_count_reps_days_and_doses_met():
    with Store() as store:
        _history(store)
        weeks = report.weekly(report.runs_from_store(store))
    assert len(weeks) == 3 and [w["reps"]["Cat-cow"] for w in weeks] == [5, 6, 7]
    assert all(w["days"] == 1 for w in weeks)
    # Doses per week: cat-cow and open book left met; open book right (6, 7, 8 of 8) and cobra
    # (longest hold 10, 14, 18 of 15 s) only in week 3.
    assert [round(w["met_share"], 2) for w in weeks] == [0.5, 0.5, 1.0]


def test_session_json_files_can_be_reported(tmp_path, capsys):
    a = tmp_path / "a.json"
    a.write_text(json.dumps(session("cat_cow", [rep(1), rep(5)]).summary()))
    code, out, _ = run(capsys, "report", str(a), "-o", str(tmp_path / "r.html"))
    assert code == 0 and "1 runs, 1 sessions" in out and "Cat-cow" in (tmp_path / "r.html").read_text()
    old = tmp_path / "old.json"
    old.write_text(json.dumps({"schema": 1, "exercise": "cat_cow"}))
    code, _, err = run(capsys, "report", str(old), "-o", str(tmp_path / "r.html"))
    assert code == 1 and "not a spinecoach session record of schema version 2" in err


def test_an_empty_history_is_one_line(tmp_path, capsys):
    code, _, err = run(capsys, "report", "-o", str(tmp_path / "r.html"))
    assert code == 1 and err.strip() == "Error: no sessions to report; run analyze, live or routine first, " \
                                        "or widen --since"
    code, _, err = run(capsys, "report", "7", "-o", str(tmp_path / "r.html"))
    assert code == 1 and "no run 7 in the history" in err


def screenshot(html, png, tmp_path, height=2400):
    report.headless(["--hide-scrollbars", f"--window-size=1100,{height}", f"--screenshot={png}",
                     html.resolve().as_uri()])
    img = cv2.imread(str(png))
    assert img is not None, "Chromium wrote no screenshot"
    return img


def colour_share(img, hex_colour, tol=12):
    rgb = np.array([int(hex_colour[i:i + 2], 16) for i in (1, 3, 5)])
    return float((np.abs(img[:, :, ::-1].astype(int) - rgb).max(axis=2) <= tol).mean())


def check_screenshot(img):
    """Not blank, and the plots are drawn: the target band and the markers' colours are on the page."""
    assert img.std() > 20 and (img.min(axis=2) < 200).mean() > 0.02  # text and lines on white
    assert colour_share(img, report.BAND) > 0.01  # target bands (and the adherence bars)
    assert colour_share(img, report.BOTH) > 0.0005  # reps and holds
    assert colour_share(img, report.LEFT) > 0.0002  # left-side reps


@needs_chromium
@pytest.mark.slow
def test_the_report_renders_in_headless_chromium(tmp_path):
    with Store() as store:
        _history(store)
        report.write(report.runs_from_store(store), tmp_path / "r.html")
    check_screenshot(screenshot(tmp_path / "r.html", tmp_path / "r.png", tmp_path))


@needs_chromium
@pytest.mark.slow
def test_a_pdf_is_printed_from_the_same_page(tmp_path, capsys):
    with Store() as store:
        _history(store, weeks=1)
    code, _, _ = run(capsys, "report", "-o", str(tmp_path / "r.html"), "--pdf", str(tmp_path / "r.pdf"))
    data = (tmp_path / "r.pdf").read_bytes()
    assert code == 0 and data.startswith(b"%PDF") and len(data) > 20_000


@needs_chromium
@pytest.mark.slow
def test_two_analyses_and_a_routine_are_listed_and_reported(tmp_path, capsys, tracks):
    """The issue's check: analyze two bundled clips, run a routine, then history and report."""
    for clip, name in (("cat_cow_side", "cat_cow"), ("cobra_side", "cobra")):
        assert run(capsys, "analyze", str(SAMPLES / f"{clip}.mp4"), "--exercise", name)[0] == 0
    assert run(capsys, "routine", "thoracic_mobility", "--source", str(SAMPLES / "open_book_left_front.mp4"),
               "--source", str(SAMPLES / "open_book_right_oblique.mp4"), "--no-window", "--unpaced",
               "--countdown", "0", "--json", str(tmp_path / "routine.json"))[0] == 0
    validator().validate(json.loads((tmp_path / "routine.json").read_text()))
    code, out, _ = run(capsys, "history")
    runs = [x for x in out.splitlines() if x[:4].strip().isdigit()]
    assert code == 0 and len(runs) == 3, out
    assert "Cat-cow" in runs[0] and "Cobra" in runs[1] and "thoracic_mobility" in runs[2]
    assert "Open book" in out
    code, out, _ = run(capsys, "report", "-o", str(tmp_path / "report.html"))
    assert code == 0 and "3 runs" in out
    check_screenshot(screenshot(tmp_path / "report.html", tmp_path / "report.png", tmp_path))
