// HDF5 checkpoints through the C API, with RAII for every handle and HDF5's own error printing
// muted for the duration of each call (errors become smlm::Error instead).
#include "nn/checkpoint.h"

#include <hdf5.h>

#include <cmath>
#include <string>
#include <vector>

#include "core/atomic_file.h"
#include "core/error.h"
#include "core/hdf5.h"

namespace smlm::nn {

namespace {

constexpr const char* kFormat = "smlm-nn-checkpoint";
constexpr int64_t kVersion = 1;

using Id = Hdf5Id;
using QuietErrors = QuietHdf5;

struct Context {
  std::string path;
  void check(bool ok, const std::string& what) const {
    SMLM_CHECK(ok, "checkpoint '" << path << "': " << what);
  }
};

void write_attribute(const Context& ctx, hid_t obj, const std::string& name,
                     const AttributeValue& value) {
  Id space(H5Screate(H5S_SCALAR));
  if (const auto* s = std::get_if<std::string>(&value)) {
    Id type(H5Tcopy(H5T_C_S1));
    H5Tset_size(type, s->empty() ? 1 : s->size());
    H5Tset_cset(type, H5T_CSET_UTF8);
    Id a(H5Acreate2(obj, name.c_str(), type, space, H5P_DEFAULT, H5P_DEFAULT));
    ctx.check(a.ok(), "cannot create attribute " + name);
    std::string buf = s->empty() ? std::string(1, '\0') : *s;
    ctx.check(H5Awrite(a, type, buf.data()) >= 0, "cannot write attribute " + name);
  } else if (const auto* d = std::get_if<double>(&value)) {
    Id a(H5Acreate2(obj, name.c_str(), H5T_IEEE_F64LE, space, H5P_DEFAULT, H5P_DEFAULT));
    ctx.check(a.ok() && H5Awrite(a, H5T_NATIVE_DOUBLE, d) >= 0, "cannot write attribute " + name);
  } else {
    const int64_t i = std::get<int64_t>(value);
    Id a(H5Acreate2(obj, name.c_str(), H5T_STD_I64LE, space, H5P_DEFAULT, H5P_DEFAULT));
    ctx.check(a.ok() && H5Awrite(a, H5T_NATIVE_INT64, &i) >= 0, "cannot write attribute " + name);
  }
}

// The size in bytes of the file that `obj` is in (0 when unknown).
hsize_t file_bytes(hid_t obj) {
  Id file(H5Iget_file_id(obj));
  hsize_t size = 0;
  if (!file.ok() || H5Fget_filesize(file, &size) < 0) return 0;
  return size;
}

AttributeValue read_attribute(const Context& ctx, hid_t obj, const std::string& name) {
  Id a(H5Aopen(obj, name.c_str(), H5P_DEFAULT));
  ctx.check(a.ok(), "no attribute " + name);
  Id type(H5Aget_type(a));
  // A damaged file can claim anything: HDF5 writes every element of the attribute into the one
  // value read here, and sizes its conversion buffer by the stored type's size (found by
  // fuzz/model_fuzz: a float of 4 GB). Ours are scalars, numbers of at most 8 bytes and strings
  // no longer than the file.
  Id space(H5Aget_space(a));
  ctx.check(type.ok() && space.ok() && H5Sget_simple_extent_npoints(space) == 1,
            "attribute " + name + " is not a single value");
  const size_t size = H5Tget_size(type);
  const H5T_class_t cls = H5Tget_class(type);
  if (cls == H5T_INTEGER || cls == H5T_FLOAT)
    ctx.check(size >= 1 && size <= 8, "attribute " + name + " is a number of " +
                                          std::to_string(size) + " bytes (damaged file)");
  else if (cls == H5T_STRING && H5Tis_variable_str(type) <= 0)
    ctx.check(size <= file_bytes(obj), "attribute " + name + " claims a string of " +
                                           std::to_string(size) +
                                           " bytes, more than the file holds (damaged file)");
  switch (cls) {
    case H5T_STRING: {
      if (H5Tis_variable_str(type) > 0) {
        Id mem(H5Tcopy(H5T_C_S1));
        H5Tset_size(mem, H5T_VARIABLE);
        char* s = nullptr;
        ctx.check(H5Aread(a, mem, &s) >= 0, "cannot read attribute " + name);
        std::string out = s ? s : "";
        H5Dvlen_reclaim(mem, space, H5P_DEFAULT, &s);
        return out;
      }
      std::string buf(H5Tget_size(type), '\0');
      ctx.check(H5Aread(a, type, buf.data()) >= 0, "cannot read attribute " + name);
      return std::string(buf.c_str());
    }
    case H5T_INTEGER: {
      int64_t i = 0;
      ctx.check(H5Aread(a, H5T_NATIVE_INT64, &i) >= 0, "cannot read attribute " + name);
      return i;
    }
    case H5T_FLOAT: {
      double d = 0;
      ctx.check(H5Aread(a, H5T_NATIVE_DOUBLE, &d) >= 0, "cannot read attribute " + name);
      // ±inf may be meant (a best loss not yet reached); NaN never is.
      ctx.check(!std::isnan(d), "attribute " + name + " is nan, not a number");
      return d;
    }
    default:
      ctx.check(false, "attribute " + name + " is neither a string nor a number");
  }
  return {};
}

Attributes read_all_attributes(const Context& ctx, hid_t obj) {
  std::vector<std::string> names;
  H5Aiterate2(
      obj, H5_INDEX_NAME, H5_ITER_INC, nullptr,
      [](hid_t, const char* n, const H5A_info_t*, void* data) -> herr_t {
        static_cast<std::vector<std::string>*>(data)->push_back(n);
        return 0;
      },
      &names);
  Attributes out;
  for (const auto& n : names) out[n] = read_attribute(ctx, obj, n);
  return out;
}

void write_tensor(const Context& ctx, hid_t file, const std::string& path, const Tensor& t) {
  const hsize_t dims[4] = {hsize_t(t.n()), hsize_t(t.c()), hsize_t(t.h()), hsize_t(t.w())};
  Id space(H5Screate_simple(4, dims, nullptr));
  Id lcpl(H5Pcreate(H5P_LINK_CREATE));
  H5Pset_create_intermediate_group(lcpl, 1);
  Id d(H5Dcreate2(file, path.c_str(), H5T_IEEE_F32LE, space, lcpl, H5P_DEFAULT, H5P_DEFAULT));
  ctx.check(d.ok(), "cannot create dataset " + path);
  const std::vector<float> v = t.host();
  ctx.check(H5Dwrite(d, H5T_NATIVE_FLOAT, H5S_ALL, H5S_ALL, H5P_DEFAULT, v.data()) >= 0,
            "cannot write dataset " + path);
}

// Reads dataset `path` into t, which keeps its shape and device.
void read_tensor(const Context& ctx, hid_t file, const std::string& path, Tensor& t) {
  Id d(H5Dopen2(file, path.c_str(), H5P_DEFAULT));
  ctx.check(d.ok(), "no dataset " + path);
  Id space(H5Dget_space(d));
  hsize_t dims[4] = {0, 0, 0, 0};
  const int rank = H5Sget_simple_extent_ndims(space);
  ctx.check(rank == 4, "dataset " + path + " is not 4-dimensional");
  H5Sget_simple_extent_dims(space, dims, nullptr);
  const Shape s{int64_t(dims[0]), int64_t(dims[1]), int64_t(dims[2]), int64_t(dims[3])};
  ctx.check(s == t.shape(),
            "dataset " + path + " has shape " + s.str() + ", the model " + t.shape().str());
  // Ours are float32. HDF5 sizes its conversion buffer by the stored type's size, which a damaged
  // file can make 4 GB (found by fuzz/model_fuzz).
  Id type(H5Dget_type(d));
  ctx.check(type.ok() && H5Tget_class(type) == H5T_FLOAT &&
                (H5Tget_size(type) == 4 || H5Tget_size(type) == 8),
            "dataset " + path + " does not hold 32- or 64-bit floating-point numbers");
  std::vector<float> v(static_cast<size_t>(t.numel()));
  ctx.check(H5Dread(d, H5T_NATIVE_FLOAT, H5S_ALL, H5S_ALL, H5P_DEFAULT, v.data()) >= 0,
            "cannot read dataset " + path);
  for (size_t i = 0; i < v.size(); ++i)
    ctx.check(std::isfinite(v[i]), "dataset " + path + " holds " + std::to_string(v[i]) +
                                       " at index " + std::to_string(i) + ", not a finite number");
  t.copy_from(Tensor::from_host(s, v));
}

bool exists(hid_t file, const std::string& path) {
  // H5Lexists needs every intermediate link to exist: test the path component by component.
  size_t pos = 0;
  while (true) {
    pos = path.find('/', pos + 1);
    const std::string prefix = path.substr(0, pos);
    if (H5Lexists(file, prefix.c_str(), H5P_DEFAULT) <= 0) return false;
    if (pos == std::string::npos) return true;
  }
}

Id open_for_reading(const Context& ctx) {
  Id f(H5Fopen(ctx.path.c_str(), H5F_ACC_RDONLY, H5P_DEFAULT));
  ctx.check(f.ok(), "cannot open as HDF5");
  ctx.check(H5Aexists(f, "format") > 0 &&
                read_attribute(ctx, f, "format") == AttributeValue(std::string(kFormat)),
            "not an smlm network checkpoint");
  return f;
}

}  // namespace

void save_checkpoint(const std::string& path, Layer& model, Optimizer* optimizer,
                     const Attributes& settings) {
  QuietErrors quiet;
  Context ctx{path};
  std::string image;
  {
    {
      // Built in memory and written by write_file_atomically: see create_memory_hdf5.
      Id f = create_memory_hdf5(path);
      ctx.check(f.ok(), "cannot create an HDF5 file" + hdf5_reason());
      write_attribute(ctx, f, "format", std::string(kFormat));
      write_attribute(ctx, f, "format_version", kVersion);
      write_attribute(ctx, f, "architecture", model.architecture());
      {
        Id g(H5Gcreate2(f, "settings", H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT));
        ctx.check(g.ok(), "cannot create group settings");
        for (const auto& [k, v] : settings) write_attribute(ctx, g, k, v);
      }
      for (const auto& p : model.parameters())
        write_tensor(ctx, f, "parameters/" + p.name, p.parameter->value);
      for (const auto& b : model.buffers()) write_tensor(ctx, f, "buffers/" + b.name, *b.tensor);
      if (optimizer) {
        Id g(H5Gcreate2(f, "optimizer", H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT));
        ctx.check(g.ok(), "cannot create group optimizer");
        write_attribute(ctx, g, "type", optimizer->type());
        for (const auto& [k, v] : optimizer->settings()) write_attribute(ctx, g, k, v);
        for (const auto& s : optimizer->state())
          write_tensor(ctx, f, "optimizer/state/" + s.name, *s.tensor);
      }
      image = memory_hdf5_image(f);
      ctx.check(!image.empty(), "cannot flush" + hdf5_reason());
    }
    write_file_atomically(path, image);
  }
}

Attributes load_checkpoint(const std::string& path, Layer& model, Optimizer* optimizer) {
  QuietErrors quiet;
  Context ctx{path};
  Id f = open_for_reading(ctx);
  const auto arch = read_attribute(ctx, f, "architecture");
  ctx.check(arch == AttributeValue(model.architecture()),
            "architecture differs from the model's.\nStored:\n" + std::get<std::string>(arch) +
                "Model:\n" + model.architecture());
  for (const auto& p : model.parameters()) {
    const std::string name = "parameters/" + p.name;
    ctx.check(exists(f, name), "no dataset " + name);
    read_tensor(ctx, f, name, p.parameter->value);
  }
  for (const auto& b : model.buffers()) {
    const std::string name = "buffers/" + b.name;
    ctx.check(exists(f, name), "no dataset " + name);
    read_tensor(ctx, f, name, *b.tensor);
  }
  if (optimizer) {
    ctx.check(exists(f, "optimizer"), "holds no optimizer state");
    Id g(H5Gopen2(f, "optimizer", H5P_DEFAULT));
    const Attributes a = read_all_attributes(ctx, g);
    const auto type = a.find("type");
    ctx.check(type != a.end() && type->second == AttributeValue(optimizer->type()),
              "holds the state of another optimizer type");
    std::map<std::string, double> settings;
    for (const auto& [k, v] : a)
      if (const auto* d = std::get_if<double>(&v)) settings[k] = *d;
    optimizer->load_settings(settings);
    for (const auto& s : optimizer->state()) {
      const std::string name = "optimizer/state/" + s.name;
      ctx.check(exists(f, name), "no dataset " + name);
      read_tensor(ctx, f, name, *s.tensor);
    }
  }
  Id g(H5Gopen2(f, "settings", H5P_DEFAULT));
  ctx.check(g.ok(), "no settings group");
  return read_all_attributes(ctx, g);
}

Attributes read_checkpoint_settings(const std::string& path) {
  QuietErrors quiet;
  Context ctx{path};
  Id f = open_for_reading(ctx);
  Id g(H5Gopen2(f, "settings", H5P_DEFAULT));
  ctx.check(g.ok(), "no settings group");
  return read_all_attributes(ctx, g);
}

std::string read_checkpoint_architecture(const std::string& path) {
  QuietErrors quiet;
  Context ctx{path};
  Id f = open_for_reading(ctx);
  return std::get<std::string>(read_attribute(ctx, f, "architecture"));
}

}  // namespace smlm::nn
