// The calibration's HDF5 file (C API; attributes for settings, datasets for coefficients and
// points; temporary file + rename) and the reader of ThunderSTORM's astigmatism YAML files.
#include <hdf5.h>

#include <cctype>
#include <charconv>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <map>
#include <sstream>
#include <string_view>
#include <utility>
#include <vector>

#include "core/atomic_file.h"
#include "core/error.h"
#include "core/hdf5.h"
#include "psf/calibration.h"

namespace smlm::psf {

namespace {

namespace fs = std::filesystem;

constexpr int kFormatVersion = 1;

using Id = Hdf5Id;

struct Writer {
  std::string path;
  hid_t check(hid_t id, const std::string& what) const {
    SMLM_CHECK(id >= 0, "cannot write PSF calibration '" << path << "': " << what << " failed");
    return id;
  }
  void check(herr_t e, const std::string& what) const {
    SMLM_CHECK(e >= 0, "cannot write PSF calibration '" << path << "': " << what << " failed");
  }
  void attr(hid_t loc, const char* name, double v) const {
    Id space(check(H5Screate(H5S_SCALAR), "dataspace"));
    Id a(check(H5Acreate2(loc, name, H5T_IEEE_F64LE, space.get(), H5P_DEFAULT, H5P_DEFAULT),
               std::string("attribute ") + name));
    check(H5Awrite(a.get(), H5T_NATIVE_DOUBLE, &v), std::string("attribute ") + name);
  }
  void attr(hid_t loc, const char* name, int v) const {
    Id space(check(H5Screate(H5S_SCALAR), "dataspace"));
    Id a(check(H5Acreate2(loc, name, H5T_STD_I32LE, space.get(), H5P_DEFAULT, H5P_DEFAULT),
               std::string("attribute ") + name));
    check(H5Awrite(a.get(), H5T_NATIVE_INT, &v), std::string("attribute ") + name);
  }
  void attr(hid_t loc, const char* name, const std::string& v) const {
    Id type(check(H5Tcopy(H5T_C_S1), "string type"));
    check(H5Tset_size(type.get(), std::max<size_t>(1, v.size())), "string type");
    check(H5Tset_strpad(type.get(), H5T_STR_NULLPAD), "string type");
    Id space(check(H5Screate(H5S_SCALAR), "dataspace"));
    Id a(check(H5Acreate2(loc, name, type.get(), space.get(), H5P_DEFAULT, H5P_DEFAULT),
               std::string("attribute ") + name));
    const std::string buf = v.empty() ? std::string(1, '\0') : v;
    check(H5Awrite(a.get(), type.get(), buf.data()), std::string("attribute ") + name);
  }
  template <class T>
  void dataset(hid_t loc, const char* name, const std::vector<hsize_t>& dims, const T* data) const {
    const hid_t file_type = std::is_same_v<T, float> ? H5T_IEEE_F32LE : H5T_IEEE_F64LE;
    const hid_t mem_type = std::is_same_v<T, float> ? H5T_NATIVE_FLOAT : H5T_NATIVE_DOUBLE;
    Id space(
        check(H5Screate_simple(static_cast<int>(dims.size()), dims.data(), nullptr), "dataspace"));
    Id ds(
        check(H5Dcreate2(loc, name, file_type, space.get(), H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT),
              std::string("dataset ") + name));
    check(H5Dwrite(ds.get(), mem_type, H5S_ALL, H5S_ALL, H5P_DEFAULT, data),
          std::string("dataset ") + name);
  }
};

struct Reader {
  std::string path;
  [[noreturn]] void fail(const std::string& what) const {
    throw Error("cannot read PSF calibration '" + path + "': " + what);
  }
  bool has_attr(hid_t loc, const char* name) const { return H5Aexists(loc, name) > 0; }
  double attr_double(hid_t loc, const char* name) const {
    if (!has_attr(loc, name)) fail(std::string("attribute '") + name + "' is missing");
    Id a(H5Aopen(loc, name, H5P_DEFAULT));
    double v = 0;
    if (!a.ok() || H5Aread(a.get(), H5T_NATIVE_DOUBLE, &v) < 0)
      fail(std::string("attribute '") + name + "' is not a number");
    if (!std::isfinite(v))
      fail(std::string("attribute '") + name + "' is " + std::to_string(v) +
           ", not a finite number");
    return v;
  }
  // A positive finite attribute.
  double attr_positive(hid_t loc, const char* name) const {
    const double v = attr_double(loc, name);
    if (!(v > 0))
      fail(std::string("attribute '") + name + "' is " + std::to_string(v) + ", not > 0");
    return v;
  }
  int attr_int(hid_t loc, const char* name) const {
    const double v = attr_double(loc, name);
    if (v != std::floor(v) || std::fabs(v) > 1e9)
      fail(std::string("attribute '") + name + "' is not an integer");
    return static_cast<int>(v);
  }
  std::string attr_string(hid_t loc, const char* name) const {
    if (!has_attr(loc, name)) fail(std::string("attribute '") + name + "' is missing");
    Id a(H5Aopen(loc, name, H5P_DEFAULT));
    Id type(a.ok() ? H5Aget_type(a.get()) : H5I_INVALID_HID);
    if (!type.ok() || H5Tget_class(type.get()) != H5T_STRING || H5Tis_variable_str(type.get()))
      fail(std::string("attribute '") + name + "' is not a fixed-length string");
    std::string buf(H5Tget_size(type.get()), '\0');
    Id mem(H5Tcopy(type.get()));
    if (H5Aread(a.get(), mem.get(), buf.data()) < 0)
      fail(std::string("attribute '") + name + "' cannot be read");
    return std::string(buf.c_str());
  }
  template <class T>
  std::vector<T> dataset(hid_t loc, const char* name, std::vector<hsize_t>& dims) const {
    if (H5Lexists(loc, name, H5P_DEFAULT) <= 0)
      fail(std::string("dataset '") + name + "' is missing");
    Id ds(H5Dopen2(loc, name, H5P_DEFAULT));
    Id space(ds.ok() ? H5Dget_space(ds.get()) : H5I_INVALID_HID);
    if (!space.ok()) fail(std::string("dataset '") + name + "' cannot be opened");
    const int rank = H5Sget_simple_extent_ndims(space.get());
    if (rank < 1 || rank > 8) fail(std::string("dataset '") + name + "' has a bad rank");
    dims.assign(rank, 0);
    H5Sget_simple_extent_dims(space.get(), dims.data(), nullptr);
    // Checked before allocating: a damaged header must not ask for terabytes.
    constexpr hsize_t kMaxValues = hsize_t{1} << 31;
    hsize_t count = 1;
    for (hsize_t d : dims) {
      if (d != 0 && count > kMaxValues / d)
        fail(std::string("dataset '") + name + "' claims more than 2^31 values (damaged file)");
      count *= d;
    }
    std::vector<T> out(static_cast<size_t>(count));
    const hid_t mem_type = std::is_same_v<T, float> ? H5T_NATIVE_FLOAT : H5T_NATIVE_DOUBLE;
    if (count > 0 && H5Dread(ds.get(), mem_type, H5S_ALL, H5S_ALL, H5P_DEFAULT, out.data()) < 0)
      fail(std::string("dataset '") + name + "' cannot be read as numbers");
    for (size_t i = 0; i < out.size(); ++i)
      if (!std::isfinite(out[i]))
        fail(std::string("dataset '") + name + "' holds " + std::to_string(out[i]) + " at index " +
             std::to_string(i) + ", not a finite number");
    return out;
  }
};

const char* kCurveKeys[] = {"form", "sigma0", "c", "d", "A", "B", "p2", "p3"};

void write_curve(const Writer& w, hid_t g, const char* axis, const DefocusCurve& c) {
  const double v[] = {static_cast<double>(c.form), c.sigma0, c.c, c.d, c.A, c.B, c.p2, c.p3};
  for (int i = 0; i < 8; ++i) {
    const std::string name = std::string(axis) + "_" + kCurveKeys[i];
    if (i == 0)
      w.attr(g, name.c_str(), c.form);
    else
      w.attr(g, name.c_str(), v[i]);
  }
}

DefocusCurve read_curve(const Reader& r, hid_t g, const char* axis) {
  double v[8];
  for (int i = 0; i < 8; ++i)
    v[i] = r.attr_double(g, (std::string(axis) + "_" + kCurveKeys[i]).c_str());
  DefocusCurve c;
  c.form = static_cast<int>(v[0]);
  if (c.form != DefocusCurve::kHuang && c.form != DefocusCurve::kPolynomial)
    r.fail(std::string(axis) + "_form must be 0 (Huang) or 1 (polynomial)");
  c.sigma0 = v[1];
  c.c = v[2];
  c.d = v[3];
  c.A = v[4];
  c.B = v[5];
  c.p2 = v[6];
  c.p3 = v[7];
  for (double x : v)
    if (!std::isfinite(x))
      r.fail(std::string("a defocus-curve value of ") + axis + " is not finite");
  if (c.form == DefocusCurve::kHuang && !(c.d != 0)) r.fail(std::string(axis) + "_d must not be 0");
  if (!(c.sigma0 > 0)) r.fail(std::string(axis) + "_sigma0 must be > 0");
  return c;
}

}  // namespace

void save_calibration(const std::string& path, const PsfCalibration& c) {
  SMLM_CHECK(c.has_astigmatic || !c.spline.empty(),
             "cannot write PSF calibration '" << path << "': it holds no model");
  { AtomicFile check(path); }  // names a missing folder before the file is built
  const Writer w{path};
  QuietHdf5 quiet;
  std::string image;
  {
    {
      // Built in memory, written by write_file_atomically (see create_memory_hdf5).
      Id file(w.check(create_memory_hdf5(path).release(), "creating the file"));
      const hid_t root = file.get();
      w.attr(root, "format", std::string("smlm-psf"));
      w.attr(root, "version", kFormatVersion);
      w.attr(root, "model", c.model);
      w.attr(root, "pixel_size_nm", c.pixel_size_nm);
      w.attr(root, "z_step_nm", c.z_step_nm);
      w.attr(root, "num_beads", c.num_beads);
      w.attr(root, "z_origin", c.z_origin);
      if (c.has_astigmatic) {
        Id g(w.check(H5Gcreate2(root, "astigmatic", H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT),
                     "group astigmatic"));
        write_curve(w, g.get(), "x", c.astigmatic.x);
        write_curve(w, g.get(), "y", c.astigmatic.y);
        w.attr(g.get(), "z_min_nm", c.astigmatic.z_min_nm);
        w.attr(g.get(), "z_max_nm", c.astigmatic.z_max_nm);
        std::vector<double> z, sx, sy;
        for (const SigmaPoint& p : c.sigma_points) {
          z.push_back(p.z_nm);
          sx.push_back(p.sigma_x);
          sy.push_back(p.sigma_y);
        }
        const std::vector<hsize_t> dims = {z.size()};
        w.dataset(g.get(), "z_nm", dims, z.data());
        w.dataset(g.get(), "sigma_x", dims, sx.data());
        w.dataset(g.get(), "sigma_y", dims, sy.data());
      }
      if (!c.spline.empty()) {
        const CubicSplinePsf m = c.spline.model();
        Id g(w.check(H5Gcreate2(root, "spline", H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT),
                     "group spline"));
        w.attr(g.get(), "nx", m.nx);
        w.attr(g.get(), "ny", m.ny);
        w.attr(g.get(), "nz", m.nz);
        w.attr(g.get(), "oversampling", m.oversampling);
        w.attr(g.get(), "cx", m.cx);
        w.attr(g.get(), "cy", m.cy);
        w.attr(g.get(), "cz", m.cz);
        w.attr(g.get(), "dz_nm", m.dz_nm);
        w.attr(g.get(), "pixel_size_nm", m.pixel_size_nm);
        const std::vector<hsize_t> cd = {static_cast<hsize_t>(m.nz), static_cast<hsize_t>(m.ny),
                                         static_cast<hsize_t>(m.nx), 64};
        w.dataset(g.get(), "coefficients", cd, c.spline.coefficients().data());
        const auto& smp = c.spline.samples();
        if (!smp.empty()) {
          std::vector<float> flat;
          for (const ImageF& im : smp) flat.insert(flat.end(), im.vec().begin(), im.vec().end());
          const std::vector<hsize_t> sd = {smp.size(), static_cast<hsize_t>(smp[0].height()),
                                           static_cast<hsize_t>(smp[0].width())};
          w.dataset(g.get(), "samples", sd, flat.data());
        }
      }
      image = memory_hdf5_image(root);
      w.check(image.empty() ? -1 : 0, "flushing");
    }
    write_file_atomically(path, image);
  }
}

PsfCalibration load_calibration(const std::string& path) {
  const Reader r{path};
  SMLM_CHECK(fs::exists(path), "cannot read PSF calibration '" << path << "': no such file");
  QuietHdf5 quiet;
  Id file(H5Fopen(path.c_str(), H5F_ACC_RDONLY, H5P_DEFAULT));
  if (!file.ok()) r.fail("not an HDF5 file");
  const hid_t root = file.get();
  if (!r.has_attr(root, "format") || r.attr_string(root, "format") != "smlm-psf")
    r.fail("not an smlm PSF calibration (attribute format != \"smlm-psf\")");
  const int version = r.attr_int(root, "version");
  if (version != kFormatVersion)
    r.fail("format version " + std::to_string(version) + " is not supported (expected " +
           std::to_string(kFormatVersion) + ")");
  PsfCalibration c;
  c.model = r.attr_string(root, "model");
  c.pixel_size_nm = r.attr_positive(root, "pixel_size_nm");
  c.z_step_nm = r.attr_positive(root, "z_step_nm");
  c.num_beads = r.attr_int(root, "num_beads");
  c.z_origin = r.attr_string(root, "z_origin");
  if (H5Lexists(root, "astigmatic", H5P_DEFAULT) > 0) {
    Id g(H5Gopen2(root, "astigmatic", H5P_DEFAULT));
    if (!g.ok()) r.fail("group astigmatic cannot be opened");
    c.has_astigmatic = true;
    c.astigmatic.x = read_curve(r, g.get(), "x");
    c.astigmatic.y = read_curve(r, g.get(), "y");
    c.astigmatic.z_min_nm = r.attr_double(g.get(), "z_min_nm");
    c.astigmatic.z_max_nm = r.attr_double(g.get(), "z_max_nm");
    if (!(c.astigmatic.z_min_nm < c.astigmatic.z_max_nm))
      r.fail("the astigmatic z range is inverted or empty: z_min_nm " +
             std::to_string(c.astigmatic.z_min_nm) + " >= z_max_nm " +
             std::to_string(c.astigmatic.z_max_nm));
    std::vector<hsize_t> d1, d2, d3;
    const auto z = r.dataset<double>(g.get(), "z_nm", d1);
    const auto sx = r.dataset<double>(g.get(), "sigma_x", d2);
    const auto sy = r.dataset<double>(g.get(), "sigma_y", d3);
    if (z.size() != sx.size() || z.size() != sy.size())
      r.fail("astigmatic z_nm, sigma_x and sigma_y differ in length");
    for (size_t i = 0; i < z.size(); ++i) {
      SigmaPoint p;
      p.z_nm = z[i];
      p.sigma_x = sx[i];
      p.sigma_y = sy[i];
      c.sigma_points.push_back(p);
    }
  }
  if (H5Lexists(root, "spline", H5P_DEFAULT) > 0) {
    Id g(H5Gopen2(root, "spline", H5P_DEFAULT));
    if (!g.ok()) r.fail("group spline cannot be opened");
    CubicSplinePsf v;
    v.nx = r.attr_int(g.get(), "nx");
    v.ny = r.attr_int(g.get(), "ny");
    v.nz = r.attr_int(g.get(), "nz");
    if (v.nx < 1 || v.ny < 1 || v.nz < 1)
      r.fail("spline size " + std::to_string(v.nx) + "x" + std::to_string(v.ny) + "x" +
             std::to_string(v.nz) + " voxels is not positive");
    v.oversampling = r.attr_positive(g.get(), "oversampling");
    v.cx = r.attr_double(g.get(), "cx");
    v.cy = r.attr_double(g.get(), "cy");
    v.cz = r.attr_double(g.get(), "cz");
    v.dz_nm = r.attr_positive(g.get(), "dz_nm");
    v.pixel_size_nm = r.attr_positive(g.get(), "pixel_size_nm");
    std::vector<hsize_t> dims;
    auto coeff = r.dataset<float>(g.get(), "coefficients", dims);
    if (dims.size() != 4 || dims[0] != static_cast<hsize_t>(v.nz) ||
        dims[1] != static_cast<hsize_t>(v.ny) || dims[2] != static_cast<hsize_t>(v.nx) ||
        dims[3] != 64)
      r.fail("spline coefficients are not [nz][ny][nx][64]");
    try {
      c.spline = CubicSpline(std::move(coeff), v);
    } catch (const Error& e) {
      r.fail(e.what());
    }
  }
  if (!c.has_astigmatic && c.spline.empty())
    r.fail("it holds neither an astigmatic nor a spline model");
  if (c.model == "astigmatic" && !c.has_astigmatic)
    r.fail("model is astigmatic but /astigmatic is missing");
  if (c.model == "spline" && c.spline.empty()) r.fail("model is spline but /spline is missing");
  if (c.model != "astigmatic" && c.model != "spline") r.fail("unknown model '" + c.model + "'");
  return c;
}

namespace {

// ThunderSTORM's YAML, scanned by hand: std::regex recursed once per character it repeated over,
// so one long line (a movie passed by mistake) overflowed the stack (fuzz/calibration_yaml_fuzz).
bool is_word(char c) { return std::isalnum(static_cast<unsigned char>(c)) || c == '_'; }
bool is_blank(char c) { return c == ' ' || (c >= '\t' && c <= '\r'); }
bool is_digit(char c) { return c >= '0' && c <= '9'; }

// The first "!!TAG" (TAG: word characters, '.' and '$').
std::string yaml_tag(std::string_view s) {
  for (size_t p = s.find("!!"); p != std::string_view::npos; p = s.find("!!", p + 1)) {
    size_t e = p + 2;
    while (e < s.size() && (is_word(s[e]) || s[e] == '.' || s[e] == '$')) ++e;
    if (e > p + 2) return std::string(s.substr(p + 2, e - p - 2));
  }
  return {};
}

// The value of the first key "name" (at the start or after a blank, '{' or ','), unquoted, up to
// a quote, newline, ',' or '}'.
std::string yaml_name(std::string_view s) {
  for (size_t p = s.find("name"); p != std::string_view::npos; p = s.find("name", p + 1)) {
    if (p > 0 && !is_blank(s[p - 1]) && s[p - 1] != '{' && s[p - 1] != ',') continue;
    size_t q = p + 4;
    while (q < s.size() && is_blank(s[q])) ++q;
    if (q == s.size() || s[q] != ':') continue;
    ++q;
    while (q < s.size() && is_blank(s[q])) ++q;
    if (q < s.size() && s[q] == '\'') ++q;
    size_t e = q;
    while (e < s.size() && s[e] != '\'' && s[e] != '\n' && s[e] != ',' && s[e] != '}') ++e;
    return std::string(s.substr(q, e - q));
  }
  return {};
}

// Every "key: number" in order (key [A-Za-z_]\w*; number [-+]?(\d+\.?\d*|\.\d+)([eE][-+]?\d+)?
// followed by a blank, ',', '}' or the end), as a regex search would find them.
std::vector<std::pair<std::string, std::string>> yaml_numbers(std::string_view s) {
  std::vector<std::pair<std::string, std::string>> out;
  size_t i = 0;
  while (i < s.size()) {
    if (!std::isalpha(static_cast<unsigned char>(s[i])) && s[i] != '_') {
      ++i;
      continue;
    }
    size_t k = i + 1;
    while (k < s.size() && is_word(s[k])) ++k;
    size_t q = k;
    while (q < s.size() && is_blank(s[q])) ++q;
    bool ok = q < s.size() && s[q] == ':';
    size_t n0 = q;
    if (ok) {
      ++q;
      while (q < s.size() && is_blank(s[q])) ++q;
      n0 = q;
      if (q < s.size() && (s[q] == '+' || s[q] == '-')) ++q;
      const size_t d0 = q;
      while (q < s.size() && is_digit(s[q])) ++q;
      ok = q > d0;
      if (q < s.size() && s[q] == '.') {
        const size_t f0 = ++q;
        while (q < s.size() && is_digit(s[q])) ++q;
        ok = ok || q > f0;
      }
      if (ok && q < s.size() && (s[q] == 'e' || s[q] == 'E')) {
        size_t r = q + 1;
        if (r < s.size() && (s[r] == '+' || s[r] == '-')) ++r;
        const size_t x0 = r;
        while (r < s.size() && is_digit(s[r])) ++r;
        if (r > x0) q = r;
      }
      ok = ok && (q == s.size() || is_blank(s[q]) || s[q] == ',' || s[q] == '}');
    }
    if (ok) {
      out.emplace_back(s.substr(i, k - i), s.substr(n0, q - n0));
      i = q;
    } else {
      i = k;  // a key starting inside this word would end where it does, and fail alike
    }
  }
  return out;
}

// ThunderSTORM writes a few hundred bytes: a larger file is something else, not read whole.
constexpr size_t kMaxThunderstormYaml = size_t{16} << 10;

}  // namespace

AstigmaticCalibration parse_thunderstorm_calibration(const std::string& yaml, double z_range_nm) {
  SMLM_CHECK(std::isfinite(z_range_nm) && z_range_nm > 0,
             "ThunderSTORM calibration: z range must be > 0 nm, got " << z_range_nm);
  SMLM_CHECK(yaml.size() <= kMaxThunderstormYaml,
             "ThunderSTORM calibration: " << yaml.size() << " bytes, more than the "
                                          << kMaxThunderstormYaml
                                          << " a calibration file can hold");
  const std::string type = yaml_tag(yaml);
  const std::string name = yaml_name(yaml);
  std::map<std::string, double> v;
  for (const auto& [key, number] : yaml_numbers(yaml)) {
    // from_chars: no exception and no locale. Beyond double's range ("1e-999") is an Error.
    const char* first = number.data() + (number[0] == '+' ? 1 : 0);
    double x = 0;
    const auto r = std::from_chars(first, number.data() + number.size(), x);
    SMLM_CHECK(r.ec == std::errc() && r.ptr == number.data() + number.size(),
               "ThunderSTORM calibration: value '" << key << "' " << number << " is out of range");
    v[key] = x;
  }
  const bool huang = type.find("DaostormCalibration") != std::string::npos ||
                     (type.empty() && name.find("Huang") != std::string::npos);
  const bool poly = type.find("PolynomialCalibration") != std::string::npos ||
                    (type.empty() && name.find("ThunderSTORM") != std::string::npos);
  SMLM_CHECK(huang || poly, "ThunderSTORM calibration: unknown calibration type '"
                                << (type.empty() ? name : type)
                                << "' (expected DaostormCalibration or PolynomialCalibration)");
  for (const char* k : {"w01", "w02", "a1", "a2", "b1", "b2", "c1", "c2", "d1", "d2"})
    SMLM_CHECK(v.count(k), "ThunderSTORM calibration: value '" << k << "' is missing");
  const double angle = v.count("angle") ? v["angle"] : 0.0;
  SMLM_CHECK(std::fabs(angle) <= 5.0 * M_PI / 180.0, "ThunderSTORM calibration: the lens angle "
                                                         << angle
                                                         << " rad is beyond ±5°; this astigmatic "
                                                            "model is axis-aligned");
  SMLM_CHECK(!v.count("isBiplane") || v["isBiplane"] == 0,
             "ThunderSTORM calibration: biplane calibrations are not supported");
  AstigmaticCalibration cal;
  auto curve = [&](const char* i) {
    auto g = [&](const char* k) { return v[std::string(k) + i]; };
    DefocusCurve c;
    c.c = g("c");
    if (huang) {
      c.form = DefocusCurve::kHuang;
      c.sigma0 = 0.5 * g("w0");  // ThunderSTORM: σ = w0/2·√(…)
      c.d = g("d");
      c.A = g("a");
      c.B = g("b");
      SMLM_CHECK(c.d != 0 && c.sigma0 > 0,
                 "ThunderSTORM calibration: w0" << i << " and d" << i << " must be non-zero");
    } else {
      c.form = DefocusCurve::kPolynomial;
      c.sigma0 = g("b");
      c.p2 = g("a");
      c.p3 = g("d");
    }
    return c;
  };
  cal.x = curve("1");
  cal.y = curve("2");
  cal.z_min_nm = -z_range_nm;
  cal.z_max_nm = z_range_nm;
  return cal;
}

AstigmaticCalibration read_thunderstorm_calibration(const std::string& path, double z_range_nm) {
  std::ifstream in(path);
  SMLM_CHECK(in, "cannot read ThunderSTORM calibration '" << path << "': no such file");
  std::error_code ec;
  const auto size = std::filesystem::file_size(path, ec);
  SMLM_CHECK(ec || size <= kMaxThunderstormYaml,
             "'" << path << "': ThunderSTORM calibration: " << size << " bytes, more than the "
                 << kMaxThunderstormYaml << " a calibration file can hold");
  std::stringstream ss;
  ss << in.rdbuf();
  try {
    return parse_thunderstorm_calibration(ss.str(), z_range_nm);
  } catch (const Error& e) {
    throw Error("'" + path + "': " + e.what());
  }
}

}  // namespace smlm::psf
