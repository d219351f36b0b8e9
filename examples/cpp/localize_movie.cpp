// Localizes a TIFF movie with smlm's library API and writes a ThunderSTORM CSV: what
// `smlm localize MOVIE -o LOCS.csv --pixel-size P --baseline B --photons-per-adu A` does, in a
// page of code. Usage: localize_movie MOVIE.tif LOCS.csv [PIXEL_NM BASELINE_ADU E_PER_ADU]
#include <cstdio>
#include <cstdlib>
#include <vector>

#include <smlm/smlm.h>

int main(int argc, char** argv) {
  if (argc != 3 && argc != 6) {
    std::fprintf(stderr, "usage: %s MOVIE.tif LOCS.csv [PIXEL_NM BASELINE_ADU E_PER_ADU]\n",
                 argv[0]);
    return 2;
  }
  try {
    smlm::CameraModel camera;  // ThunderSTORM's camera settings; defaults: 100 nm, 1 e-/ADU, 100
    if (argc == 6) {
      camera.pixel_size_nm = std::atof(argv[3]);
      camera.baseline_adu = std::atof(argv[4]);
      camera.photons_per_adu = std::atof(argv[5]);
    }
    smlm::localization::LocalizeSettings settings;  // wavelet detection, LM fits on CPU threads

    // The movie is streamed: memory holds one batch of frames, not the whole movie.
    smlm::io::TiffMovieReader reader(argv[1]);
    smlm::localization::Localizer localizer(camera, settings);
    smlm::LocalizationTable table;
    std::vector<smlm::ImageF> frames;
    for (int64_t first = 0; reader.read_batch(64, frames) > 0; first = reader.position())
      table.append(localizer.localize(frames, first));

    smlm::io::write_table(argv[2], table, {camera.pixel_size_nm, reader.width(), reader.height(),
                                           reader.num_frames()});
    std::printf("smlm %s: %zu localizations in %lld frames\n", smlm::version(), table.size(),
                static_cast<long long>(reader.num_frames()));
    return 0;
  } catch (const smlm::Error& e) {
    std::fprintf(stderr, "localize_movie: error: %s\n", e.what());
    return 1;
  }
}
