// Localization tables in any supported file format, chosen by the file's extension:
// .csv (ThunderSTORM), .hdf5/.h5 (Picasso, with its .yaml sidecar), .ply (point cloud) and
// .smlm (ShareLoc.XYZ). The CLI reads and writes tables only through these two functions.
#pragma once

#include <string>

#include "core/localization_table.h"

namespace smlm::io {

// What some formats need beyond the table: Picasso stores camera pixels and the field of view.
struct TableFileOptions {
  double pixel_size_nm = 0;         // Picasso: required to write; read from the sidecar when 0
  int width_px = 0, height_px = 0;  // Picasso's field of view; 0 = from the data
  int64_t frames = 0;               // Picasso's movie length; 0 = from the data
};

enum class TableFormat { thunderstorm_csv, picasso_hdf5, ply, smlm };

// The format named by `path`'s extension (case-insensitive); throws smlm::Error for others.
TableFormat table_format(const std::string& path);

LocalizationTable read_table(const std::string& path, const TableFileOptions& options = {});
void write_table(const std::string& path, const LocalizationTable& table,
                 const TableFileOptions& options = {});

}  // namespace smlm::io
