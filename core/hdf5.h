// Small helpers for HDF5's C API shared by every module that writes HDF5 files (Picasso tables,
// PSF calibrations, network checkpoints): an owning handle, a scope that keeps HDF5 from
// printing its error stack, and the innermost HDF5 error message for our own one-line errors.
// Link the CMake target smlm_hdf5 to use it.
#pragma once

#include <hdf5.h>

#include <string>
#include <utility>
#include <vector>

namespace smlm {

// HDF5 frees its state at exit (atexit(H5_term_library)) unless told not to, before its first
// call. A corrupt input can leave HDF5 1.10 holding an object it cannot free (an array datatype
// of invalid rank, found by fuzz/picasso_hdf5_fuzz), and that clean-up then prints "HDF5:
// infinite loop closing library" and a line of interface names after our one-line error. Every
// id we open is closed by Hdf5Id, so the clean-up has nothing to flush: skip it.
inline const bool kHdf5SkipsAtExit = (H5dont_atexit(), true);

// Owns one HDF5 identifier of any kind (file, group, dataset, type, space, attribute, property
// list) and releases it with H5Idec_ref. Converts to hid_t for the C API.
class Hdf5Id {
 public:
  Hdf5Id() = default;
  explicit Hdf5Id(hid_t id) : id_(id) {}
  ~Hdf5Id() {
    if (id_ >= 0) H5Idec_ref(id_);
  }
  Hdf5Id(Hdf5Id&& o) noexcept : id_(std::exchange(o.id_, H5I_INVALID_HID)) {}
  Hdf5Id& operator=(Hdf5Id&& o) noexcept {
    std::swap(id_, o.id_);
    return *this;
  }
  Hdf5Id(const Hdf5Id&) = delete;
  Hdf5Id& operator=(const Hdf5Id&) = delete;

  hid_t get() const { return id_; }
  operator hid_t() const { return id_; }
  bool ok() const { return id_ >= 0; }
  hid_t release() { return std::exchange(id_, H5I_INVALID_HID); }

 private:
  hid_t id_ = H5I_INVALID_HID;
};

// Keeps HDF5 from printing its error stack while alive; restores the previous handler.
class QuietHdf5 {
 public:
  QuietHdf5() {
    H5Eget_auto2(H5E_DEFAULT, &func_, &data_);
    H5Eset_auto2(H5E_DEFAULT, nullptr, nullptr);
  }
  ~QuietHdf5() { H5Eset_auto2(H5E_DEFAULT, func_, data_); }
  QuietHdf5(const QuietHdf5&) = delete;
  QuietHdf5& operator=(const QuietHdf5&) = delete;

 private:
  H5E_auto2_t func_ = nullptr;
  void* data_ = nullptr;
};

// HDF5 files written in memory (the core driver, no backing store) and then put on disk by our
// own checked writes (write_file_atomically): HDF5 never writes to the disk itself, so a full
// disk is an ordinary error, never a file HDF5 failed to close (which crashes the library at
// exit, in H5F__close_cb). `name` only labels the file. Returns an invalid id on failure.
inline Hdf5Id create_memory_hdf5(const std::string& name) {
  Hdf5Id fapl(H5Pcreate(H5P_FILE_ACCESS));
  if (!fapl.ok() || H5Pset_fapl_core(fapl.get(), size_t{1} << 20, 0) < 0) return Hdf5Id();
  return Hdf5Id(H5Fcreate(name.c_str(), H5F_ACC_TRUNC, H5P_DEFAULT, fapl.get()));
}

// The bytes of an HDF5 file made by create_memory_hdf5 (flushed first); empty on failure.
inline std::string memory_hdf5_image(hid_t file) {
  if (H5Fflush(file, H5F_SCOPE_GLOBAL) < 0) return {};
  const ssize_t size = H5Fget_file_image(file, nullptr, 0);
  if (size <= 0) return {};
  std::string image(static_cast<size_t>(size), '\0');
  if (H5Fget_file_image(file, image.data(), image.size()) != size) return {};
  return image;
}

// " (<innermost message of HDF5's current error stack>)", or "" when the stack is empty; clears
// the stack.
inline std::string hdf5_reason() {
  std::string reason;
  H5Ewalk2(
      H5E_DEFAULT, H5E_WALK_UPWARD,
      [](unsigned n, const H5E_error2_t* e, void* out) -> herr_t {
        if (n == 0 && e->desc != nullptr) *static_cast<std::string*>(out) = e->desc;
        return 0;
      },
      &reason);
  H5Eclear2(H5E_DEFAULT);
  return reason.empty() ? reason : " (" + reason + ")";
}

}  // namespace smlm
