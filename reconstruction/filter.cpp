// Expression filter: a recursive-descent parser building a small tree, evaluated column-wise.
// Density filter and duplicate removal: neighbours found through sorted grid cells.
#include "reconstruction/filter.h"

#include <algorithm>
#include <cctype>
#include <charconv>
#include <cmath>
#include <memory>
#include <sstream>

#include "core/error.h"
#include "kernels/parallel_for.h"

namespace smlm::reconstruction {
namespace {

enum class Op { add, sub, mul, div, lt, le, gt, ge, eq, ne, land, lor, neg, lnot };

// Parsing, evaluating and freeing the tree recurse, and evaluation holds one column per level:
// the tree's depth is bounded so that no expression can overflow the stack or the memory.
constexpr int kMaxDepth = 200;

struct Node {
  enum class Kind { number, column, unary, binary } kind;
  int depth = 1;  // levels of this subtree
  double value = 0;
  const std::vector<double>* column = nullptr;
  Op op = Op::add;
  std::unique_ptr<Node> a, b;
};

bool truth(double v) { return v != 0 && !std::isnan(v); }

class Parser {
 public:
  // any_name: every NAME is accepted (syntax check before the table is read).
  Parser(const LocalizationTable& t, const std::string& text, bool any_name = false)
      : table_(t), text_(text), any_name_(any_name) {}

  std::unique_ptr<Node> parse() {
    skip();
    if (pos_ == text_.size()) throw Error("filter: the expression is empty");
    auto n = parse_or();
    skip();
    if (pos_ != text_.size())
      fail(pos_, "expected an operator or the end of the expression, found '" +
                     std::string(1, text_[pos_]) + "'");
    return n;
  }

 private:
  [[noreturn]] void fail(size_t at, const std::string& what) const {
    std::ostringstream os;
    os << "filter: syntax error at character " << at + 1 << " of \"" << quoted() << "\": " << what;
    throw Error(os.str());
  }

  // The expression for messages: a very long one is cut.
  std::string quoted() const {
    return text_.size() <= 120
               ? text_
               : text_.substr(0, 100) + "... (" + std::to_string(text_.size()) + " characters)";
  }

  [[noreturn]] void too_deep(size_t at) const {
    fail(at, "the expression nests more than " + std::to_string(kMaxDepth) +
                 " levels deep (parentheses, operators and chained terms); simplify it");
  }

  // Counts the parser's recursion through '(' and prefix operators.
  struct Nesting {
    Parser& p;
    explicit Nesting(Parser& parser) : p(parser) {
      if (++p.nesting_ > kMaxDepth) p.too_deep(p.pos_);
    }
    ~Nesting() { --p.nesting_; }
  };

  void skip() {
    while (pos_ < text_.size() && std::isspace(static_cast<unsigned char>(text_[pos_]))) ++pos_;
  }

  // Consumes `token` (after blanks) when it is next and not the start of a longer operator in
  // `unless_followed_by`.
  bool accept(std::string_view token, std::string_view unless_followed_by = {}) {
    skip();
    if (text_.compare(pos_, token.size(), token) != 0) return false;
    const size_t after = pos_ + token.size();
    if (after < text_.size() && unless_followed_by.find(text_[after]) != std::string_view::npos)
      return false;
    pos_ = after;
    return true;
  }

  std::unique_ptr<Node> binary(Op op, std::unique_ptr<Node> a, std::unique_ptr<Node> b) const {
    auto n = std::make_unique<Node>();
    n->kind = Node::Kind::binary;
    n->depth = 1 + std::max(a->depth, b->depth);
    if (n->depth > kMaxDepth) too_deep(pos_);
    n->op = op;
    n->a = std::move(a);
    n->b = std::move(b);
    return n;
  }

  std::unique_ptr<Node> parse_or() {
    auto n = parse_and();
    while (accept("||") || accept("|")) n = binary(Op::lor, std::move(n), parse_and());
    return n;
  }

  std::unique_ptr<Node> parse_and() {
    auto n = parse_cmp();
    while (accept("&&") || accept("&")) n = binary(Op::land, std::move(n), parse_cmp());
    return n;
  }

