#include "cli/args.h"

#include <sys/stat.h>

#include <charconv>
#include <cmath>
#include <cstdio>
#include <filesystem>
#include <sstream>

#include "core/error.h"
#include "kernels/parallel_for.h"

namespace smlm::cli {

namespace {

template <class T>
T parse_number(const std::string& flag, const std::string& text) {
  T v{};
  const char* end = text.data() + text.size();
  auto r = std::from_chars(text.data(), end, v);
  SMLM_CHECK(r.ec == std::errc() && r.ptr == end && !text.empty(),
             flag << ": '" << text << "' is not a valid number");
  if constexpr (std::is_floating_point_v<T>)
    SMLM_CHECK(std::isfinite(v), flag << ": '" << text << "' is not a finite number");
  return v;
}

template <class T>
std::string to_text(T v) {
  std::ostringstream os;
  os << v;
  return os.str();
}

}  // namespace

ArgParser::ArgParser(std::string usage, std::string summary)
    : usage_(std::move(usage)), summary_(std::move(summary)) {}

void ArgParser::add_option(Option o) {
  for (const auto& e : options_) SMLM_ASSERT(e.flag != o.flag);
  options_.push_back(std::move(o));
}

void ArgParser::add(const std::string& flag, double* v, const std::string& help) {
  add_option({flag, "X", help, to_text(*v), false,
              [v, flag](const std::string& s) { *v = parse_number<double>(flag, s); }});
}
void ArgParser::add(const std::string& flag, int* v, const std::string& help) {
  add_option({flag, "N", help, to_text(*v), false,
              [v, flag](const std::string& s) { *v = parse_number<int>(flag, s); }});
}
void ArgParser::add(const std::string& flag, int64_t* v, const std::string& help) {
  add_option({flag, "N", help, to_text(*v), false,
              [v, flag](const std::string& s) { *v = parse_number<int64_t>(flag, s); }});
}
void ArgParser::add(const std::string& flag, uint64_t* v, const std::string& help) {
  add_option({flag, "N", help, to_text(*v), false,
              [v, flag](const std::string& s) { *v = parse_number<uint64_t>(flag, s); }});
}
void ArgParser::add(const std::string& flag, std::string* v, const std::string& help,
                    const std::string& metavar) {
  add_option({flag, metavar, help, *v, false, [v](const std::string& s) { *v = s; }});
}
void ArgParser::add_flag(const std::string& flag, bool* v, const std::string& help) {
  add_option({flag, "", help, "", true, [v](const std::string&) { *v = true; }});
}
void ArgParser::positional(const std::string& name, std::string* v, const std::string& help) {
  positionals_.push_back({name, help, v});
}
void ArgParser::section(const std::string& title) {
  sections_.emplace_back(options_.size(), title);
}

bool ArgParser::given(const std::string& flag) const {
  for (const auto& o : options_)
    if (o.flag == flag) return o.given;
  SMLM_ASSERT(false && "unknown flag");
  return false;
}

bool ArgParser::has(const std::string& flag) const {
  for (const auto& o : options_)
    if (o.flag == flag) return true;
  return false;
}

bool ArgParser::parse(int argc, char** argv) {
  size_t npos = 0;
  for (int i = 0; i < argc; ++i) {
    std::string a = argv[i];
    if (a == "-h" || a == "--help") {
      std::fputs(help().c_str(), stdout);
      return false;
    }
    if (a.size() > 1 && a[0] == '-' && !(a.size() > 1 && (std::isdigit(a[1]) || a[1] == '.'))) {
      std::string value;
      bool has_value = false;
      if (auto eq = a.find('='); eq != std::string::npos && a.rfind("--", 0) == 0) {
        value = a.substr(eq + 1);
        a = a.substr(0, eq);
        has_value = true;
      }
      Option* opt = nullptr;
      for (auto& o : options_)
        if (o.flag == a) opt = &o;
      SMLM_CHECK(opt != nullptr, "unknown option '" << a << "' (see --help)");
      if (opt->is_switch) {
        SMLM_CHECK(!has_value, a << " takes no value");
        opt->set("");
      } else {
        if (!has_value) {
          SMLM_CHECK(i + 1 < argc, a << " needs a value (" << opt->metavar << ")");
          value = argv[++i];
        }
        opt->set(value);
      }
      opt->given = true;
      continue;
    }
    SMLM_CHECK(npos < positionals_.size(), "unexpected argument '" << a << "' (see --help)");
    *positionals_[npos++].value = a;
  }
  SMLM_CHECK(npos == positionals_.size(),
             "missing argument " << positionals_[npos].name << " (see --help)");
  return true;
}

std::string ArgParser::help() const {
  std::ostringstream os;
  os << "usage: " << usage_ << "\n\n" << summary_ << "\n";
  if (!positionals_.empty()) {
    os << "\narguments:\n";
    for (const auto& p : positionals_) {
      char line[256];
      std::snprintf(line, sizeof line, "  %-24s %s\n", p.name.c_str(), p.help.c_str());
      os << line;
    }
  }
  size_t s = 0;
  if (sections_.empty() || sections_[0].first != 0) os << "\noptions:\n";
  for (size_t i = 0; i < options_.size(); ++i) {
    while (s < sections_.size() && sections_[s].first == i)
      os << "\n" << sections_[s++].second << ":\n";
    const auto& o = options_[i];
    const std::string lhs = o.flag + (o.is_switch ? "" : " " + o.metavar);
    char line[512];
    std::snprintf(line, sizeof line, "  %-24s %s", lhs.c_str(), o.help.c_str());
    os << line;
    if (!o.is_switch && !o.default_text.empty()) os << " [" << o.default_text << "]";
    os << "\n";
  }
  os << "  -h, --help               show this help\n";
  return os.str();
}

void parse_size(const std::string& text, int& width, int& height) {
  const auto x = text.find('x');
  width = parse_number<int>("--size", text.substr(0, x));
  height = x == std::string::npos ? width : parse_number<int>("--size", text.substr(x + 1));
  SMLM_CHECK(width > 0 && height > 0,
             "--size: '" << text << "' must be positive, e.g. 64 or 128x64");
}

void parse_range(const char* flag, const std::string& text, double& lo, double& hi, bool strict) {
  const auto sep = text.find_first_of(":,");
  SMLM_CHECK(sep != std::string::npos, flag << ": '" << text << "' is not a range MIN:MAX");
  lo = parse_number<double>(flag, text.substr(0, sep));
  hi = parse_number<double>(flag, text.substr(sep + 1));
  SMLM_CHECK(strict ? lo < hi : lo <= hi, flag << ": '" << text << "': MIN must be "
                                               << (strict ? "below" : "at most") << " MAX");
}

void apply_threads_option(int threads) {
  const int max = kernels::max_cpu_threads();
  SMLM_CHECK(threads >= 0 && threads <= max,
             "--threads: " << threads << " is not between 0 (all cores) and " << max << " ("
                           << kernels::kMaxThreadsPerCore << " x the "
                           << max / kernels::kMaxThreadsPerCore << " hardware threads)");
  kernels::set_cpu_threads(threads);
}

namespace {

// Whether a and b name one file: the same inode when both exist, else the same canonical path.
bool same_file(const std::string& a, const std::string& b) {
  struct stat sa = {}, sb = {};
  const bool ea = ::stat(a.c_str(), &sa) == 0, eb = ::stat(b.c_str(), &sb) == 0;
  if (ea && eb) return sa.st_dev == sb.st_dev && sa.st_ino == sb.st_ino;
  if (ea != eb) return false;
  std::error_code ec1, ec2;
  const auto ca = std::filesystem::weakly_canonical(std::filesystem::absolute(a), ec1);
  const auto cb = std::filesystem::weakly_canonical(std::filesystem::absolute(b), ec2);
  return !ec1 && !ec2 && ca == cb;
}

}  // namespace

void check_distinct_files(const std::vector<FileArg>& inputs, const std::vector<FileArg>& outputs) {
  for (size_t i = 0; i < outputs.size(); ++i) {
    const FileArg& o = outputs[i];
    if (o.path.empty()) continue;
    for (const FileArg& in : inputs)
      if (!in.path.empty() && in.rewritten_by != o.option && same_file(in.path, o.path))
        throw Error(o.option + " " + o.path + " is the same file as the input " +
                    (in.option.empty() || in.option[0] != '-' ? "" : in.option + " ") + in.path +
                    ": refusing to overwrite an input (write to another file)");
    for (size_t j = 0; j < i; ++j)
      if (!outputs[j].path.empty() && same_file(outputs[j].path, o.path))
        throw Error(outputs[j].option + " " + outputs[j].path + " and " + o.option + " " + o.path +
                    " name the same file: give each output its own file");
  }
}

}  // namespace smlm::cli
