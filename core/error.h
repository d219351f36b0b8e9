// smlm::Error, the one exception type of the library, and SMLM_CHECK, which throws it with the
// source position. The CLI catches Error, prints its message on one line and exits non-zero.
#pragma once

#include <sstream>
#include <stdexcept>
#include <string>

namespace smlm {

class Error : public std::runtime_error {
 public:
  explicit Error(const std::string& what) : std::runtime_error(what) {}
};

namespace detail {
[[noreturn]] void throw_error(const char* file, int line, const std::string& msg);
}  // namespace detail

}  // namespace smlm

// Throws smlm::Error with `msg` (anything streamable) when `cond` is false. The message is what
// a user reads: name the file or value and say what was expected.
#define SMLM_CHECK(cond, msg)                                    \
  do {                                                           \
    if (!(cond)) {                                               \
      std::ostringstream smlm_check_os_;                         \
      smlm_check_os_ << msg;                                     \
      throw ::smlm::Error(smlm_check_os_.str());                 \
    }                                                            \
  } while (0)

// For broken invariants (programming errors): the message carries file and line.
#define SMLM_ASSERT(cond)                                                     \
  do {                                                                        \
    if (!(cond)) ::smlm::detail::throw_error(__FILE__, __LINE__, #cond);      \
  } while (0)
