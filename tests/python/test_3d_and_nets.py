"""3D and Deep-STORM through the Python API, against the smlm command: a PSF calibrated by
`smlm calibrate` from a bead stack written with write_movie, 3D simulation and localization
with it (astigmatic and spline models), a pupil-function PSF, 3D rendering; and a Deep-STORM
model trained by `smlm train` (a tiny one: the wiring is under test, not the net)."""
import numpy as np
import pytest

import smlm
from helpers import assert_tables_equal


def bead_stack():
    """41 slices, 20 nm apart, of four astigmatic beads (tests/cli/cli_test.cpp's stack)."""
    h = w = 80
    y, x = np.mgrid[0:h, 0:w]
    frames = []
    for k in range(41):
        z = -400.0 + 20.0 * k
        sx = 1.3 * np.sqrt(1 + ((z + 200) / 320) ** 2)
        sy = 1.4 * np.sqrt(1 + ((z - 220) / 300) ** 2)
        f = np.full((h, w), 108.0)
        for bx, by in [(20.3, 22.7), (58.8, 18.4), (25.6, 60.2), (60.4, 62.9)]:
            f += 20000 / (2 * np.pi * sx * sy) * np.exp(
                -0.5 * (((x - bx) / sx) ** 2 + ((y - by) / sy) ** 2))
        frames.append(f)
    return np.round(np.array(frames)).astype(np.uint16)


@pytest.fixture(scope="module")
def calibration(cli, tmp_path_factory):
    d = tmp_path_factory.mktemp("psf")
    smlm.write_movie(d / "beads.tif", bead_stack())
    cli("calibrate", d / "beads.tif", "--z-step", 20, "-o", d / "psf.h5")
    return d


@pytest.mark.parametrize("model", ["astigmatic", "spline"])
def test_3d_simulate_and_localize_give_the_clis(cli, calibration, model):
    d = calibration
    psf = d / "psf.h5"
    kind = "astig" if model == "astigmatic" else "spline"
    cli("simulate", "-o", d / f"{model}.tif", "--truth", d / f"{model}-truth.csv", "--frames",
        15, "--psf", f"{kind}:{psf}", "--z-range", "-300,300", "--seed", 4)
    movie, truth = smlm.simulate(frames=15, psf=f"{kind}:{psf}", z_range=(-300, 300), seed=4)
    np.testing.assert_array_equal(movie, smlm.read_movie(d / f"{model}.tif"))
    # The simulator appends z last; CSV files put it after y.
    assert_tables_equal(truth, smlm.read_table(d / f"{model}-truth.csv"), ordered=False)
    assert "z_nm" in truth

    # The default ROI, which follows the calibrated PSF (wider than 2D's 7 px).
    cli("localize", d / f"{model}.tif", "-o", d / f"{model}-locs.csv", "--psf", psf,
        "--psf-model", model)
    expected = smlm.read_table(d / f"{model}-locs.csv")
    got = smlm.localize(movie, psf=psf, psf_model=model)
    assert_tables_equal(got, expected)
    assert {"z_nm", "uncertainty_z_nm"} <= set(got)
    assert len(got["frame"]) > 100
    # The axial error is of the order of the axial CRLB (overlaps aside).
    report = smlm.evaluate(got, truth)
    assert "rmse_axial_nm" in report and report["rmse_axial_nm"] < 100


def test_pupil_psf_gives_the_clis(cli, tmp_path):
    cli("simulate", "-o", tmp_path / "m.tif", "--truth", tmp_path / "t.csv", "--frames", 3,
        "--psf", "pupil:astigmatism", "--z-range", "-300,300", "--seed", 4)
    movie, truth = smlm.simulate(frames=3, psf="pupil:astigmatism", z_range=(-300, 300), seed=4)
    np.testing.assert_array_equal(movie, smlm.read_movie(tmp_path / "m.tif"))
    assert_tables_equal(truth, smlm.read_table(tmp_path / "t.csv"), ordered=False)


def test_3d_rendering(calibration):
    movie, _ = smlm.simulate(frames=15, psf=f"astig:{calibration / 'psf.h5'}", seed=4)
    locs = smlm.localize(movie, psf=calibration / "psf.h5")
    rgb = smlm.render(locs, 20, color="z", z_range=(-300, 300))
    assert rgb.dtype == np.uint8 and rgb.ndim == 3 and rgb.shape[2] == 3 and rgb.max() > 0
    side = smlm.render(locs, 20, view="xz", method="histogram")
    assert side.sum() == len(locs["frame"])  # every localization lands in the side view
    with pytest.raises(smlm.Error, match="need a z column"):
        smlm.render({"frame": [1], "x_nm": [1.0], "y_nm": [1.0]}, view="xz")


def test_deepstorm_gives_the_clis(cli, tmp_path):
    cli("simulate", "-o", tmp_path / "m.tif", "--truth", tmp_path / "t.csv", "--frames", 4,
        "--size", 32, "--seed", 3)
    cli("train", "deepstorm", "-o", tmp_path / "model.h5", "--steps", 2, "--batch", 2,
        "--widths", "4,4,4,4", "--patch", 16, "--epoch-steps", 2, "--checkpoint-every", 2)
    for refine in ("none", "mle"):
        cli("localize", tmp_path / "m.tif", "-o", tmp_path / "ds.csv", "--method", "deepstorm",
            "--model", tmp_path / "model.h5", "--refine", refine)
        got = smlm.localize(tmp_path / "m.tif", method="deepstorm", model=tmp_path / "model.h5",
                            refine=refine)
        assert_tables_equal(got, smlm.read_table(tmp_path / "ds.csv"))
        # Without a method, the model file's own kind.
        assert_tables_equal(smlm.localize(tmp_path / "m.tif", model=tmp_path / "model.h5",
                                          refine=refine), got)
    with pytest.raises(smlm.Error, match="not none or mle"):
        smlm.localize(tmp_path / "m.tif", method="deepstorm", model=tmp_path / "model.h5",
                      refine="more")
    with pytest.raises(smlm.Error, match="no_model.h5"):
        smlm.localize(tmp_path / "m.tif", method="deepstorm", model=tmp_path / "no_model.h5")
