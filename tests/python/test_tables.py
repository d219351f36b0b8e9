"""Tables through files: write_table and read_table in every format the CLI knows, and the same
files as `smlm convert` writes; the dict form of a table (keys, units, 1-based frames)."""
import numpy as np
import pytest

import smlm

FORMATS = ["csv", "hdf5", "h5", "ply", "smlm"]


@pytest.fixture(scope="module")
def locs():
    movie, _ = smlm.simulate(frames=30, seed=21)
    t = smlm.localize(movie)
    assert len(t["frame"]) > 100
    return t


def test_the_dict_form(locs):
    assert list(locs) == ["frame", "x_nm", "y_nm", "sigma_nm", "intensity", "offset", "bkgstd",
                          "uncertainty_xy_nm", "loglikelihood", "p_value"]
    assert locs["frame"].dtype == np.int64
    assert locs["frame"].min() >= 1 and locs["frame"].max() <= 30
    assert all(v.dtype == np.float64 for k, v in locs.items() if k != "frame")
    assert np.all(np.diff(locs["frame"]) >= 0)


@pytest.mark.parametrize("ext", FORMATS)
def test_round_trip(tmp_path, locs, ext):
    path = tmp_path / f"locs.{ext}"
    smlm.write_table(path, locs, pixel_size=100)
    back = smlm.read_table(path)
    assert {"frame", "x_nm", "y_nm"} <= set(back)
    np.testing.assert_array_equal(back["frame"], locs["frame"])
    for key, values in back.items():
        if key in locs:
            # csv is exact; the binary formats store float32 (Picasso in camera pixels).
            tol = 0 if ext == "csv" else 1e-6
            np.testing.assert_allclose(values, locs[key], rtol=tol, atol=tol * 1e4, err_msg=key)
    if ext in ("csv", "smlm"):
        assert list(back) == list(locs)


@pytest.mark.parametrize("ext", FORMATS)
def test_files_equal_the_cli_convert(tmp_path, cli, locs, ext):
    smlm.write_table(tmp_path / "locs.csv", locs)
    cli("convert", tmp_path / "locs.csv", "-o", tmp_path / f"cli.{ext}", "--pixel-size", 100)
    smlm.write_table(tmp_path / f"py.{ext}", locs, pixel_size=100)
    a = smlm.read_table(tmp_path / f"cli.{ext}")
    b = smlm.read_table(tmp_path / f"py.{ext}")
    assert list(a) == list(b)
    for k in a:
        np.testing.assert_array_equal(a[k], b[k], err_msg=k)


@pytest.mark.parametrize("ext", ["csv", "smlm"])
def test_unknown_columns_are_kept(tmp_path, locs, ext):
    t = dict(locs)
    t["score"] = np.linspace(0, 1, len(t["frame"]))
    t["radius_nm"] = np.full(len(t["frame"]), 42.5)
    smlm.write_table(tmp_path / f"t.{ext}", t)
    back = smlm.read_table(tmp_path / f"t.{ext}")
    assert list(back)[-2:] == ["score", "radius_nm"]
    np.testing.assert_allclose(back["score"], t["score"], rtol=1e-7)
    np.testing.assert_allclose(back["radius_nm"], 42.5)


def test_picasso_without_sidecar_needs_the_pixel_size(tmp_path, locs):
    smlm.write_table(tmp_path / "p.hdf5", locs, pixel_size=100, width=64, height=64, frames=30)
    (tmp_path / "p.yaml").unlink()
    with pytest.raises(smlm.Error, match="p.hdf5"):
        smlm.read_table(tmp_path / "p.hdf5")
    back = smlm.read_table(tmp_path / "p.hdf5", pixel_size=100)
    np.testing.assert_allclose(back["x_nm"], locs["x_nm"], rtol=1e-6)


def test_any_mapping_and_sequences_go_in(tmp_path):
    table = {"frame": [1, 1, 2], "x_nm": [10, 20, 30.5], "y_nm": (5, 6, 7)}
    smlm.write_table(tmp_path / "t.csv", table)
    back = smlm.read_table(tmp_path / "t.csv")
    np.testing.assert_array_equal(back["frame"], [1, 1, 2])
    np.testing.assert_array_equal(back["x_nm"], [10, 20, 30.5])
    assert (tmp_path / "t.csv").read_text().splitlines()[1] == "1,1,10,5"
