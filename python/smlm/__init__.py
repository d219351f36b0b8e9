"""smlm: single-molecule localization microscopy, in Python.

The smlm engine (C++, CPU and CUDA) as a module: the same library calls, defaults and checks as
the ``smlm`` command, without a subprocess. Movies are numpy arrays ``[frames, height, width]``
(or TIFF files); localization tables are dicts of 1-D numpy arrays, one per column:

* keys are the CSV column names without units, plus ``_nm`` for lengths in nm: ``frame``,
  ``x_nm``, ``y_nm``, ``z_nm`` (3D), ``sigma_nm``, ``intensity`` (photons), ``offset``
  (photons/pixel), ``bkgstd`` (photons), ``uncertainty_xy_nm``, ``uncertainty_z_nm`` (3D),
  ``loglikelihood``, ...;
* ``frame`` counts from 1, as in ThunderSTORM's CSV (int64); the other columns are float64;
* x and y put pixel i's centre at (i + 0.5) * pixel size, as ThunderSTORM does.

Any mapping of such columns (a dict, a pandas DataFrame) is accepted wherever a table goes in,
and so is a file name (.csv, .hdf5/.h5, .ply, .smlm); unknown columns are kept.

The C++ work runs without the GIL: other Python threads keep running, and several threads can
localize at once. Errors raise :class:`smlm.Error` (a RuntimeError) with the one-line message the
``smlm`` command prints.

Functions: simulate, localize, render, evaluate, match, read_table, write_table, read_movie,
write_movie, cuda_available.
"""

import json as _json
import os as _os

import numpy as _np

from . import _smlm
from ._smlm import Error, __version__

__all__ = [
    "Error",
    "__version__",
    "simulate",
    "localize",
    "render",
    "evaluate",
    "match",
    "read_table",
    "write_table",
    "read_movie",
    "write_movie",
    "cuda_available",
]

# The defaults of the smlm command (and of the library's settings), read from the engine.
_DEFAULTS = _smlm.defaults()
_CAM = _DEFAULTS["camera"]
_SIM = _DEFAULTS["simulate"]
_LOC = _DEFAULTS["localize"]
_REN = _DEFAULTS["render"]
_EVA = _DEFAULTS["evaluate"]


def _path(p):
    return _os.fsdecode(_os.fspath(p))


def _is_path(x):
    return isinstance(x, (str, bytes, _os.PathLike))


def _table(t):
    """A table argument as the engine takes it: a path (str), or a mapping of columns."""
    return _path(t) if _is_path(t) else t


def _size(size):
    """64, (128, 64) or "128x64" -> (width, height)."""
    if isinstance(size, str):
        w, _, h = size.partition("x")
        try:
            return int(w), int(h or w)
        except ValueError:
            raise Error(f"size: '{size}' must be positive, e.g. 64 or 128x64") from None
    if _np.ndim(size) == 0:
        return int(size), int(size)
    w, h = size
    return int(w), int(h)


def _movie(movie):
    """A movie argument: a path (str), or an array the engine reads as it is (no copy) when it
    holds integers or float32/float64 in native byte order."""
    if _is_path(movie):
        return _path(movie)
    a = _np.asarray(movie)
    if a.dtype.kind == "f" and a.dtype.itemsize < 4:
        return a.astype(_np.float32)
    if a.dtype.kind in "uif" and not a.dtype.isnative:
        return a.astype(a.dtype.newbyteorder("="))
    return a


def _opt(x, default=0):
    return default if x is None else x


