"""Physics through the Python API: isolated, always-on emitters (2000 photons, 20 background
photons/pixel, PSF sigma 130 nm, 100 nm pixels; tests/localization/pipeline_test.cpp's reference
case) are localized at the Cramer-Rao bound, without bias, and found."""
import numpy as np
import pytest

import smlm


def isolated(truth, radius):
    """Truth rows with no other emitter within `radius` nm in their frame."""
    f, x, y = truth["frame"], truth["x_nm"], truth["y_nm"]
    ok = np.ones(f.size, bool)
    for frame in np.unique(f):
        rows = np.flatnonzero(f == frame)
        d = np.hypot(x[rows, None] - x[rows], y[rows, None] - y[rows])
        np.fill_diagonal(d, np.inf)
        ok[rows] = d.min(axis=1) >= radius
    return ok


@pytest.mark.parametrize(
    "camera",
    [{}, {"em_gain": 100, "photons_per_adu": 10, "qe": 0.9}],
    ids=["scmos", "emccd"],
)
def test_precision_reaches_the_cramer_rao_bound(camera):
    # k_on = 50, k_off = 0: every molecule is on for whole frames, so each truth row holds the
    # photons its CRLB assumes.
    movie, truth = smlm.simulate(frames=100, size=128, density=0.3, photons=2000, background=20,
                                 psf_sigma=130, k_on=50, k_off=0, k_bleach=0, pixel_size=100,
                                 seed=11, **camera)
    locs = smlm.localize(movie, pixel_size=100, psf_sigma=130, **camera)
    li, ti = smlm.match(locs, truth, radius=250)
    alone = isolated(truth, 1000)
    keep = alone[ti]
    li, ti = li[keep], ti[keep]
    assert li.size > 800
    # Nearly every isolated emitter is found (overlapping ones are fitted as one spot).
    assert li.size > 0.98 * alone.sum()

    u = locs["uncertainty_xy_nm"][li]
    for axis in ("x_nm", "y_nm"):
        err = locs[axis][li] - truth[axis][ti]
        # The reported uncertainty is the CRLB of each fit (doubled in variance on an EMCCD):
        # errors normalized by it have unit standard deviation for an efficient estimator.
        assert 0.9 < np.sqrt(np.mean((err / u) ** 2)) < 1.1, axis
        assert 0.9 < err.std() / np.sqrt(np.mean(u**2)) < 1.1, axis
        assert abs(err.mean()) < 1.0, axis  # nm; the mean's own std is ~0.2 nm here
    # The photons the fit reports are the photons simulated.
    ratio = np.median(locs["intensity"][li] / truth["intensity"][ti])
    assert 0.97 < ratio < 1.03
    # Hardly any localization is spurious.
    assert smlm.evaluate(locs, truth, radius=250)["precision"] > 0.98
