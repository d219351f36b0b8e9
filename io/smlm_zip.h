// The .smlm format of ShareLoc.XYZ (imodpasteur/smlm-file-format, specification 0.2): a ZIP
// archive with manifest.json and a row-interleaved little-endian binary table, both ways.
#pragma once

#include <string>

#include "core/localization_table.h"

namespace smlm::io {

// Writes `t` as a .smlm file: a ZIP archive written by libzip (entries DEFLATE-compressed at
// zlib's fastest level, as the specification requires by default, with CRC-32) holding
//   manifest.json      format_version "0.2"; one format "smlm-table(binary)" (type "table", mode
//                      "binary", extension ".bin", columns, headers, dtype, shape, units) and
//                      one file entry (name "localizations.bin", type "table", format, channel
//                      "default", rows, offset {})
//   localizations.bin  rows x columns float32, little-endian, row-interleaved
// Every column is written, in table order, under its own name and unit ("frame" for frame).
// All columns are float32: ShareLoc's web viewer and ThunderSTORM's SMLM plugin write and read
// nothing else (the viewer assumes 4-byte floats whatever dtype says); float32 holds whole
// numbers exactly up to 2^24. frame is written 1-based (memory value + 1), as ThunderSTORM's
// plugin and ShareLoc's CSV converter store ThunderSTORM frames. Entries are dated 1980-01-01 so
// that the same table gives the same bytes. A binary table that deflate might grow past 4 GiB
// (over 4,293,656,963 bytes: 10^8 rows of 11 columns) is written as ZIP64, smaller ones as plain
// ZIP. The table is encoded 1 MiB at a time while it is compressed: memory beyond `t` is a few
// MiB.
// Written through AtomicFile: on failure no file is left.
// Throws smlm::Error "<path>: ..." if x or y is missing, a column name is empty, or a write
// fails ("<path>: write failed: <libzip's reason>").
void write_smlm(const std::string& path, const LocalizationTable& t);

// Reads the first table of a .smlm file.
//
// ZIP (libzip): stored and deflated entries (and what else libzip decompresses), ZIP64 records,
// CRC-32 checked; the table entry is streamed 1 MiB at a time. Manifest: format_version
// "0.2"; the first "files" entry of type "table" whose format has mode "binary". Columns:
// dtype int8 ... uint64, float32, float64 (little-endian); columns whose shape is not 1 (image
// patches) are skipped; the file entry's "offset" values are added to their columns. Headers
// keep their names, except "uncertainty" -> uncertainty_xy and ShareLoc's converted CSV labels
// "<name>_<unit>_" ("intensity_photon_") -> <name> with that unit. Units ("units" as a list, an
// object, or absent): length columns (x, y, z, sigma, sigma1, sigma2, uncertainty_xy,
// uncertainty_z) are converted to nm from nm (or no unit, the specification's default), um,
// mm, m, pm or angstrom; "px" is an Error (no pixel size); other units are kept. frame is
// converted to 0-based (file value - 1), unless the file holds a frame 0, which a 1-based file
// cannot: then it is taken as already 0-based.
//
// Errors (smlm::Error, "<path>: ..."): not a ZIP archive, a corrupt archive (bad record, CRC or
// size mismatch, truncated entry), encrypted or unsupported compression, no manifest.json,
// invalid JSON, another format_version, no binary table, headers without x or y ("<path>: the
// table has no column 'x' (headers: frame, y)"), headers/dtype/shape of different lengths, a
// table entry whose size is not rows x row size, a length in px.
LocalizationTable read_smlm(const std::string& path);

}  // namespace smlm::io
