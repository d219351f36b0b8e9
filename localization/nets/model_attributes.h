// Reading and writing a net's settings as checkpoint attributes (nn/checkpoint.h), shared by every
// network family: typed lookups with one-line errors, whole numbers range-checked before they
// size anything, and the camera under ThunderSTORM's names.
#pragma once

#include <string>

#include "core/camera.h"
#include "nn/checkpoint.h"

namespace smlm::localization::nets {

// The number or text stored under `key`; throw smlm::Error when missing or of another type.
double attribute_number(const nn::Attributes& a, const std::string& key);
std::string attribute_text(const nn::Attributes& a, const std::string& key);
// A whole number in [lo, hi], checked as a double before the cast.
int attribute_whole(const nn::Attributes& a, const std::string& key, double lo, double hi);

// The camera as "pixel_size_nm", "photons_per_adu", "baseline_adu", "em_gain", "qe",
// "read_noise_e"; reading validates it.
void put_camera(nn::Attributes& a, const CameraModel& c);
CameraModel get_camera(const nn::Attributes& a);

}  // namespace smlm::localization::nets
