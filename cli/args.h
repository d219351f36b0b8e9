// ArgParser: the small declarative command-line parser of the `smlm` subcommands. Each option is
// bound to a variable that holds its default; parse() fills them, rejects unknown options,
// missing values and malformed or non-finite numbers with a one-line smlm::Error, and prints the
// help text for --help.
#pragma once

#include <cstdint>
#include <functional>
#include <string>
#include <vector>

namespace smlm::cli {

class ArgParser {
 public:
  // usage: e.g. "smlm localize MOVIE.tif -o LOCS.csv [options]"; summary: one paragraph.
  ArgParser(std::string usage, std::string summary);

  void add(const std::string& flag, double* value, const std::string& help);
  void add(const std::string& flag, int* value, const std::string& help);
  void add(const std::string& flag, int64_t* value, const std::string& help);
  void add(const std::string& flag, uint64_t* value, const std::string& help);
  void add(const std::string& flag, std::string* value, const std::string& help,
           const std::string& metavar = "TEXT");
  // A switch without a value.
  void add_flag(const std::string& flag, bool* value, const std::string& help);
  // Positional arguments, in order.
  void positional(const std::string& name, std::string* value, const std::string& help);
  // Starts a new titled group of options in the help text.
  void section(const std::string& title);

  // Returns false when --help was printed (the caller exits 0).
  bool parse(int argc, char** argv);
  bool given(const std::string& flag) const;
  // Whether `flag` is one of this parser's options.
  bool has(const std::string& flag) const;
  std::string help() const;

 private:
  struct Option {
    std::string flag, metavar, help, default_text;
    bool is_switch = false;
    std::function<void(const std::string&)> set;
    bool given = false;
  };
  struct Positional {
    std::string name, help;
    std::string* value;
  };
  void add_option(Option o);

  std::string usage_, summary_;
  std::vector<Option> options_;
  std::vector<std::pair<size_t, std::string>> sections_;  // option index → title
  std::vector<Positional> positionals_;
};

// Parses "W" or "WxH" into a width and height (positive).
void parse_size(const std::string& text, int& width, int& height);
// Parses a range "MIN:MAX" (or "MIN,MAX") of finite numbers with MIN <= MAX (MIN < MAX when
// `strict`), with a one-line error naming `flag`.
void parse_range(const char* flag, const std::string& text, double& lo, double& hi,
                 bool strict = false);

// --threads: checks 0 (all cores) <= n <= kernels::max_cpu_threads() with a one-line error naming
// the option, then sets the CPU thread count. Every command that takes --threads calls it.
void apply_threads_option(int threads);

// A file named on the command line: the option (or positional name) and the path ("" = not
// given, skipped).
struct FileArg {
  std::string option, path;
  // Inputs only: the output option allowed to replace this input in place (an atomic rewrite of
  // the same table, e.g. "-o" for `postprocess` and `convert`), or "".
  std::string rewritten_by = {};
};

// Refuses, before any work, an output that is the same file as an input (same device and inode,
// so symbolic and hard links and a/../ count) and two outputs naming the same file (compared by
// inode when the file exists, by canonical path when it does not yet). Throws smlm::Error with a
// one-line message naming both options and the file.
void check_distinct_files(const std::vector<FileArg>& inputs, const std::vector<FileArg>& outputs);

}  // namespace smlm::cli
