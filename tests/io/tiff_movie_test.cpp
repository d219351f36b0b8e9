// Tests of io/tiff_movie: round trips for every pixel type, streaming, damaged and foreign files,
// files written by libtiff directly (tiles, compression, signed, RGB), ImageJ's single-IFD stacks
// crafted byte by byte, and a real ThunderSTORM movie.
#include "io/tiff_movie.h"

#include <gtest/gtest.h>
#include <tiffio.h>

#include <algorithm>
#include <cmath>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <functional>
#include <limits>

#include "tests/test_util.h"

namespace smlm::io {
namespace {

using test::error_of;

namespace fs = std::filesystem;

// The message of the smlm::Error that `f` throws ("" if it throws none).

// Opens and reads every frame.
void read_all(const std::string& path) {
  TiffMovieReader r(path);
  ImageF frame;
  while (r.read(frame)) {
  }
}

ImageF ramp(int w, int h, float scale, float offset) {
  ImageF im(w, h);
  for (int y = 0; y < h; ++y)
    for (int x = 0; x < w; ++x) im(x, y) = offset + scale * float(y * w + x);
  return im;
}

void write_movie(const std::string& path, int w, int h, int frames, PixelType type,
                 bool bigtiff = false) {
  TiffMovieWriter wr(path, w, h, type, bigtiff);
  for (int i = 0; i < frames; ++i) wr.write(ramp(w, h, 1.0f, float(100 * i)));
  wr.close();
}

bool folder_empty(const fs::path& dir) { return fs::is_empty(dir); }

// --- round trips -------------------------------------------------------------------------------

struct TypeCase {
  PixelType type;
  bool bigtiff;
  float scale, offset;  // frame k pixel i = offset + scale·i + 1000·k, all exact in the type
};

class TiffRoundTrip : public ::testing::TestWithParam<TypeCase> {};

TEST_P(TiffRoundTrip, WritesAndReadsBackEveryFrame) {
  const TypeCase c = GetParam();
  test::TempDir dir;
  const std::string path = dir / "movie.tif";
  const int w = 13, h = 7, n = 4;
  const float step = c.type == PixelType::u8 ? 10.0f : 1000.0f;
  {
    TiffMovieWriter wr(path, w, h, c.type, c.bigtiff);
    for (int k = 0; k < n; ++k) wr.write(ramp(w, h, c.scale, c.offset + step * float(k)));
    EXPECT_EQ(wr.frames_written(), n);
    EXPECT_FALSE(fs::exists(path)) << "visible before close()";
    wr.close();
  }
  EXPECT_EQ(std::distance(fs::directory_iterator(dir.path()), fs::directory_iterator()), 1)
      << "temporary file left behind";

  TiffMovieReader r(path);
  EXPECT_EQ(r.width(), w);
  EXPECT_EQ(r.height(), h);
  EXPECT_EQ(r.num_frames(), n);
  EXPECT_EQ(r.info().type, c.type);
  EXPECT_EQ(r.info().bigtiff, c.bigtiff);
  EXPECT_FALSE(r.info().is_signed);
  ImageF frame;
  for (int k = 0; k < n; ++k) {
    EXPECT_EQ(r.position(), k);
    ASSERT_TRUE(r.read(frame));
    const ImageF want = ramp(w, h, c.scale, c.offset + step * float(k));
    ASSERT_EQ(frame.width(), w);
    ASSERT_EQ(frame.height(), h);
    for (size_t i = 0; i < want.size(); ++i)
      ASSERT_EQ(frame.data()[i], want.data()[i]) << "frame " << k << " pixel " << i;
  }
  EXPECT_FALSE(r.read(frame));

  // The header's magic number says BigTIFF (43) or classic (42).
  std::ifstream in(path, std::ios::binary);
  char hdr[4];
  in.read(hdr, 4);
  EXPECT_EQ(hdr[2] + hdr[3], c.bigtiff ? 43 : 42);
}

INSTANTIATE_TEST_SUITE_P(AllTypes, TiffRoundTrip,
                         ::testing::Values(TypeCase{PixelType::u8, false, 1.0f, 3.0f},
                                           TypeCase{PixelType::u16, false, 517.0f, 7.0f},
                                           TypeCase{PixelType::u32, false, 3.0e7f, 1.0e6f},
                                           TypeCase{PixelType::f32, false, -0.37f, 12.5f},
                                           TypeCase{PixelType::u8, true, 1.0f, 3.0f},
                                           TypeCase{PixelType::u16, true, 517.0f, 7.0f},
                                           TypeCase{PixelType::u32, true, 3.0e7f, 1.0e6f},
                                           TypeCase{PixelType::f32, true, -0.37f, 12.5f}));

TEST(TiffMovieWriter, RoundsAndClampsIntegerTypes) {
  test::TempDir dir;
  const float nan = std::numeric_limits<float>::quiet_NaN();
  ImageF in(6, 1);
  const float values[6] = {-5.0f, 300.0f, 2.5f, 2.49f, nan, 70000.0f};
  std::copy(values, values + 6, in.data());
  struct Want {
    PixelType type;
    float v[6];
  };
  for (const Want& c :
       {Want{PixelType::u8, {0, 255, 3, 2, 0, 255}}, Want{PixelType::u16, {0, 300, 3, 2, 0, 65535}},
        Want{PixelType::u32, {0, 300, 3, 2, 0, 70000}}}) {
    const std::string path = dir / "clamp.tif";
    TiffMovieWriter wr(path, 6, 1, c.type);
    wr.write(in);
    wr.close();
    const ImageF out = read_tiff_image(path);
    for (int i = 0; i < 6; ++i) EXPECT_EQ(out.data()[i], c.v[i]) << "type " << int(c.type);
  }
  // u32 saturates at 2^32 - 1 (as float: 2^32).
  ImageF big(1, 1, 1e12f);
  TiffMovieWriter wr(dir / "big.tif", 1, 1, PixelType::u32);
  wr.write(big);
  wr.close();
  EXPECT_EQ(read_tiff_image(dir / "big.tif").data()[0], 4294967295.0f);
}

TEST(TiffMovieWriter, SwitchesToBigTiffWhenTheHintSaysOver4GB) {
  test::TempDir dir;
  // 64 x 64 float = 16 KiB per frame; 300000 frames ≈ 4.9 GB.
  {
    TiffMovieWriter wr(dir / "hinted.tif", 64, 64, PixelType::f32, false, 300000);
    wr.write(ImageF(64, 64, 1.0f));
    wr.close();
  }
  {
    TiffMovieWriter wr(dir / "small.tif", 64, 64, PixelType::f32, false, 1000);
    wr.write(ImageF(64, 64, 1.0f));
    wr.close();
  }
  EXPECT_TRUE(TiffMovieReader(dir / "hinted.tif").info().bigtiff);
  EXPECT_FALSE(TiffMovieReader(dir / "small.tif").info().bigtiff);
}

TEST(TiffMovieWriter, DiscardsThePartialFileWithoutClose) {
  test::TempDir dir;
  {
    TiffMovieWriter wr(dir / "partial.tif", 8, 8, PixelType::u16);
    wr.write(ImageF(8, 8, 5.0f));
  }
  EXPECT_TRUE(folder_empty(dir.path()));
}

TEST(TiffMovieWriter, RejectsWrongSizesAndEmptyMovies) {
  test::TempDir dir;
  const std::string path = dir / "m.tif";
  {
    TiffMovieWriter wr(path, 8, 8, PixelType::u16);
    const std::string msg = error_of([&] { wr.write(ImageF(8, 9)); });
    EXPECT_NE(msg.find(path), std::string::npos) << msg;
    EXPECT_NE(msg.find("8x9"), std::string::npos) << msg;
    EXPECT_NE(error_of([&] { wr.close(); }), "");  // no frames
  }
  EXPECT_TRUE(folder_empty(dir.path()));
  EXPECT_NE(error_of([&] { TiffMovieWriter(path, 0, 8, PixelType::u16); }), "");
  const std::string missing = dir / "no/such/folder/m.tif";
  const std::string msg = error_of([&] { TiffMovieWriter(missing, 8, 8, PixelType::u16); });
  EXPECT_NE(msg.find(missing), std::string::npos) << msg;
}

TEST(TiffImage, FloatImageRoundTrip) {
  test::TempDir dir;
  const ImageF im = ramp(31, 17, -1.25f, 0.5f);
  write_tiff_image(dir / "render.tif", im);
  TiffMovieReader r(dir / "render.tif");
  EXPECT_EQ(r.info().type, PixelType::f32);
  EXPECT_EQ(r.num_frames(), 1);
  const ImageF back = read_tiff_image(dir / "render.tif");
  ASSERT_EQ(back.width(), 31);
  ASSERT_EQ(back.height(), 17);
  EXPECT_EQ(back.vec(), im.vec());
}

// --- streaming ---------------------------------------------------------------------------------

TEST(TiffMovieReader, StreamsInBatchesAcrossTheEnd) {
  test::TempDir dir;
  const std::string path = dir / "movie.tif";
  write_movie(path, 5, 4, 7, PixelType::u16);
  TiffMovieReader r(path);
  std::vector<ImageF> batch;
  EXPECT_EQ(r.read_batch(3, batch), 3);
  EXPECT_EQ(batch.size(), 3u);
  EXPECT_EQ(r.position(), 3);
  EXPECT_EQ(batch[2](0, 0), 200.0f);
  EXPECT_EQ(r.read_batch(3, batch), 3);
  EXPECT_EQ(batch[0](1, 0), 301.0f);
  EXPECT_EQ(r.read_batch(3, batch), 1);
  ASSERT_EQ(batch.size(), 1u);
  EXPECT_EQ(batch[0](4, 3), 600.0f + 19.0f);
  EXPECT_EQ(r.position(), 7);
  EXPECT_EQ(r.read_batch(3, batch), 0);
  EXPECT_TRUE(batch.empty());
  ImageF frame;
  EXPECT_FALSE(r.read(frame));
  EXPECT_EQ(r.position(), 7);
}

// --- damaged and foreign files -----------------------------------------------------------------

TEST(TiffMovieReader, TruncatedFileIsAnErrorNamingTheFile) {
  test::TempDir dir;
  const std::string path = dir / "cut.tif";
  write_movie(path, 32, 32, 10, PixelType::u16);
  // Several cut points: inside a frame's pixels, inside an IFD, inside the first frame.
  for (const double keep : {0.55, 0.95, 0.02}) {
    const std::string cut = dir / ("cut" + std::to_string(int(keep * 100)) + ".tif");
    fs::copy_file(path, cut);
    fs::resize_file(cut, uintmax_t(double(fs::file_size(path)) * keep));
    ::testing::internal::CaptureStderr();
    const std::string msg = error_of([&] { read_all(cut); });
    const std::string err = ::testing::internal::GetCapturedStderr();
    EXPECT_NE(msg, "") << "no error for a file cut to " << keep;
    EXPECT_NE(msg.find(cut), std::string::npos) << msg;
    EXPECT_EQ(msg.find('\n'), std::string::npos) << "not one line: " << msg;
    EXPECT_EQ(err, "") << "libtiff printed to stderr";
  }
}

TEST(TiffMovieReader, NonTiffAndMissingFiles) {
  test::TempDir dir;
  const std::string text = dir / "notes.tif";
  std::ofstream(text) << "this is not a TIFF file, only text\n";
  ::testing::internal::CaptureStderr();
  std::string msg = error_of([&] { TiffMovieReader r(text); });
  EXPECT_EQ(::testing::internal::GetCapturedStderr(), "");
  EXPECT_NE(msg.find(text), std::string::npos) << msg;
  EXPECT_NE(msg.find("not a readable TIFF"), std::string::npos) << msg;

  const std::string missing = dir / "missing.tif";
  msg = error_of([&] { TiffMovieReader r(missing); });
  EXPECT_NE(msg.find(missing), std::string::npos) << msg;
  EXPECT_NE(msg.find("no such file"), std::string::npos) << msg;

  std::ofstream(dir / "empty.tif").close();
  EXPECT_NE(error_of([&] { TiffMovieReader r(dir / "empty.tif"); }), "");
}

// --- files written by libtiff directly ---------------------------------------------------------

// Writes pages of (w, h) each through libtiff with the given layout.
struct PageSpec {
  uint32_t w, h;
  uint16_t bits = 16, format = SAMPLEFORMAT_UINT, spp = 1, compression = COMPRESSION_NONE;
  uint32_t tile = 0;  // 0: strips of 3 rows
};

void write_with_libtiff(const std::string& path, const std::vector<PageSpec>& pages,
                        const char* description = nullptr) {
  TIFF* tif = TIFFOpen(path.c_str(), "w");
  ASSERT_NE(tif, nullptr);
  int k = 0;
  for (const PageSpec& p : pages) {
    TIFFSetField(tif, TIFFTAG_IMAGEWIDTH, p.w);
    TIFFSetField(tif, TIFFTAG_IMAGELENGTH, p.h);
    TIFFSetField(tif, TIFFTAG_SAMPLESPERPIXEL, p.spp);
    TIFFSetField(tif, TIFFTAG_BITSPERSAMPLE, p.bits);
    TIFFSetField(tif, TIFFTAG_SAMPLEFORMAT, p.format);
    TIFFSetField(tif, TIFFTAG_PHOTOMETRIC, p.spp == 3 ? PHOTOMETRIC_RGB : PHOTOMETRIC_MINISBLACK);
    TIFFSetField(tif, TIFFTAG_PLANARCONFIG, PLANARCONFIG_CONTIG);
    TIFFSetField(tif, TIFFTAG_COMPRESSION, p.compression);
    if (description && k == 0) TIFFSetField(tif, TIFFTAG_IMAGEDESCRIPTION, description);
    const size_t bpp = size_t(p.bits / 8) * p.spp;
    // Pixel (x, y) of page k holds 10·k + x - y (signed formats see negatives).
    std::vector<uint8_t> img(size_t(p.w) * p.h * bpp);
    for (uint32_t y = 0; y < p.h; ++y)
      for (uint32_t x = 0; x < p.w; ++x) {
        const int v = 10 * k + int(x) - int(y);
        uint8_t* d = img.data() + (size_t(y) * p.w + x) * bpp;
        if (p.bits == 16) {
          const int16_t s = int16_t(v);
          std::memcpy(d, &s, 2);
        } else {
          d[0] = uint8_t(v);
        }
      }
    if (p.tile) {
      TIFFSetField(tif, TIFFTAG_TILEWIDTH, p.tile);
      TIFFSetField(tif, TIFFTAG_TILELENGTH, p.tile);
      std::vector<uint8_t> t(size_t(TIFFTileSize(tif)));
      for (uint32_t y0 = 0; y0 < p.h; y0 += p.tile)
        for (uint32_t x0 = 0; x0 < p.w; x0 += p.tile) {
          std::fill(t.begin(), t.end(), 0);
          for (uint32_t y = y0; y < std::min(p.h, y0 + p.tile); ++y)
            for (uint32_t x = x0; x < std::min(p.w, x0 + p.tile); ++x)
              std::memcpy(t.data() + (size_t(y - y0) * p.tile + (x - x0)) * bpp,
                          img.data() + (size_t(y) * p.w + x) * bpp, bpp);
          ASSERT_GE(TIFFWriteTile(tif, t.data(), x0, y0, 0, 0), 0);
        }
    } else {
      TIFFSetField(tif, TIFFTAG_ROWSPERSTRIP, 3u);
      for (uint32_t y = 0; y < p.h; ++y)
        ASSERT_EQ(TIFFWriteScanline(tif, img.data() + size_t(y) * p.w * bpp, y, 0), 1);
    }
    ASSERT_TRUE(TIFFWriteDirectory(tif));
    ++k;
  }
  TIFFClose(tif);
}

TEST(TiffMovieReader, ReadsTiledCompressedSignedPages) {
  test::TempDir dir;
  const std::string path = dir / "tiled.tif";
  PageSpec p{40, 24};
  p.format = SAMPLEFORMAT_INT;
  p.tile = 16;  // 3 x 2 tiles, the last column and row partly outside the image
  p.compression = COMPRESSION_LZW;
  write_with_libtiff(path, {p, p, p});
  TiffMovieReader r(path);
  EXPECT_EQ(r.num_frames(), 3);
  EXPECT_EQ(r.info().type, PixelType::u16);
  EXPECT_TRUE(r.info().is_signed);
  ImageF f;
  for (int k = 0; k < 3; ++k) {
    ASSERT_TRUE(r.read(f));
    for (int y = 0; y < 24; ++y)
      for (int x = 0; x < 40; ++x) ASSERT_EQ(f(x, y), float(10 * k + x - y)) << x << "," << y;
  }
}

TEST(TiffMovieReader, ReadsMultiStripPagesAndOmeTiff) {
  test::TempDir dir;
  const std::string path = dir / "ome.tif";
  PageSpec p{9, 10};
  p.bits = 8;
  p.compression = COMPRESSION_ADOBE_DEFLATE;
  const char* ome =
      "<?xml version=\"1.0\"?><OME xmlns=\"http://www.openmicroscopy.org/Schemas/OME/2016-06\">"
      "<Image ID=\"Image:0\"><Pixels DimensionOrder=\"XYZCT\" SizeX=\"9\" SizeY=\"10\" "
      "SizeZ=\"1\" SizeC=\"1\" SizeT=\"4\" Type=\"uint8\"/></Image></OME>";
  write_with_libtiff(path, {p, p, p, p}, ome);
  TiffMovieReader r(path);
  EXPECT_EQ(r.num_frames(), 4);
  EXPECT_EQ(r.info().type, PixelType::u8);
  std::vector<ImageF> b;
  ASSERT_EQ(r.read_batch(10, b), 4);
  EXPECT_EQ(b[3](8, 0), 38.0f);
  EXPECT_EQ(b[3](0, 9), 21.0f);
}

TEST(TiffMovieReader, RejectsRgbAndPagesOfDifferingSize) {
  test::TempDir dir;
  PageSpec rgb{8, 8};
  rgb.bits = 8;
  rgb.spp = 3;
  write_with_libtiff(dir / "rgb.tif", {rgb});
  std::string msg = error_of([&] { TiffMovieReader r(dir / "rgb.tif"); });
  EXPECT_NE(msg.find(dir / "rgb.tif"), std::string::npos) << msg;
  EXPECT_NE(msg.find("samples per pixel"), std::string::npos) << msg;

  write_with_libtiff(dir / "mixed.tif", {PageSpec{8, 8}, PageSpec{8, 8}, PageSpec{6, 8}});
  TiffMovieReader r(dir / "mixed.tif");
  EXPECT_EQ(r.num_frames(), 3);
  ImageF f;
  EXPECT_TRUE(r.read(f));
  EXPECT_TRUE(r.read(f));
  msg = error_of([&] { r.read(f); });
  EXPECT_NE(msg.find(dir / "mixed.tif"), std::string::npos) << msg;
  EXPECT_NE(msg.find("frame 2"), std::string::npos) << msg;
  EXPECT_NE(msg.find("differing size"), std::string::npos) << msg;
}

// --- ImageJ single-IFD stacks ------------------------------------------------------------------

// A minimal classic TIFF, byte by byte, as ImageJ writes stacks > 4 GB: one IFD whose description
// says images=N, then all N frames contiguously after the first frame's strip. Frame k pixel i
// holds 1000·k + i (as uint16 or float).
std::vector<uint8_t> imagej_file(int w, int h, int frames, bool big_endian, bool is_float) {
  std::vector<uint8_t> d;
  auto u16 = [&](uint16_t v) {
    if (big_endian) {
      d.push_back(uint8_t(v >> 8));
      d.push_back(uint8_t(v));
    } else {
      d.push_back(uint8_t(v));
      d.push_back(uint8_t(v >> 8));
    }
  };
  auto u32 = [&](uint32_t v) {
    if (big_endian) {
      u16(uint16_t(v >> 16));
      u16(uint16_t(v));
    } else {
      u16(uint16_t(v));
      u16(uint16_t(v >> 16));
    }
  };
  const std::string desc = "ImageJ=1.53t\nimages=" + std::to_string(frames) +
                           "\nslices=" + std::to_string(frames) + "\n";
  const int bps = is_float ? 4 : 2;
  const uint32_t nentries = is_float ? 11 : 10;
  const uint32_t desc_off = 8 + 2 + 12 * nentries + 4;
  const uint32_t data_off = desc_off + uint32_t(desc.size()) + 1;
  const uint32_t frame_bytes = uint32_t(w * h * bps);
  d.push_back(big_endian ? 'M' : 'I');
  d.push_back(big_endian ? 'M' : 'I');
  u16(42);
  u32(8);
  u16(uint16_t(nentries));
  auto entry = [&](uint16_t tag, uint16_t type, uint32_t count, uint32_t value) {
    u16(tag);
    u16(type);
    u32(count);
    if (type == 3 && count == 1) {  // a SHORT sits in the first two bytes of the value field
      u16(uint16_t(value));
      u16(0);
    } else {
      u32(value);
    }
  };
  entry(256, 4, 1, uint32_t(w));                       // ImageWidth
  entry(257, 4, 1, uint32_t(h));                       // ImageLength
  entry(258, 3, 1, uint32_t(8 * bps));                 // BitsPerSample
  entry(259, 3, 1, 1);                                 // Compression: none
  entry(262, 3, 1, 1);                                 // Photometric: min-is-black
  entry(270, 2, uint32_t(desc.size() + 1), desc_off);  // ImageDescription
  entry(273, 4, 1, data_off);                          // StripOffsets
  entry(277, 3, 1, 1);                                 // SamplesPerPixel
  entry(278, 4, 1, uint32_t(h));                       // RowsPerStrip
  entry(279, 4, 1, frame_bytes);                       // StripByteCounts: the first frame only
  if (is_float) entry(339, 3, 1, 3);                   // SampleFormat: IEEE float
  u32(0);                                              // no next IFD
  EXPECT_EQ(d.size(), desc_off);
  d.insert(d.end(), desc.begin(), desc.end());
  d.push_back(0);
  for (int k = 0; k < frames; ++k)
    for (int i = 0; i < w * h; ++i) {
      const int v = 1000 * k + i;
      if (is_float) {
        const float f = float(v) + 0.25f;
        uint32_t bits;
        std::memcpy(&bits, &f, 4);
        u32(bits);
      } else {
        u16(uint16_t(v));
      }
    }
  return d;
}

struct ImageJCase {
  bool big_endian, is_float;
};
class ImageJContiguous : public ::testing::TestWithParam<ImageJCase> {};

TEST_P(ImageJContiguous, StreamsAllFramesOfOneIfd) {
  const ImageJCase c = GetParam();
  test::TempDir dir;
  const std::string path = dir / "imagej.tif";
  const int w = 6, h = 5, n = 5;
  const std::vector<uint8_t> bytes = imagej_file(w, h, n, c.big_endian, c.is_float);
  std::ofstream(path, std::ios::binary)
      .write(reinterpret_cast<const char*>(bytes.data()), std::streamsize(bytes.size()));
  TiffMovieReader r(path);
  EXPECT_EQ(r.num_frames(), n);
  EXPECT_EQ(r.width(), w);
  EXPECT_EQ(r.height(), h);
  EXPECT_EQ(r.info().type, c.is_float ? PixelType::f32 : PixelType::u16);
  ImageF f;
  for (int k = 0; k < n; ++k) {
    ASSERT_TRUE(r.read(f)) << k;
    for (int i = 0; i < w * h; ++i)
      ASSERT_EQ(f.data()[i], float(1000 * k + i) + (c.is_float ? 0.25f : 0.0f))
          << "frame " << k << " pixel " << i;
  }
  EXPECT_FALSE(r.read(f));

  // The same file short of its last frame's final bytes fails at open, naming the file.
  const std::string cut = dir / "imagej_cut.tif";
  std::ofstream(cut, std::ios::binary)
      .write(reinterpret_cast<const char*>(bytes.data()), std::streamsize(bytes.size() - 7));
  const std::string msg = error_of([&] { read_all(cut); });
  EXPECT_NE(msg.find(cut), std::string::npos) << msg;
  EXPECT_NE(msg.find("truncated"), std::string::npos) << msg;
}

INSTANTIATE_TEST_SUITE_P(ByteOrders, ImageJContiguous,
                         ::testing::Values(ImageJCase{false, false}, ImageJCase{true, false},
                                           ImageJCase{true, true}, ImageJCase{false, true}));

TEST(TiffMovieReader, PixelDataCutShortFailsAtTheReadOfThatFrame) {
  // One IFD before its pixel data (images=1: an ordinary page), the data cut short: the page
  // chain is intact, so the file opens, and reading the frame fails.
  test::TempDir dir;
  const std::string path = dir / "cut_pixels.tif";
  const std::vector<uint8_t> bytes = imagej_file(16, 16, 1, false, false);
  std::ofstream(path, std::ios::binary)
      .write(reinterpret_cast<const char*>(bytes.data()), std::streamsize(bytes.size() - 100));
  TiffMovieReader r(path);
  EXPECT_EQ(r.num_frames(), 1);
  ImageF f;
  ::testing::internal::CaptureStderr();
  const std::string msg = error_of([&] { r.read(f); });
  EXPECT_EQ(::testing::internal::GetCapturedStderr(), "");
  EXPECT_NE(msg.find(path), std::string::npos) << msg;
  EXPECT_NE(msg.find("frame 0"), std::string::npos) << msg;
  EXPECT_EQ(r.position(), 0);
}

TEST(TiffMovieReader, ImageJDescriptionWithAllIfdsReadsPages) {
  test::TempDir dir;
  const std::string path = dir / "ij_pages.tif";
  write_with_libtiff(path, {PageSpec{8, 8}, PageSpec{8, 8}, PageSpec{8, 8}},
                     "ImageJ=1.53t\nimages=3\nslices=3\n");
  TiffMovieReader r(path);
  EXPECT_EQ(r.num_frames(), 3);
  std::vector<ImageF> b;
  ASSERT_EQ(r.read_batch(3, b), 3);
  EXPECT_EQ(b[2](3, 1), 22.0f);
}

// --- real data ---------------------------------------------------------------------------------

TEST(TiffMovieReader, ReadsThunderstormMovie) {
  SMLM_REQUIRE_SHARED_DATA(path, "thunderstorm/movie.tif");
  TiffMovieReader r(path);
  EXPECT_EQ(r.num_frames(), 200);
  EXPECT_EQ(r.width(), 64);
  EXPECT_EQ(r.height(), 64);
  EXPECT_EQ(r.info().type, PixelType::u16);
  ImageF f;
  double sum = 0, lo = 1e9, hi = 0;
  int64_t n = 0;
  while (r.read(f)) {
    for (float v : f.vec()) {
      sum += v;
      lo = std::min(lo, double(v));
      hi = std::max(hi, double(v));
    }
    n += int64_t(f.size());
  }
  EXPECT_EQ(r.position(), 200);
  EXPECT_EQ(n, 200 * 64 * 64);
  const double mean = sum / double(n);
  // Baseline 100 ADU + 10 photons/px background, 10 emitters of 1000 photons per frame.
  EXPECT_GE(lo, 95.0);
  EXPECT_GT(mean, 105.0);
  EXPECT_LT(mean, 130.0);
  EXPECT_GT(hi, 160.0);
}

// --- hostile files (issue 12) ------------------------------------------------------------------

uint32_t le32(const std::string& b, size_t at) {
  return uint32_t(uint8_t(b[at])) | uint32_t(uint8_t(b[at + 1])) << 8 |
         uint32_t(uint8_t(b[at + 2])) << 16 | uint32_t(uint8_t(b[at + 3])) << 24;
}
uint16_t le16(const std::string& b, size_t at) {
  return uint16_t(uint8_t(b[at]) | uint8_t(b[at + 1]) << 8);
}
void put32(std::string& b, size_t at, uint32_t v) {
  for (int i = 0; i < 4; ++i) b[at + i] = char((v >> (8 * i)) & 0xff);
}
void put16(std::string& b, size_t at, uint16_t v) {
  b[at] = char(v & 0xff);
  b[at + 1] = char(v >> 8);
}

// The offsets of every IFD of a little-endian classic TIFF, in chain order.
std::vector<uint32_t> ifd_offsets(const std::string& b) {
  EXPECT_EQ(b.substr(0, 4), std::string("II*\0", 4)) << "a little-endian classic TIFF";
  std::vector<uint32_t> ifds;
  for (uint32_t off = le32(b, 4); off != 0 && ifds.size() < 1000;
       off = le32(b, off + 2 + 12 * size_t(le16(b, off))))
    ifds.push_back(off);
  return ifds;
}

TEST(TiffMovieReader, LoopingPageChainIsAnErrorNamingFileAndPage) {
  test::TempDir dir;
  const std::string path = dir / "loop.tif";
  write_movie(path, 8, 8, 50, PixelType::u16);
  std::string b = test::read_text(path);
  const std::vector<uint32_t> ifds = ifd_offsets(b);
  ASSERT_EQ(ifds.size(), 50u);
  // Page 5's next-page pointer goes back to page 2.
  put32(b, ifds[4] + 2 + 12 * size_t(le16(b, ifds[4])), ifds[1]);
  test::write_text(path, b);
  ::testing::internal::CaptureStderr();
  const std::string msg = error_of([&] { read_all(path); });
  EXPECT_EQ(::testing::internal::GetCapturedStderr(), "");
  EXPECT_NE(msg.find(path), std::string::npos) << msg;
  EXPECT_NE(msg.find("loop"), std::string::npos) << msg;
  EXPECT_NE(msg.find("page 5"), std::string::npos) << msg;
  EXPECT_EQ(msg.find('\n'), std::string::npos) << msg;
}

// Sets the first page's width and height tags to w x h (as LONG values).
void claim_size(std::string& b, uint32_t w, uint32_t h) {
  const uint32_t ifd = ifd_offsets(b).at(0);
  for (size_t e = 0; e < le16(b, ifd); ++e) {
    const size_t at = ifd + 2 + 12 * e;
    const uint16_t tag = le16(b, at);
    if (tag != TIFFTAG_IMAGEWIDTH && tag != TIFFTAG_IMAGELENGTH) continue;
    put16(b, at + 2, TIFF_LONG);
    put32(b, at + 4, 1);
    put32(b, at + 8, tag == TIFFTAG_IMAGEWIDTH ? w : h);
  }
}

TEST(TiffMovieReader, HugeClaimedPageSizeIsAnErrorBeforeAllocating) {
  test::TempDir dir;
  for (const bool one_page : {true, false}) {
    const std::string path = dir / (one_page ? "huge1.tif" : "huge.tif");
    write_movie(path, 8, 8, one_page ? 1 : 3, PixelType::u16);
    std::string b = test::read_text(path);
    claim_size(b, 100000, 100000);
    test::write_text(path, b);
    ::testing::internal::CaptureStderr();
    const std::string msg = error_of([&] { read_all(path); });
    EXPECT_EQ(::testing::internal::GetCapturedStderr(), "");
    EXPECT_NE(msg.find(path), std::string::npos) << msg;
    EXPECT_NE(msg.find("100000x100000"), std::string::npos) << msg;
    EXPECT_NE(msg.find("page 1"), std::string::npos) << msg;
    EXPECT_EQ(msg.find('\n'), std::string::npos) << msg;
  }
}

}  // namespace
}  // namespace smlm::io
