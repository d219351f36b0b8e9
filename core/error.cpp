#include "core/error.h"

namespace smlm::detail {

void throw_error(const char* file, int line, const std::string& msg) {
  std::ostringstream os;
  os << "internal error at " << file << ":" << line << ": " << msg;
  throw Error(os.str());
}

}  // namespace smlm::detail
