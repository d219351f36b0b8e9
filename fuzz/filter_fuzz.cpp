// libFuzzer target: filter expressions (reconstruction/filter.h): the syntax check, then the
// evaluation over a small table with a NaN, an infinity and a zero among its values.
#include <limits>
#include <string>

#include "core/error.h"
#include "core/localization_table.h"
#include "reconstruction/filter.h"

namespace {
const smlm::LocalizationTable& table() {
  static const smlm::LocalizationTable t = [] {
    smlm::LocalizationTable t;
    t.resize(4);
    const double values[4] = {0, 1.5, std::numeric_limits<double>::quiet_NaN(),
                              std::numeric_limits<double>::infinity()};
    for (auto name : {smlm::col::frame, smlm::col::x, smlm::col::y, smlm::col::intensity,
                      smlm::col::uncertainty_xy}) {
      auto& c = t.add_column(name);
      c.assign(values, values + 4);
    }
    return t;
  }();
  return t;
}
}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string expr(reinterpret_cast<const char*>(data), size);
  try {
    smlm::reconstruction::check_expression_syntax(expr);
  } catch (const smlm::Error&) {
    return 0;
  }
  try {
    smlm::LocalizationTable t = table();
    smlm::reconstruction::filter_expression(t, expr);
  } catch (const smlm::Error&) {
  }
  return 0;
}
