#include "io/table_file.h"

#include <algorithm>
#include <cctype>
#include <filesystem>

#include "core/error.h"
#include "io/picasso_hdf5.h"
#include "io/ply.h"
#include "io/smlm_zip.h"
#include "io/thunderstorm_csv.h"

namespace smlm::io {

TableFormat table_format(const std::string& path) {
  std::string ext = std::filesystem::path(path).extension().string();
  std::transform(ext.begin(), ext.end(), ext.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  if (ext == ".csv") return TableFormat::thunderstorm_csv;
  if (ext == ".hdf5" || ext == ".h5") return TableFormat::picasso_hdf5;
  if (ext == ".ply") return TableFormat::ply;
  if (ext == ".smlm") return TableFormat::smlm;
  throw Error(path + ": unknown table format '" + ext +
              "' (expected .csv, .hdf5/.h5, .ply or .smlm)");
}

LocalizationTable read_table(const std::string& path, const TableFileOptions& options) {
  switch (table_format(path)) {
    case TableFormat::thunderstorm_csv:
      return read_thunderstorm_csv(path);
    case TableFormat::picasso_hdf5:
      return read_picasso_hdf5(path, nullptr, options.pixel_size_nm);
    case TableFormat::ply:
      return read_ply(path);
    case TableFormat::smlm:
      return read_smlm(path);
  }
  throw Error(path + ": unreachable table format");
}

void write_table(const std::string& path, const LocalizationTable& table,
                 const TableFileOptions& options) {
  switch (table_format(path)) {
    case TableFormat::thunderstorm_csv:
      return write_thunderstorm_csv(path, table);
    case TableFormat::picasso_hdf5: {
      SMLM_CHECK(options.pixel_size_nm > 0,
                 path << ": Picasso files store camera pixels: give the pixel size");
      PicassoInfo info;
      info.width = options.width_px;
      info.height = options.height_px;
      info.frames = options.frames;
      info.pixel_size_nm = options.pixel_size_nm;
      return write_picasso_hdf5(path, table, info);
    }
    case TableFormat::ply:
      return write_ply(path, table);
    case TableFormat::smlm:
      return write_smlm(path, table);
  }
}

}  // namespace smlm::io
