// CameraModel: how a camera turns photons into A/D counts, with ThunderSTORM's names and units.
// Detected photoelectrons e = QE·photons; after EM multiplication and read-out,
//   ADU = baseline + e·g / p  (+ read noise),  so  photons = p·(ADU − baseline) / g / QE.
// The fitters work on photoelectrons (the Poisson variable) and report photons.
#pragma once

#include <cmath>

#include "core/error.h"
#include "core/hd.h"

namespace smlm {

struct CameraModel {
  double pixel_size_nm = 100.0;   // back-projected pixel size [nm]
  double photons_per_adu = 1.0;   // photoelectrons per A/D count, before EM gain ("p")
  double baseline_adu = 100.0;    // base level [ADU] ("b")
  double em_gain = 1.0;           // EM gain ("g"); 1 means no EM register
  double qe = 1.0;                // quantum efficiency, 0 < qe <= 1
  double read_noise_e = 0.0;      // read noise, rms electrons (simulation; sCMOS/CCD likelihood)

  bool is_emccd() const { return em_gain > 1.0; }
  // Excess-noise factor F² of the EM register: 2 at high gain, 1 without one. Localization
  // variances scale with it (Mortensen et al. 2010), and so do our CRLBs.
  double excess_noise_factor() const { return is_emccd() ? 2.0 : 1.0; }

  // ADU → photoelectrons (the fitted, Poisson-like quantity).
  SMLM_HD double adu_to_electrons(double adu) const {
    return photons_per_adu * (adu - baseline_adu) / em_gain;
  }
  double electrons_to_photons(double e) const { return e / qe; }

  // Throws smlm::Error naming the first impossible value.
  void validate() const {
    SMLM_CHECK(std::isfinite(pixel_size_nm) && pixel_size_nm > 0,
               "pixel size must be a positive number of nm, got " << pixel_size_nm);
    SMLM_CHECK(std::isfinite(photons_per_adu) && photons_per_adu > 0,
               "photons per ADU must be positive, got " << photons_per_adu);
    SMLM_CHECK(std::isfinite(baseline_adu) && baseline_adu >= 0,
               "baseline must be >= 0 ADU, got " << baseline_adu);
    SMLM_CHECK(std::isfinite(em_gain) && em_gain >= 1,
               "EM gain must be >= 1 (1 = no EM), got " << em_gain);
    SMLM_CHECK(std::isfinite(qe) && qe > 0 && qe <= 1, "QE must be in (0, 1], got " << qe);
    SMLM_CHECK(std::isfinite(read_noise_e) && read_noise_e >= 0,
               "read noise must be >= 0 e-, got " << read_noise_e);
  }
};

}  // namespace smlm
