// io's name for core/atomic_file.h, kept while callers move to smlm::AtomicFile.
#pragma once

#include "core/atomic_file.h"

namespace smlm::io {
using smlm::AtomicFile;
}  // namespace smlm::io
