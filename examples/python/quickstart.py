# %% [markdown]
# # smlm quickstart
#
# Simulate a STORM movie with its ground truth, localize the molecules, measure how well that
# went, render the superresolved image and save the localizations for ThunderSTORM, Picasso or
# napari. Every step is the `smlm` command's own code, called in-process; the cells (`# %%`)
# open as a notebook in Jupyter (jupytext) or VS Code, and the file runs as a script.
#
# Outputs go to the current folder, or to the folder given as the first argument.

# %%
import os
import sys

import numpy as np

import smlm

out = sys.argv[1] if len(sys.argv) > 1 else "."
print("smlm", smlm.__version__, "- GPU:", smlm.cuda_available())

# %% [markdown]
# ## Simulate
# 200 frames of 64 x 64 pixels (100 nm) of molecules blinking on filaments: 2000 photons per
# frame when on, 20 background photons per pixel, a 130 nm PSF. `movie` is what a 16-bit camera
# would have recorded (ADU), `truth` the position and photons of every molecule in every frame
# it emitted in: a table, i.e. a dict of numpy arrays (lengths in nm, frames from 1).

# %%
movie, truth = smlm.simulate(frames=200, size=64, structure="filaments", density=0.5,
                             photons=2000, background=20, psf_sigma=130, seed=7)
print("movie", movie.shape, movie.dtype, "- truth:", len(truth["frame"]), "emitters,",
      "columns", list(truth))

# %% [markdown]
# ## Localize
# Wavelet detection and Poisson maximum-likelihood fits of a pixel-integrated Gaussian, with the
# camera described as ThunderSTORM's camera setup does (here the simulator's defaults: 100 nm
# pixels, 1 photoelectron per ADU, baseline 100 ADU, no EM gain). A TIFF file name works in place
# of the array.

# %%
locs = smlm.localize(movie, pixel_size=100, photons_per_adu=1, baseline=100)
n = len(locs["frame"])
print(n, "localizations; median uncertainty",
      round(float(np.median(locs["uncertainty_xy_nm"])), 1), "nm, median photons",
      round(float(np.median(locs["intensity"]))))

# %% [markdown]
# ## Evaluate
# Each localization matched to the truth within 250 nm in its frame (optimal assignment): the
# SMLM challenge's figures, the same JSON keys as `smlm evaluate`. On filaments many molecules
# overlap in a frame, which a single-emitter fitter finds as one: recall is low and the RMSE
# holds those pairs; isolated molecules are localized at the Cramer-Rao bound.

# %%
report = smlm.evaluate(locs, truth, radius=250)
for key in ("recall", "precision", "jaccard", "rmse_lateral_nm"):
    print(f"{key:16s} {report[key]:.3f}")
assert report["precision"] > 0.9

# %% [markdown]
# ## Render
# Each localization drawn as a Gaussian of its own uncertainty on 10 nm pixels: a float32
# image (e.g. `matplotlib.pyplot.imshow(image, vmax=np.percentile(image, 99.5))`, or
# `napari.view_image(image)`). The filaments are visible as lines.

# %%
image = smlm.render(locs, pixel_size=10)
print("image", image.shape, image.dtype, "- total", round(float(image.sum())), "of", n)

# %% [markdown]
# ## Save
# A ThunderSTORM CSV (Picasso imports it too; `.hdf5` writes Picasso's own format with
# `pixel_size=100`), read back unchanged.

# %%
path = os.path.join(out, "locs.csv")
smlm.write_table(path, locs)
back = smlm.read_table(path)
assert all(np.array_equal(back[k], locs[k]) for k in locs)
print("wrote", path)
