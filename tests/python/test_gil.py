"""The engine runs without the GIL: while a call is inside C++, another Python thread runs.

Deterministic, not a timing ratio: the switch interval is raised far above the calls' length, so
that the interpreter never takes the GIL from a thread that holds it; a counter thread that
sleeps (releasing the GIL) between its steps can then run while the main thread is inside the
engine only if the engine has released the GIL itself. The counter counts its steps taken while
a flag, set just around the extension's call, is up.
"""
import sys
import threading
import time

import pytest

import smlm
from smlm import _smlm


@pytest.fixture(scope="module")
def movie():
    return smlm.simulate(frames=300, size=64, density=0.5, seed=4)[0]


def steps_inside(monkeypatch, name, call):
    inside = False
    steps = 0
    stop = threading.Event()
    original = getattr(_smlm, name)

    def flagged(*args, **kwargs):
        nonlocal inside
        inside = True
        try:
            return original(*args, **kwargs)
        finally:
            inside = False

    def counter():
        nonlocal steps
        while not stop.is_set():
            if inside:
                steps += 1
            time.sleep(0.0005)

    monkeypatch.setattr(_smlm, name, flagged)
    interval = sys.getswitchinterval()
    sys.setswitchinterval(30.0)
    thread = threading.Thread(target=counter)
    try:
        thread.start()
        result = call()
    finally:
        stop.set()
        thread.join()
        sys.setswitchinterval(interval)
    return steps, result


@pytest.mark.parametrize("source", ["array", "file"])
def test_localize_releases_the_gil(monkeypatch, tmp_path, movie, source):
    arg = movie
    if source == "file":
        arg = tmp_path / "movie.tif"
        smlm.write_movie(arg, movie)
    steps, locs = steps_inside(monkeypatch, "localize", lambda: smlm.localize(arg, threads=1))
    assert len(locs["frame"]) > 1000
    assert steps > 0


def test_simulate_releases_the_gil(monkeypatch):
    steps, (movie, _) = steps_inside(monkeypatch, "simulate",
                                     lambda: smlm.simulate(frames=300, size=128, seed=1))
    assert movie.shape == (300, 128, 128)
    assert steps > 0


def test_render_releases_the_gil(monkeypatch, movie):
    locs = smlm.localize(movie)
    steps, image = steps_inside(monkeypatch, "render", lambda: smlm.render(locs, 2))
    assert image.sum() > 0
    assert steps > 0