  std::unique_ptr<Node> parse_cmp() {
    auto n = parse_sum();
    for (;;) {
      Op op;
      if (accept("<="))
        op = Op::le;
      else if (accept(">="))
        op = Op::ge;
      else if (accept("=="))
        op = Op::eq;
      else if (accept("!="))
        op = Op::ne;
      else if (accept("<"))
        op = Op::lt;
      else if (accept(">"))
        op = Op::gt;
      else if (accept("="))
        op = Op::eq;
      else
        return n;
      n = binary(op, std::move(n), parse_sum());
    }
  }

  std::unique_ptr<Node> parse_sum() {
    auto n = parse_prod();
    for (;;) {
      if (accept("+"))
        n = binary(Op::add, std::move(n), parse_prod());
      else if (accept("-"))
        n = binary(Op::sub, std::move(n), parse_prod());
      else
        return n;
    }
  }

  std::unique_ptr<Node> parse_prod() {
    auto n = parse_unary();
    for (;;) {
      if (accept("*"))
        n = binary(Op::mul, std::move(n), parse_unary());
      else if (accept("/"))
        n = binary(Op::div, std::move(n), parse_unary());
      else
        return n;
    }
  }

  std::unique_ptr<Node> parse_unary() {
    Op op;
    if (accept("-"))
      op = Op::neg;
    else if (accept("!", "="))
      op = Op::lnot;
    else if (accept("+")) {
      Nesting nest(*this);
      return parse_unary();
    } else
      return parse_primary();
    Nesting nest(*this);
    auto n = std::make_unique<Node>();
    n->kind = Node::Kind::unary;
    n->op = op;
    n->a = parse_unary();
    n->depth = 1 + n->a->depth;
    if (n->depth > kMaxDepth) too_deep(pos_);
    return n;
  }

  std::unique_ptr<Node> parse_primary() {
    skip();
    const size_t start = pos_;
    if (pos_ == text_.size()) fail(pos_, "expected a number, a column name or '(', found the end");
    const char c = text_[pos_];
    if (c == '(') {
      Nesting nest(*this);
      ++pos_;
      auto n = parse_or();
      if (!accept(")")) {
        skip();
        fail(pos_, "expected ')' to close the '(' at character " + std::to_string(start + 1) +
                       (pos_ == text_.size() ? ", found the end"
                                             : ", found '" + std::string(1, text_[pos_]) + "'"));
      }
      return n;
    }
    if (std::isdigit(static_cast<unsigned char>(c)) || c == '.') {
      auto n = std::make_unique<Node>();
      n->kind = Node::Kind::number;
      const char* first = text_.data() + pos_;
      const auto r = std::from_chars(first, text_.data() + text_.size(), n->value);
      if (r.ec != std::errc()) fail(pos_, "malformed number");
      pos_ = static_cast<size_t>(r.ptr - text_.data());
      return n;
    }
    if (std::isalpha(static_cast<unsigned char>(c)) || c == '_') {
      while (pos_ < text_.size() &&
             (std::isalnum(static_cast<unsigned char>(text_[pos_])) || text_[pos_] == '_'))
        ++pos_;
      auto n = std::make_unique<Node>();
      n->kind = Node::Kind::column;
      n->column = &lookup(text_.substr(start, pos_ - start));
      return n;
    }
    fail(pos_, std::string("expected a number, a column name or '(', found '") + c + "'");
  }

  const std::vector<double>& lookup(const std::string& name) const {
    static const std::vector<double> kNone;
    if (any_name_) return kNone;
    if (table_.has(name)) return table_[name];
    std::string_view alias;
    if (name == "photons") alias = col::intensity;
    if (name == "uncertainty") alias = col::uncertainty_xy;
    if (name == "bg") alias = col::offset;
    if (!alias.empty() && table_.has(alias)) return table_[alias];
    std::ostringstream os;
    os << "filter: unknown column '" << name << "' in \"" << quoted() << "\"; the table has";
    const char* sep = " ";
    for (const auto& c : table_.columns()) {
      os << sep << c.name;
      sep = ", ";
    }
    if (table_.num_columns() == 0) os << " no columns";
    os << " (aliases: photons = intensity, uncertainty = uncertainty_xy, bg = offset)";
    throw Error(os.str());
  }

