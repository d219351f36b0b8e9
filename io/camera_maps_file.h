// sCMOS camera maps on disk (core/camera_maps.h: offset [ADU], gain [ADU/e⁻], read-noise variance
// [ADU²] per pixel), in either of two forms, chosen by the file's extension:
//  - TIFF (.tif, .tiff): exactly 3 pages of 32-bit floats (or integers), in this order: offset,
//    gain, variance — what ImageJ/Fiji writes for a 3-slice stack;
//  - HDF5 (.h5, .hdf5): three 2D datasets `offset`, `gain`, `variance` of shape (height, width),
//    any numeric type (read as float).
#pragma once

#include <string>

#include "core/camera_maps.h"

namespace smlm::io {

// Reads and validates the maps (CameraMaps::validate; source = path). Throws smlm::Error with one
// line naming the file: missing or unreadable, an unknown extension, the wrong number of pages, a
// missing dataset or one that is not 2D, sizes that differ, a non-finite value, a gain <= 0, a
// negative variance.
CameraMaps read_camera_maps(const std::string& path);

// Writes the maps (validated first) as TIFF (float32 pages offset, gain, variance) or HDF5
// (float32 datasets with a `units` attribute each), by the extension as above, atomically
// (AtomicFile). Throws smlm::Error naming the file.
void write_camera_maps(const std::string& path, const CameraMaps& maps);

}  // namespace smlm::io
