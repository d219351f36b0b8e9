"""Errors: bad arguments and bad files raise smlm.Error (a RuntimeError) with the one line the
smlm command prints (its option names written as the Python argument names)."""
import numpy as np
import pytest

import smlm


@pytest.fixture(scope="module")
def movie():
    return smlm.simulate(frames=3, size=32, seed=2)[0]


def test_error_is_a_runtime_error():
    assert issubclass(smlm.Error, RuntimeError)
    assert smlm.Error.__module__ == "smlm"


@pytest.mark.parametrize("call", ["localize", "read_table", "evaluate", "render", "read_movie"])
def test_missing_files_are_named(tmp_path, call):
    missing = tmp_path / "no_such_file.csv"
    calls = {
        "localize": lambda: smlm.localize(tmp_path / "no_such_movie.tif"),
        "read_table": lambda: smlm.read_table(missing),
        "evaluate": lambda: smlm.evaluate(missing, {"frame": [1], "x_nm": [1], "y_nm": [1]}),
        "render": lambda: smlm.render(missing),
        "read_movie": lambda: smlm.read_movie(tmp_path / "no_such_movie.tif"),
    }
    with pytest.raises(smlm.Error, match="no_such_"):
        calls[call]()


def test_a_damaged_tiff_is_named(tmp_path):
    bad = tmp_path / "broken.tif"
    bad.write_bytes(b"II*\x00 this is not a TIFF")
    with pytest.raises(smlm.Error, match="broken.tif"):
        smlm.localize(bad)


# (Python call, the CLI's arguments for the same mistake): the messages are the CLI's.
SAME_AS_CLI = [
    (lambda m: smlm.localize(m, pixel_size=0), ["localize", "M", "-o", "o.csv", "--pixel-size", 0]),
    (lambda m: smlm.localize(m, qe=1.5), ["localize", "M", "-o", "o.csv", "--qe", 1.5]),
    (lambda m: smlm.localize(m, fitter="gauss"), ["localize", "M", "-o", "o.csv", "--fitter",
                                                   "gauss"]),
    (lambda m: smlm.localize(m, device="tpu"), ["localize", "M", "-o", "o.csv", "--device", "tpu"]),
    (lambda m: smlm.localize(m, threshold=-1), ["localize", "M", "-o", "o.csv", "--threshold", -1]),
    (lambda m: smlm.simulate(frames=2, density=-1), ["simulate", "-o", "m.tif", "--truth", "t.csv",
                                                      "--frames", 2, "--density", -1]),
    (lambda m: smlm.simulate(frames=2, k_on=0), ["simulate", "-o", "m.tif", "--truth", "t.csv",
                                                 "--frames", 2, "--k-on", 0]),
    (lambda m: smlm.simulate(frames=2, em_gain=0.5), ["simulate", "-o", "m.tif", "--truth",
                                                      "t.csv", "--frames", 2, "--em-gain", 0.5]),
    # The method factory's checks (localization/nets/registry.h) name the CLI's options.
    (lambda m: smlm.localize(m, method="magic"), ["localize", "M", "-o", "o.csv", "--method",
                                                  "magic"]),
    (lambda m: smlm.localize(m, method="deepstorm"), ["localize", "M", "-o", "o.csv", "--method",
                                                      "deepstorm"]),
    (lambda m: smlm.localize(m, refine="mle"), ["localize", "M", "-o", "o.csv", "--refine",
                                                "mle"]),
]


@pytest.mark.parametrize("case", range(len(SAME_AS_CLI)))
def test_messages_are_the_clis(tmp_path, cli, cli_error, movie, case):
    call, args = SAME_AS_CLI[case]
    cli("simulate", "-o", tmp_path / "M.tif", "--truth", tmp_path / "T.csv", "--frames", 2)
    args = [tmp_path / "M.tif" if a == "M" else tmp_path / a if a in ("o.csv", "m.tif", "t.csv")
            else a for a in args]
    expected = cli_error(*args)
    with pytest.raises(smlm.Error) as e:
        call(movie)
    assert str(e.value) == expected


