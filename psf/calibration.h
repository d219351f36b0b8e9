// 3D PSF calibration from a bead z-stack: find the beads, cut, align (3D cross-correlation,
// sub-voxel) and average them; fit the astigmatic defocus curves σx(z), σy(z) and build the cubic
// spline from the same average with the same z origin, so that both models report the same z for
// the same emitter. The result is saved to and loaded from one HDF5 file; ThunderSTORM's
// astigmatism calibration files (YAML) can be read too.
//
// Conventions: stacks are in photoelectrons (convert ADU with CameraModel first), one image per
// z-step, slice k at stage position k·z_step. z = 0 is where σx = σy (astigmatic stacks) or, when
// no astigmatism is found, the sharpest slice; positive z = increasing slice index. Lateral
// positions are in pixels with pixel (i, j)'s centre at (i, j).
#pragma once

#include <string>
#include <vector>

#include "core/image.h"
#include "psf/astigmatic_gaussian.h"
#include "psf/cubic_spline.h"

namespace smlm::psf {

struct CalibrationSettings {
  enum class ZOrigin { kAuto, kAstigmatic, kSharpest, kCentre };

  double z_step_nm = 10.0;        // stage step between slices [nm] (> 0)
  double pixel_size_nm = 100.0;   // camera pixel [nm] (> 0)
  int roi_half_px = 12;           // bead window side 2·h + 1 px (h 3..30)
  int max_beads = 64;             // brightest beads used at most
  double detection_sigma_px = 2;  // Gaussian smoothing of the mean projection for detection [px]
  int max_shift_px = 3;           // lateral alignment search ±px
  int max_shift_slices = 25;      // axial alignment search ±slices
  bool fit_astigmatic = true;     // fit σx(z), σy(z) (required for ZOrigin::kAstigmatic)
  // kAuto: σx = σy if astigmatism is found, else the sharpest slice, else (no clear focus, e.g.
  // double helix) the middle slice. kSharpest falls back to the middle the same way.
  ZOrigin z_origin = ZOrigin::kAuto;
  double max_sigma_px = 5.0;  // frames whose fitted σ exceeds this are left out of the curves
  double spline_smoothing_nm = 20;  // Gaussian σ along z applied before the spline (0 = none)
  SplineSettings::Normalization normalization = SplineSettings::Normalization::kPerPlane;
  bool build_spline = true;

  // Throws smlm::Error naming the first impossible value.
  void validate() const;
};

// One bead's fitted widths in one slice (a point of the σ(z) plot).
struct SigmaPoint {
  double z_nm = 0;                  // z of the slice relative to the calibration's z = 0 [nm]
  double sigma_x = 0, sigma_y = 0;  // [px]
  double x = 0, y = 0;              // fitted centre in window coordinates [px]
  double photons = 0;               // fitted N
  int bead = -1;      // index into CalibrationResult::beads, −1 for the averaged stack
  bool used = false;  // entered the defocus-curve fit
};

struct BeadInfo {
  int x = 0, y = 0;  // window centre in the frame [px]
  double dx = 0, dy = 0,
         dz = 0;           // alignment to the average: bead(p + d) ≈ average(p) [px, px, slices]
  double photons = 0;      // mean photons per slice in the window, background removed
  double correlation = 0;  // normalized cross-correlation with the average after alignment
  bool used = false;       // entered the average
};

// A calibrated PSF: what the file holds.
struct PsfCalibration {
  std::string model = "astigmatic";  // the primary model: "astigmatic" or "spline"
  double pixel_size_nm = 100.0;
  double z_step_nm = 10.0;
  bool has_astigmatic = false;
  AstigmaticCalibration astigmatic;      // valid when has_astigmatic
  CubicSpline spline;                    // empty() when absent
  std::vector<SigmaPoint> sigma_points;  // the averaged-stack widths the curves were fitted to
  int num_beads = 0;
  std::string z_origin = "astigmatic";  // how z = 0 was chosen: astigmatic, sharpest, centre, file

  // The 3D models this calibration defines (throws smlm::Error when the model is absent).
  AstigmaticGaussian astigmatic_model() const;
  CubicSplinePsf spline_model() const;  // a view into `spline` (valid while this object lives)
};

struct CalibrationResult {
  PsfCalibration psf;
  std::vector<BeadInfo> beads;          // every bead found, used or not
  std::vector<SigmaPoint> bead_points;  // per-bead, per-slice widths (plot scatter)
  std::vector<ImageF> average;          // aligned average [photons per bead], background removed
  double z0_slice = 0;                  // slice coordinate of z = 0
  double centre_x = 0, centre_y = 0;    // PSF centre in window coordinates at z = 0 [px]
  double astigmatic_quality = 0;        // median R² of the elliptical fits (1 = perfect)
};

// Calibrates from a bead stack (frames in photoelectrons, all the same size). Throws smlm::Error
// when no bead is found, the stack is too short, or a required model cannot be fitted.
CalibrationResult calibrate_beads(const std::vector<ImageF>& stack, const CalibrationSettings& s);

// Saves to HDF5, written to a temporary file beside `path` and renamed when complete:
//   /  attributes format = "smlm-psf", version = 1, model, pixel_size_nm, z_step_nm, num_beads,
//      z_origin
//   /astigmatic  attributes {x,y}_{form,sigma0,c,d,A,B,p2,p3}, z_min_nm, z_max_nm (units of
//      DefocusCurve); datasets z_nm, sigma_x, sigma_y (the fitted points, float64)
//   /spline  attributes nx, ny, nz, oversampling, cx, cy, cz, dz_nm, pixel_size_nm; datasets
//      coefficients float32 [nz][ny][nx][64] (the layout of psf/cubic_spline.h) and samples
//      float32 [nz+1][ny+1][nx+1] (the normalized stack the spline interpolates)
// Throws smlm::Error naming `path` on failure (nothing is left behind).
void save_calibration(const std::string& path, const PsfCalibration& c);
// Loads a file written by save_calibration; throws smlm::Error naming the file and what is wrong.
PsfCalibration load_calibration(const std::string& path);

// Reads a ThunderSTORM astigmatism calibration (YAML from its "Cylindrical lens calibration"):
// DaostormCalibration ("Huang '08": σ = w0/2·√(1 + u² + a·u³ + b·u⁴), u = (z − c)/d, as
// ThunderSTORM evaluates it) or PolynomialCalibration ("ThunderSTORM": σ = b + a·(z − c)² +
// d·(z − c)³), σ in px and z in nm. ThunderSTORM's z origin is kept (it is close to σx = σy);
// the z range is set to ±z_range_nm around it. Its rotation `angle` must be within ±5° (our model
// is axis-aligned). Throws smlm::Error naming the file and the problem.
AstigmaticCalibration read_thunderstorm_calibration(const std::string& path,
                                                    double z_range_nm = 800.0);
// The same from the file's text.
AstigmaticCalibration parse_thunderstorm_calibration(const std::string& yaml,
                                                     double z_range_nm = 800.0);

}  // namespace smlm::psf
