// PLY point clouds of localizations, for 3D viewers (CloudCompare, MeshLab, ParaView, Blender):
// binary little-endian or ASCII, written and read back.
#pragma once

#include <string>

#include "core/localization_table.h"

namespace smlm::io {

// Writes `t` as a PLY point cloud with one vertex per localization:
//   ply
//   format binary_little_endian 1.0        ("format ascii 1.0" when `ascii`)
//   comment smlm localizations: x, y, z in nm
//   comment smlm 2D: z = 0                  (only when the table has no z column)
//   element vertex <rows>
//   property float x                        x, y, z in nm (z = 0 for a 2D table)
//   property float y
//   property float z
//   property float intensity                intensity (photons), if the table has it
//   property int frame                      frame, 0-based, if the table has it
//   property float uncertainty              uncertainty_xy (nm), if the table has it
//   end_header
// Other columns are not written. Binary values are little-endian float32 / int32; ASCII values
// are one vertex per line, floats in their shortest round-trip form, lines ending in "\n".
// Written through AtomicFile. Throws smlm::Error "<path>: ..." if x or y is missing, a frame is
// not a whole number within int32, or a write fails.
void write_ply(const std::string& path, const LocalizationTable& t, bool ascii = false);

// Reads a PLY file (binary_little_endian, binary_big_endian or ascii, as any tool writes them).
// The "vertex" element gives the rows; x and y are required, every scalar property of any PLY
// type (char ... double, int8 ... float64) is read. Mapping: x, y, z -> x, y, z (taken as nm);
// intensity -> intensity; frame -> frame; uncertainty -> uncertainty_xy (nm); other properties
// are kept under their own name with no unit. z is dropped when the header carries smlm's
// "comment smlm 2D" line, so that a 2D table survives the round trip. Elements before "vertex"
// are skipped, those after it ignored; list properties of the vertex element are an Error.
// Errors (smlm::Error, "<path>: ..."): not a PLY file, a malformed header, no vertex element or
// no x/y, a truncated body ("truncated: 1000 vertices need 28000 bytes, 27990 follow the
// header"), a value that is not a number (ASCII).
LocalizationTable read_ply(const std::string& path);

}  // namespace smlm::io