  const LocalizationTable& table_;
  const std::string& text_;
  size_t pos_ = 0;
  int nesting_ = 0;
  bool any_name_ = false;
};

std::vector<double> eval(const Node& n, size_t rows) {
  switch (n.kind) {
    case Node::Kind::number:
      return std::vector<double>(rows, n.value);
    case Node::Kind::column:
      return *n.column;
    case Node::Kind::unary: {
      std::vector<double> v = eval(*n.a, rows);
      for (double& x : v) x = n.op == Op::neg ? -x : (truth(x) ? 0.0 : 1.0);
      return v;
    }
    case Node::Kind::binary:
      break;
  }
  std::vector<double> a = eval(*n.a, rows);
  const std::vector<double> b = eval(*n.b, rows);
  for (size_t i = 0; i < rows; ++i) {
    const double x = a[i], y = b[i];
    double r = 0;
    switch (n.op) {
      case Op::add:
        r = x + y;
        break;
      case Op::sub:
        r = x - y;
        break;
      case Op::mul:
        r = x * y;
        break;
      case Op::div:
        r = x / y;
        break;
      case Op::lt:
        r = x < y;
        break;
      case Op::le:
        r = x <= y;
        break;
      case Op::gt:
        r = x > y;
        break;
      case Op::ge:
        r = x >= y;
        break;
      case Op::eq:
        r = x == y;
        break;
      case Op::ne:
        r = x != y;
        break;
      case Op::land:
        r = truth(x) && truth(y);
        break;
      case Op::lor:
        r = truth(x) || truth(y);
        break;
      case Op::neg:
      case Op::lnot:
        SMLM_ASSERT(false);
    }
    a[i] = r;
  }
  return a;
}

// Rows sorted by grid cell (cell side = radius), answering "which rows lie within the radius".
class CellGrid {
 public:
  CellGrid(const std::vector<double>& x, const std::vector<double>& y, std::vector<int64_t> rows,
           double radius)
      : x_(x), y_(y), r_(radius) {
    cells_.reserve(rows.size());
    for (int64_t k : rows) cells_.push_back({std::floor(y[k] / r_), std::floor(x[k] / r_), k});
    std::sort(cells_.begin(), cells_.end(), [](const Cell& a, const Cell& b) {
      return a.cy != b.cy ? a.cy < b.cy : a.cx != b.cx ? a.cx < b.cx : a.row < b.row;
    });
  }

  // Calls f(row, squared distance) for every row of the grid (the query row included) in the
  // 3×3 cells around (px, py); stops early when f returns false.
  template <class F>
  void near(double px, double py, F&& f) const {
    const double cy = std::floor(py / r_), cx = std::floor(px / r_);
    for (double dy = -1; dy <= 1; ++dy) {
      auto it = std::lower_bound(cells_.begin(), cells_.end(), std::pair(cy + dy, cx - 1),
                                 [](const Cell& c, const std::pair<double, double>& k) {
                                   return c.cy != k.first ? c.cy < k.first : c.cx < k.second;
                                 });
      for (; it != cells_.end() && it->cy == cy + dy && it->cx <= cx + 1; ++it) {
        const double ex = x_[it->row] - px, ey = y_[it->row] - py;
        if (!f(it->row, ex * ex + ey * ey)) return;
      }
    }
  }

