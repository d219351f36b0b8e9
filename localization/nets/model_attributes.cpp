// Typed access to checkpoint attributes.
#include "localization/nets/model_attributes.h"

#include <cmath>

#include "core/error.h"

namespace smlm::localization::nets {

double attribute_number(const nn::Attributes& a, const std::string& key) {
  const auto it = a.find(key);
  SMLM_CHECK(it != a.end(), "model setting '" << key << "' is missing");
  if (const auto* d = std::get_if<double>(&it->second)) return *d;
  if (const auto* i = std::get_if<int64_t>(&it->second)) return static_cast<double>(*i);
  throw Error("model setting '" + key + "' is not a number");
}

std::string attribute_text(const nn::Attributes& a, const std::string& key) {
  const auto it = a.find(key);
  SMLM_CHECK(it != a.end(), "model setting '" << key << "' is missing");
  const auto* s = std::get_if<std::string>(&it->second);
  SMLM_CHECK(s, "model setting '" << key << "' is not text");
  return *s;
}

int attribute_whole(const nn::Attributes& a, const std::string& key, double lo, double hi) {
  const double v = attribute_number(a, key);
  SMLM_CHECK(v >= lo && v <= hi && v == std::floor(v),
             "model setting '" << key << "' is " << v << ", not a whole number in [" << lo << ", "
                               << hi << "]");
  return static_cast<int>(v);
}

void put_camera(nn::Attributes& a, const CameraModel& c) {
  a["pixel_size_nm"] = c.pixel_size_nm;
  a["photons_per_adu"] = c.photons_per_adu;
  a["baseline_adu"] = c.baseline_adu;
  a["em_gain"] = c.em_gain;
  a["qe"] = c.qe;
  a["read_noise_e"] = c.read_noise_e;
}

CameraModel get_camera(const nn::Attributes& a) {
  CameraModel c;
  c.pixel_size_nm = attribute_number(a, "pixel_size_nm");
  c.photons_per_adu = attribute_number(a, "photons_per_adu");
  c.baseline_adu = attribute_number(a, "baseline_adu");
  c.em_gain = attribute_number(a, "em_gain");
  c.qe = attribute_number(a, "qe");
  c.read_noise_e = attribute_number(a, "read_noise_e");
  c.validate();
  return c;
}

}  // namespace smlm::localization::nets