def simulate(
    frames=_SIM["frames"],
    size=_SIM["size"],
    *,
    density=_SIM["density"],
    photons=_SIM["photons"],
    photon_dist=_SIM["photon_dist"],
    background=_SIM["background"],
    psf_sigma=_SIM["psf_sigma"],
    structure=_SIM["structure"],
    psf=None,
    z_range=_SIM["z_range"],
    k_on=_SIM["k_on"],
    k_off=_SIM["k_off"],
    k_bleach=_SIM["k_bleach"],
    pixel_size=_CAM["pixel_size"],
    photons_per_adu=_CAM["photons_per_adu"],
    baseline=_CAM["baseline"],
    em_gain=_CAM["em_gain"],
    qe=_CAM["qe"],
    read_noise=_CAM["read_noise"],
    seed=_SIM["seed"],
    device=_SIM["device"],
):
    """Simulates a movie of blinking fluorophores and its ground truth (``smlm simulate``).

    Emitters laid out by ``structure`` ("uniform" or "filaments") blink by a Markov chain
    (rates ``k_on``, ``k_off``, ``k_bleach`` per frame), are imaged through a pixel-integrated
    Gaussian PSF of ``psf_sigma`` nm (or a 3D ``psf``), with Poisson shot noise and the camera's
    noise (EM gain, read noise), and digitized to 16-bit ADU.

    Args:
        frames: number of frames.
        size: frame size in pixels: 64, (width, height) or "128x64".
        density: emitting molecules per frame per um^2.
        photons: mean photons per frame of an emitter that is on all frame.
        photon_dist: brightness distribution: "constant", "exponential" or "lognormal".
        background: background [photons/pixel/frame].
        psf_sigma: PSF standard deviation [nm] (2D).
        structure: "uniform" or "filaments".
        psf: 3D PSF: "astig:FILE" or "spline:FILE" (a calibration from ``smlm calibrate``),
            or "pupil:KIND" (astigmatism, double-helix, tetrapod).
        z_range: 3D: emitters uniform in z over (min, max) [nm].
        k_on, k_off, k_bleach: off->on, on->off and on->bleached rates per frame.
        pixel_size: back-projected pixel size [nm].
        photons_per_adu: photoelectrons per A/D count.
        baseline: base level [ADU].
        em_gain: EM gain (1 = no EM register).
        qe: quantum efficiency, in (0, 1].
        read_noise: read noise [e- rms].
        seed: random seed (same seed, same movie, on either device).
        device: "cpu", "cuda" or "cuda:N".

    Returns:
        (movie, truth): movie, uint16 [frames, height, width], the pixels ``smlm simulate``
        writes to its TIFF; truth, the table of every molecule on during each frame
        (frame, x_nm, y_nm, [z_nm,] intensity = photons emitted in the frame, molecule).
    """
    width, height = _size(size)
    return _smlm.simulate(
        frames=frames, width=width, height=height, structure=structure, density=density,
        photons=photons, photon_dist=photon_dist, background=background, psf_sigma=psf_sigma,
        psf=_opt(psf, ""), z_range=tuple(z_range), k_on=k_on, k_off=k_off, k_bleach=k_bleach,
        pixel_size=pixel_size, photons_per_adu=photons_per_adu, baseline=baseline,
        em_gain=em_gain, qe=qe, read_noise=read_noise, seed=seed, device=device)