 private:
  struct Cell {
    double cy, cx;
    int64_t row;
  };
  const std::vector<double>& x_;
  const std::vector<double>& y_;
  double r_;
  std::vector<Cell> cells_;
};

void check_radius(const char* what, double r) {
  SMLM_CHECK(std::isfinite(r) && r > 0,
             what << ": the radius must be a positive number of nm, got " << r);
}

}  // namespace

void check_expression_syntax(const std::string& expr) {
  Parser(LocalizationTable(), expr, true).parse();
}

std::vector<double> evaluate_expression(const LocalizationTable& table, const std::string& expr) {
  const std::unique_ptr<Node> root = Parser(table, expr).parse();
  return eval(*root, table.size());
}

void filter_expression(LocalizationTable& table, const std::string& expr) {
  const std::vector<double> v = evaluate_expression(table, expr);
  std::vector<bool> keep(v.size());
  for (size_t i = 0; i < v.size(); ++i) keep[i] = truth(v[i]);
  table.filter(keep);
}

void filter_local_density(LocalizationTable& table, double radius_nm, int min_neighbours) {
  check_radius("density filter", radius_nm);
  SMLM_CHECK(min_neighbours >= 0,
             "density filter: the number of neighbours must be >= 0, got " << min_neighbours);
  for (std::string_view c : {col::x, col::y})
    SMLM_CHECK(table.has(c), "density filter: the localization table has no column '" << c << "'");
  const auto& x = table[col::x];
  const auto& y = table[col::y];
  const int64_t n = static_cast<int64_t>(table.size());
  std::vector<int64_t> rows;
  for (int64_t k = 0; k < n; ++k)
    if (std::isfinite(x[k]) && std::isfinite(y[k])) rows.push_back(k);
  const CellGrid grid(x, y, rows, radius_nm);
  const double r2 = radius_nm * radius_nm;
  std::vector<char> keep(n, 0);
  kernels::parallel_for(
      static_cast<int64_t>(rows.size()),
      [&](int64_t i) {
        const int64_t k = rows[i];
        int count = 0;
        if (min_neighbours > 0)
          grid.near(x[k], y[k], [&](int64_t other, double d2) {
            if (other != k && d2 <= r2) ++count;
            return count < min_neighbours;
          });
        keep[k] = count >= min_neighbours;
      },
      256);
  table.filter(std::vector<bool>(keep.begin(), keep.end()));
}

void remove_duplicates(LocalizationTable& table, double radius_nm) {
  check_radius("duplicate removal", radius_nm);
  for (std::string_view c : {col::frame, col::x, col::y})
    SMLM_CHECK(table.has(c),
               "duplicate removal: the localization table has no column '" << c << "'");
  const auto& f = table[col::frame];
  const auto& x = table[col::x];
  const auto& y = table[col::y];
  const std::vector<double>* unc =
      table.has(col::uncertainty_xy) ? &table[col::uncertainty_xy] : nullptr;
  const std::vector<double>* inten = table.has(col::intensity) ? &table[col::intensity] : nullptr;
  const int64_t n = static_cast<int64_t>(table.size());

  std::vector<int64_t> rows;
  for (int64_t k = 0; k < n; ++k)
    if (std::isfinite(f[k]) && std::isfinite(x[k]) && std::isfinite(y[k])) rows.push_back(k);
  std::stable_sort(rows.begin(), rows.end(), [&](int64_t a, int64_t b) { return f[a] < f[b]; });
  std::vector<size_t> frame_start;
  for (size_t i = 0; i < rows.size(); ++i)
    if (i == 0 || f[rows[i]] != f[rows[i - 1]]) frame_start.push_back(i);
  frame_start.push_back(rows.size());

  auto key_unc = [&](int64_t k) {
    const double u = unc ? (*unc)[k] : NAN;
    return std::isfinite(u) ? u : std::numeric_limits<double>::infinity();
  };
  auto key_int = [&](int64_t k) {
    const double v = inten ? (*inten)[k] : NAN;
    return std::isfinite(v) ? v : -std::numeric_limits<double>::infinity();
  };
  const double r2 = radius_nm * radius_nm;
  std::vector<char> keep(n, 1);  // invalid rows stay
  kernels::parallel_for(static_cast<int64_t>(frame_start.size()) - 1, [&](int64_t g) {
    std::vector<int64_t> members(rows.begin() + frame_start[g], rows.begin() + frame_start[g + 1]);
    for (int64_t k : members) keep[k] = 0;
    const CellGrid grid(x, y, members, radius_nm);
    std::stable_sort(members.begin(), members.end(), [&](int64_t a, int64_t b) {
      const double ua = key_unc(a), ub = key_unc(b);
      if (ua != ub) return ua < ub;
      const double ia = key_int(a), ib = key_int(b);
      if (ia != ib) return ia > ib;
      return a < b;
    });
    for (int64_t k : members) {
      bool clash = false;
      grid.near(x[k], y[k], [&](int64_t other, double d2) {
        clash = keep[other] && d2 < r2;
        return !clash;
      });
      keep[k] = !clash;
    }
  });
  table.filter(std::vector<bool>(keep.begin(), keep.end()));
}

}  // namespace smlm::reconstruction
