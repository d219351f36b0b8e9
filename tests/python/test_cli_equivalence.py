"""The Python API gives what the smlm command gives: the same movie and truth from simulate, the
same localizations from localize (of the CLI's TIFF, and of the movie as an array of any type or
layout), the same evaluation and the same rendered image."""
import json

import numpy as np
import pytest

import smlm
from helpers import assert_tables_equal

# (simulate options, localize options) as CLI flags; each Python call below passes the same
# values by keyword. The second case changes every camera setting and most fitting settings.
CASES = {
    "defaults": ({"frames": 40, "seed": 5}, {}),
    "emccd": (
        {"frames": 25, "size": "80x48", "structure": "filaments", "density": 0.8,
         "photons": 3000, "background": 30, "psf-sigma": 140, "em-gain": 100,
         "photons-per-adu": 10, "qe": 0.9, "read-noise": 5, "baseline": 90, "pixel-size": 110,
         "k-on": 0.1, "k-off": 0.4, "k-bleach": 0.01, "seed": 9},
        {"em-gain": 100, "photons-per-adu": 10, "qe": 0.9, "baseline": 90, "pixel-size": 110,
         "threshold": 1.5, "roi": 9, "psf-sigma": 140, "fixed-sigma": True, "batch": 7,
         "max-iterations": 30},
    ),
    # A wide PSF: the default ROI grows with it (95% of its photons).
    "wide-psf": ({"frames": 20, "psf-sigma": 220, "density": 0.3, "seed": 13},
                 {"psf-sigma": 220, "fitter": "ceres"}),
}


def flags(options):
    out = []
    for k, v in options.items():
        out += [f"--{k}"] if v is True else [f"--{k}", str(v)]
    return out


def kwargs(options):
    out = {k.replace("-", "_"): v for k, v in options.items()}
    if "size" in out:
        out["size"] = tuple(int(s) for s in out["size"].split("x"))
    return out


@pytest.fixture(scope="module", params=list(CASES))
def run(request, cli, tmp_path_factory):
    """The CLI's files for one case: movie.tif, truth.csv, locs.csv."""
    sim, loc = CASES[request.param]
    d = tmp_path_factory.mktemp(request.param)
    cli("simulate", "-o", d / "movie.tif", "--truth", d / "truth.csv", *flags(sim))
    cli("localize", d / "movie.tif", "-o", d / "locs.csv", *flags(loc))
    return d, sim, loc


def test_simulate_gives_the_cli_movie_and_truth(run):
    d, sim, _ = run
    movie, truth = smlm.simulate(**kwargs(sim))
    assert movie.dtype == np.uint16
    np.testing.assert_array_equal(movie, smlm.read_movie(d / "movie.tif"))
    assert_tables_equal(truth, smlm.read_table(d / "truth.csv"))
    assert len(truth["frame"]) > 100


def test_localize_file_and_array_give_the_cli_localizations(run):
    d, _, loc = run
    expected = smlm.read_table(d / "locs.csv")
    assert len(expected["frame"]) > 100
    assert expected["frame"].min() == 1  # 1-based, as in the CSV
    from_file = smlm.localize(d / "movie.tif", **kwargs(loc))
    assert_tables_equal(from_file, expected)

    movie = smlm.read_movie(d / "movie.tif")
    assert_tables_equal(smlm.localize(movie, **kwargs(loc)), expected)
    # Any real dtype and memory layout: float64, Fortran order, a negative-stride view.
    as_f64 = np.asfortranarray(movie.astype(np.float64))
    assert_tables_equal(smlm.localize(as_f64, **kwargs(loc)), expected)
    flipped = movie[:, ::-1, :].copy()[:, ::-1, :]  # the same pixels through negative strides
    assert flipped.strides[1] < 0
    assert_tables_equal(smlm.localize(flipped, **kwargs(loc)), expected)


def test_one_frame_as_a_2d_array(run):
    d, _, loc = run
    movie = smlm.read_movie(d / "movie.tif")
    expected = smlm.read_table(d / "locs.csv")
    first = expected["frame"] == 1
    got = smlm.localize(movie[0], **kwargs(loc))
    assert got["frame"].size == first.sum() > 0
    np.testing.assert_array_equal(got["x_nm"], expected["x_nm"][first])


def test_evaluate_gives_the_cli_json(run, cli):
    d, _, _ = run
    expected = json.loads(cli("evaluate", d / "locs.csv", "--truth", d / "truth.csv",
                              "--radius", 200))
    locs, truth = smlm.read_table(d / "locs.csv"), smlm.read_table(d / "truth.csv")
    got = smlm.evaluate(locs, truth, radius=200)
    assert got == expected
    assert list(got) == list(expected)
    assert got["true_positives"] > 100 and got["precision"] > 0.9
    # File names work too.
    assert smlm.evaluate(d / "locs.csv", d / "truth.csv", radius=200) == expected


@pytest.mark.parametrize("method", ["gaussian", "histogram"])
def test_render_gives_the_cli_image(run, cli, method):
    d, _, _ = run
    cli("render", d / "locs.csv", "-o", d / f"{method}.tif", "--pixel-size", 20, "--method",
        method)
    expected = smlm.read_movie(d / f"{method}.tif")[0]
    got = smlm.render(smlm.read_table(d / "locs.csv"), 20, method=method)
    assert got.dtype == np.float32
    np.testing.assert_array_equal(got, expected)
    n = len(smlm.read_table(d / "locs.csv")["frame"])
    if method == "histogram":
        assert got.sum() == n