def localize(
    movie,
    *,
    pixel_size=_CAM["pixel_size"],
    photons_per_adu=_CAM["photons_per_adu"],
    baseline=_CAM["baseline"],
    em_gain=_CAM["em_gain"],
    qe=_CAM["qe"],
    psf=None,
    method=None,
    model=None,
    threshold=_LOC["threshold"],
    roi=None,
    psf_sigma=None,
    fixed_sigma=_LOC["fixed_sigma"],
    max_iterations=_LOC["max_iterations"],
    psf_model=None,
    fitter=_LOC["fitter"],
    device=_LOC["device"],
    refine=_LOC["refine"],
    batch=_LOC["batch"],
    threads=_LOC["threads"],
):
    """Finds and fits the molecules of a movie (``smlm localize``): the same localizations.

    Detection: B-spline wavelet filter, local maxima above ``threshold`` x std of the first
    wavelet level. Fitting: Poisson maximum likelihood of a pixel-integrated Gaussian on a
    ``roi`` x ``roi`` ROI (3D with a ``psf`` calibration), with the Cramer-Rao uncertainty.

    Args:
        movie: a numpy array [frames, height, width] of raw ADU (uint16, or any integer or
            float type; a 2-D array is one frame), read in batches without copying it whole
            (other threads must not change it meanwhile); or the path of a TIFF movie (streamed).
        pixel_size, photons_per_adu, baseline, em_gain, qe: the camera, as ThunderSTORM's
            camera setup (nm, e-/ADU, ADU, gain, (0, 1]).
        psf: 3D: a PSF calibration (HDF5 from ``smlm calibrate``).
        method: "mle" (detection + fitting) or "deepstorm" (a net from ``smlm train``);
            default: "mle", or the model file's own kind when a model is given.
        model: a net's trained model (HDF5 from ``smlm train``).
        threshold: detection threshold, in units of std(first wavelet level).
        roi: fitting ROI side in pixels (odd); default: the smallest that holds 95% of the
            PSF's photons at its widest z (7 for a 2D sigma of 1.3 px).
        psf_sigma: initial PSF sigma [nm] (default 130; deepstorm: the model's).
        fixed_sigma: keep sigma fixed at psf_sigma.
        max_iterations: fitter iterations at most.
        psf_model: 3D model: "astigmatic" or "spline" (default: the calibration's).
        fitter: "lm" (batched Levenberg-Marquardt, CPU or GPU) or "ceres" (CPU).
        device: where the fits run: "cpu", "cuda" or "cuda:N".
        refine: nets: "none", or "mle" (the net's detections, and z in 3D, start LM fits of
            its PSF, or of psf= when given).
        batch: frames read and fitted together.
        threads: CPU threads for this call (0 = all cores).

    Returns:
        The table: frame, x_nm, y_nm, sigma_nm, intensity, offset, bkgstd, uncertainty_xy_nm,
        loglikelihood (3D: frame, x_nm, y_nm, z_nm, sigma1_nm, sigma2_nm, intensity, offset,
        bkgstd, uncertainty_xy_nm, uncertainty_z_nm, loglikelihood); rows by frame.
    """
    return _smlm.localize(
        _movie(movie), pixel_size=pixel_size, photons_per_adu=photons_per_adu,
        baseline=baseline, em_gain=em_gain, qe=qe, threshold=threshold, roi=roi,
        psf_sigma=psf_sigma, fixed_sigma=fixed_sigma, max_iterations=max_iterations,
        psf=_path(psf) if psf is not None else "", psf_model=_opt(psf_model, ""), fitter=fitter,
        device=device, method=method, model=_path(model) if model is not None else "",
        refine=refine, batch=batch, threads=threads)


def render(
    locs,
    pixel_size=_REN["pixel_size"],
    *,
    method=_REN["method"],
    ash_shifts=_REN["ash_shifts"],
    min_sigma=_REN["min_sigma"],
    sigma=_REN["sigma"],
    x0=0.0,
    y0=0.0,
    width=0.0,
    height=0.0,
    color="none",
    z_range=None,
    view="xy",
    percentile=_REN["percentile"],
    camera_pixel_size=None,
):
    """Renders localizations as a superresolved image (``smlm render``).

    Args:
        locs: a table (dict of columns) or a table file.
        pixel_size: output pixel size [nm].
        method: "gaussian" (each localization a normalized Gaussian of its uncertainty_xy_nm,
            or of ``sigma`` when absent), "histogram" (counts per pixel) or "ash" (average
            shifted histogram of ``ash_shifts`` shifts per axis).
        min_sigma: gaussian: the smallest sigma drawn [nm].
        sigma: gaussian: sigma when the table has no uncertainty [nm].
        x0, y0, width, height: field of view [nm]; width/height 0 = up to the largest
            coordinate. Pixel (i, j) covers [x0 + i p, x0 + (i + 1) p) x [y0 + j p, ...).
        color: "none", or "z": hue by depth (turbo colour map), brightness by density.
        z_range: color="z": z of the colour map's ends, (min, max) [nm] (default: 1st..99th
            percentile).
        view: "xy" (top), "xz" or "yz" (side views, z downwards).
        percentile: color="z": percentile of the non-empty pixels shown at full brightness.
        camera_pixel_size: the camera pixel size [nm] of a Picasso file without its .yaml.

    Returns:
        float32 [height, width]: densities (what ``smlm render -o image.tif`` writes; a
        histogram counts localizations); with color="z", uint8 [height, width, 3] RGB.
    """
    return _smlm.render(
        _table(locs), pixel_size=pixel_size, method=method, ash_shifts=ash_shifts,
        min_sigma=min_sigma, sigma=sigma, camera_pixel_size=_opt(camera_pixel_size),
        x0=x0, y0=y0, width=width, height=height, color=color,
        z_range=None if z_range is None else tuple(z_range), view=view, percentile=percentile)


