// The method factory: names, the model file's own family, and one-line errors for options that
// do not fit the method.
#include "localization/nets/registry.h"

#include <gtest/gtest.h>

#include <cstdio>
#include <filesystem>

#include "core/error.h"
#include "localization/nets/deepstorm/deepstorm_localizer.h"
#include "localization/nets/deepstorm/model.h"
#include "tests/test_util.h"

namespace smlm::localization::nets {
namespace {

namespace fs = std::filesystem;

// A tiny untrained Deep-STORM model file.
std::string tiny_model(const std::string& name) {
  const std::string path = (fs::temp_directory_path() / name).string();
  deepstorm::NetConfig c;
  c.upsampling = 2;
  c.widths = {2, 2, 2, 2};
  deepstorm::Model m(c, 3);
  m.norm.std = 1;
  deepstorm::save_model(path, m);
  return path;
}

TEST(Registry, MleIsTheClassicLocalizer) {
  MethodOptions o;
  o.method = "mle";
  const auto l = make_localizer(CameraModel{}, o);
  EXPECT_NE(dynamic_cast<Localizer*>(l.get()), nullptr);
  EXPECT_EQ(l->frames_before(), 0);
  EXPECT_EQ(l->empty_table().num_columns(), 10u);
  o.method.clear();  // no model: the classic pipeline
  EXPECT_NE(dynamic_cast<Localizer*>(make_localizer(CameraModel{}, o).get()), nullptr);
}

TEST(Registry, TheModelFileNamesItsFamily) {
  const std::string path = tiny_model("smlm_registry_model.h5");
  EXPECT_EQ(model_family(path), "deepstorm");
  MethodOptions o;
  o.model_path = path;  // no method: the file's
  const auto l = make_localizer(CameraModel{}, o);
  EXPECT_NE(dynamic_cast<deepstorm::DeepStormLocalizer*>(l.get()), nullptr);
  o.refine = "mle";
  const auto r = make_localizer(CameraModel{}, o);
  EXPECT_TRUE(r->empty_table().has(col::uncertainty_xy));
  std::remove(path.c_str());
}

TEST(Registry, OptionsThatDoNotFitTheMethodAreOneLineErrors) {
  const std::string path = tiny_model("smlm_registry_model2.h5");
  MethodOptions o;
  o.method = "decoder";
  std::string msg = test::error_of([&] { make_localizer(CameraModel{}, o); });
  EXPECT_NE(msg.find("'decoder' is not one of mle, deepstorm"), std::string::npos) << msg;
  o.method = "deepstorm";
  msg = test::error_of([&] { make_localizer(CameraModel{}, o); });
  EXPECT_NE(msg.find("--model"), std::string::npos) << msg;
  o.method = "mle";
  o.model_path = path;
  msg = test::error_of([&] { make_localizer(CameraModel{}, o); });
  EXPECT_NE(msg.find("--model"), std::string::npos) << msg;
  o.method = "deepstorm";
  o.classic.psf = PsfModel::astigmatic;
  msg = test::error_of([&] { make_localizer(CameraModel{}, o); });
  EXPECT_NE(msg.find("--psf"), std::string::npos) << msg;
  EXPECT_EQ(msg.find('\n'), std::string::npos);
  std::remove(path.c_str());
}

}  // namespace
}  // namespace smlm::localization::nets
