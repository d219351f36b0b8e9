// The one source file of libsmlm.so itself; everything else comes from the module libraries.
#include "smlm/version.h"

namespace smlm {
const char* version() { return SMLM_VERSION_STRING; }
}  // namespace smlm
