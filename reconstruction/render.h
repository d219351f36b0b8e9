// Super-resolution rendering: a localization table becomes an image, as a histogram of counts or
// as a sum of normalized Gaussians (one per localization, its width the localization precision).
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "core/image.h"
#include "core/localization_table.h"

namespace smlm::reconstruction {

// histogram: counts per pixel. gaussian: each localization a normalized Gaussian of its own
// uncertainty. ash: the average shifted histogram (Scott 1985): the mean of ash_shifts² histograms
// of bins ash_shifts pixels wide, each shifted by a pixel, i.e. the per-pixel counts smoothed by
// a separable triangle of half-width ash_shifts pixels (total weight kept).
enum class RenderMethod { histogram, gaussian, ash };

// Lengths in nm. The output pixel (i, j) covers [x0 + i·p, x0 + (i + 1)·p) × [y0 + j·p, …) with
// p = pixel_size_nm; image row j is y, column i is x.
struct RenderSettings {
  double pixel_size_nm = 10;  // output pixel, > 0
  RenderMethod method = RenderMethod::gaussian;
  // gaussian: each localization's σ is max(uncertainty_xy, min_sigma_nm); rows without a finite
  // uncertainty_xy (or every row, when the table has no such column) use
  // max(fixed_sigma_nm, min_sigma_nm). A σ of 0 puts all the weight in one pixel.
  double min_sigma_nm = 0;
  double fixed_sigma_nm = 20;
  int ash_shifts = 4;  // ash: shifts per axis (>= 1; 1 = the plain histogram)
  // Field of view: [x0, x0 + width) × [y0, y0 + height). width_nm / height_nm of 0 = from the
  // data: from x0 to the largest x, rounded up so that it falls inside (⌊(max − x0)/p⌋ + 1
  // pixels). A given width is rounded up to whole pixels (⌈width / p⌉, with 1e-9 tolerance).
  double x0_nm = 0, y0_nm = 0, width_nm = 0, height_nm = 0;
  // Requests of more pixels (width · height) are an error naming the size.
  int64_t max_pixels = 40000LL * 40000LL;
  // Each localization's total weight: 1, or the value of this column (rows where it is not
  // finite are left out). render() with weight_column "z" divided by render() without gives
  // the mean z per pixel.
  std::string weight_column;
};

// Renders the table's x, y columns (nm; rows with a non-finite x or y are skipped).
//  histogram: each localization adds 1 to the pixel that contains it (localizations outside the
//    FOV add nothing), so the image sums to the number of localizations in the FOV.
//  gaussian: each localization adds a 2D Gaussian of its σ, integrated over each output pixel
//    and cut at ±3σ (pixels meeting that interval), renormalized to total weight 1; the parts
//    outside the FOV are lost, so the image sums to the count only for points away from edges.
// Runs in parallel over bands of output rows, each owned by one thread, localizations added in
// row order: the result is the same for any thread count.
// Throws smlm::Error for NaN or out-of-range settings, a table without x/y, an empty FOV (no
// data to size it from), and images of more than max_pixels pixels (or wider than an int).
ImageF render(const LocalizationTable& table, const RenderSettings& s);

// An 8-bit RGB image, row-major, 3 bytes per pixel.
struct RgbImage {
  int width = 0, height = 0;
  std::vector<uint8_t> rgb;
};

// The turbo colour map (Mikhailov 2019, its polynomial approximation): t in [0, 1] → RGB.
void turbo_color(double t, uint8_t* rgb);

// Localizations coloured by depth: the hue of each pixel is the mean z of what it holds (turbo,
// z_min_nm → blue, z_max_nm → red), its brightness the density mapped as to_display does (the
// `percentile` of the non-empty pixels is full brightness). Needs a z column.
RgbImage render_z_colored(const LocalizationTable& table, const RenderSettings& s, double z_min_nm,
                          double z_max_nm, double percentile = 99.5);

// Turns `t` into a side view of its 3D localizations: (lateral, z) become the image's (x, y), with
// `lateral` "x" or "y"; z downwards from the smallest z (rounded down to a pixel) unless s.y0_nm is
// set; each drawn σ is the larger of uncertainty_xy and uncertainty_z. `t` must have a z column.
void side_view(LocalizationTable& t, std::string_view lateral, RenderSettings& s);

// The 1st and 99th percentiles of the finite values (widened to at least 1 nm apart): the z range
// of a colour map when none is given. Throws smlm::Error when no value is finite.
void percentile_range(const std::vector<double>& v, double& lo, double& hi);

}  // namespace smlm::reconstruction
