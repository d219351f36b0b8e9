// smlm's public C++ API in one include: simulation, localization, reconstruction and file I/O.
// Link smlm::smlm (CMake: find_package(smlm)) or `pkg-config --cflags --libs smlm`. Every error is
// an smlm::Error whose message names the file or value and what was expected.
//
// The usual path, as `smlm localize` takes it:
//   smlm::io::TiffMovieReader reader("movie.tif");           // streams frames, bounded memory
//   smlm::localization::Localizer localizer(camera, settings);
//   reader.read_batch(64, frames); table = localizer.localize(frames, first_frame);
//   smlm::io::write_table("locs.csv", table);                // ThunderSTORM CSV
#pragma once

#include "smlm/version.h"

#include "core/atomic_file.h"
#include "core/camera.h"
#include "core/camera_maps.h"
#include "core/error.h"
#include "core/image.h"
#include "core/localization_table.h"
#include "io/camera_maps_file.h"
#include "io/picasso_hdf5.h"
#include "io/ply.h"
#include "io/png_image.h"
#include "io/smlm_zip.h"
#include "io/table_file.h"
#include "io/thunderstorm_csv.h"
#include "io/tiff_movie.h"
#include "kernels/device.h"
#include "localization/batch_fit.h"
#include "localization/crlb.h"
#include "localization/detect.h"
#include "localization/fit_rows.h"
#include "localization/frame_localizer.h"
#include "localization/localizer.h"
#include "localization/mle_fit.h"
#include "localization/nets/deepstorm/deepstorm_localizer.h"
#include "localization/nets/registry.h"
#include "localization/refine.h"
#include "localization/stream.h"
#include "psf/astigmatic_gaussian.h"
#include "psf/calibration.h"
#include "psf/cubic_spline.h"
#include "psf/integrated_gaussian.h"
#include "psf/pupil.h"
#include "psf/roi_size.h"
#include "psf/zernike.h"
#include "reconstruction/display.h"
#include "reconstruction/drift.h"
#include "reconstruction/evaluate.h"
#include "reconstruction/filter.h"
#include "reconstruction/frc.h"
#include "reconstruction/matching.h"
#include "reconstruction/merge.h"
#include "reconstruction/render.h"
#include "simulation/emitters.h"
#include "simulation/movie_simulator.h"
#include "simulation/photophysics.h"
#include "simulation/psf_spec.h"
#include "simulation/pupil_spline.h"
#include "simulation/scmos_maps.h"