# Checks the CLI makes itself, on its option names: the same words, with Python's names.
RENAMED = [
    (lambda m: smlm.localize(m, roi=4), "localize", ["--roi", 4], "--roi", "roi"),
    (lambda m: smlm.localize(m, psf_sigma=-5), "localize", ["--psf-sigma", -5], "--psf-sigma",
     "psf_sigma"),
    (lambda m: smlm.localize(m, batch=0), "localize", ["--batch", 0], "--batch", "batch"),
    (lambda m: smlm.localize(m, threads=-1), "localize", ["--threads", -1], "--threads",
     "threads"),
    (lambda m: smlm.localize(m, threads=100000), "localize", ["--threads", 100000], "--threads",
     "threads"),
    (lambda m: smlm.simulate(frames=2, structure="grid"), "simulate", ["--structure", "grid"],
     "--structure", "structure"),
]


@pytest.mark.parametrize("case", range(len(RENAMED)))
def test_option_checks_name_the_argument(tmp_path, cli, cli_error, movie, case):
    call, command, args, flag, name = RENAMED[case]
    cli("simulate", "-o", tmp_path / "M.tif", "--truth", tmp_path / "T.csv", "--frames", 2)
    if command == "localize":
        expected = cli_error("localize", tmp_path / "M.tif", "-o", tmp_path / "o.csv", *args)
    else:
        expected = cli_error("simulate", "-o", tmp_path / "m.tif", "--truth", tmp_path / "t.csv",
                             *args)
    with pytest.raises(smlm.Error) as e:
        call(movie)
    assert str(e.value) == expected.replace(flag, name)


@pytest.mark.parametrize(
    "call, message",
    [
        (lambda m: smlm.localize(m[0, 0]), "movie: expected an array"),
        (lambda m: smlm.localize(m > 100), "movie: pixels must be integers or float32/float64"),
        (lambda m: smlm.localize(m, model="no_model.h5"), "no_model.h5"),
        (lambda m: smlm.localize(m, psf_model="spline"), "psf_model needs psf=FILE"),
        (lambda m: smlm.simulate(size=(64, 0)), "size: \\(64, 0\\) must be positive"),
        (lambda m: smlm.render({"frame": [1], "x_nm": [1.0], "y_nm": [2.0]}, method="dots"),
         "method: 'dots' is not histogram, gaussian or ash"),
        (lambda m: smlm.render({"frame": [1], "x": [1.0], "y": [2.0]}),
         "locs: column 'x' is a length: name it 'x_nm'"),
        (lambda m: smlm.evaluate({"frame": [1], "x_nm": [1.0]}, {"frame": [1], "x_nm": [1.0],
                                                                "y_nm": [3.0]}),
         "no column 'y'"),
        (lambda m: smlm.evaluate({"frame": [1, 2], "x_nm": [1.0], "y_nm": [1.0]}, {}),
         "locs: column 'x_nm' has 1 values, the first column 2"),
        (lambda m: smlm.evaluate({}, {}, radius=0), "radius: 0 must be positive"),
        (lambda m: smlm.write_table("t.xlsx", {"frame": [1], "x_nm": [1.0], "y_nm": [1.0]}),
         "t.xlsx"),
        (lambda m: smlm.write_movie("m.tif", m.astype(np.int64)),
         "uint8, uint16, uint32 or float32"),
    ],
)
def test_python_side_checks(movie, call, message):
    with pytest.raises(smlm.Error, match=message):
        call(movie)


def test_nothing_is_left_behind(tmp_path):
    # A failed write leaves no file, as with the CLI.
    with pytest.raises(smlm.Error):
        smlm.write_table(tmp_path / "t.hdf5", {"frame": [1], "x_nm": [1.0], "y_nm": [1.0]})
    assert list(tmp_path.iterdir()) == []