def evaluate(locs, truth, *, radius=_EVA["radius"], axial_radius=_EVA["axial_radius"],
             lateral_only=False):
    """Compares localizations with the ground truth (``smlm evaluate``).

    Localizations and truth are matched in each frame, each at most once, within ``radius`` nm
    (and ``axial_radius`` nm in z when both tables have z, unless ``lateral_only``), by optimal
    assignment (most matches, then least total distance).

    Returns:
        The dict ``smlm evaluate`` prints as JSON: recall, precision, jaccard, rmse_lateral_nm,
        bias_x_nm, bias_y_nm, efficiency_lateral (3D: rmse_axial_nm, bias_z_nm,
        efficiency_axial), true_positives, false_positives, false_negatives.
    """
    return _json.loads(_smlm.evaluate_json(
        _table(locs), _table(truth), radius=radius, axial_radius=axial_radius,
        lateral_only=lateral_only))


def match(locs, truth, *, radius=_EVA["radius"], axial_radius=_EVA["axial_radius"],
          lateral_only=False):
    """The matching :func:`evaluate` scores: (loc_index, truth_index), two int64 arrays of row
    indices, pair k matching row loc_index[k] of locs with row truth_index[k] of truth."""
    return _smlm.match(_table(locs), _table(truth), radius=radius, axial_radius=axial_radius,
                       lateral_only=lateral_only)


def read_table(path, *, pixel_size=None):
    """Reads a table file: ThunderSTORM CSV (any version), Picasso HDF5 (.hdf5/.h5, with its
    .yaml; ``pixel_size`` [nm] when the .yaml is missing), PLY or ShareLoc .smlm."""
    return _smlm.read_table(_path(path), pixel_size=_opt(pixel_size))


def write_table(path, table, *, pixel_size=None, width=None, height=None, frames=None):
    """Writes a table, in the format of the path's extension: .csv (ThunderSTORM), .hdf5/.h5
    (Picasso, with its .yaml: give ``pixel_size`` [nm], and optionally the field of view
    ``width``, ``height`` [camera pixels] and the movie's ``frames``), .ply or .smlm. The file
    appears complete or not at all."""
    _smlm.write_table(_path(path), table, pixel_size=_opt(pixel_size), width=_opt(width),
                      height=_opt(height), frames=_opt(frames))


def read_movie(path):
    """Reads a whole TIFF movie (multi-page, BigTIFF, OME-TIFF, ImageJ) as an array
    [frames, height, width]: uint8/uint16 (int8/int16) as stored, float32 for 32-bit files."""
    return _smlm.read_movie(_path(path))


def write_movie(path, movie, *, bigtiff=False):
    """Writes an array [frames, height, width] of uint8, uint16, uint32 or float32 as a
    multi-page TIFF movie (BigTIFF when needed or asked for)."""
    _smlm.write_movie(_path(path), _np.asarray(movie), bigtiff=bigtiff)


def cuda_available():
    """True when smlm was built with CUDA and a GPU is usable (device="cuda" works)."""
    return _smlm.cuda_device_count() > 0
