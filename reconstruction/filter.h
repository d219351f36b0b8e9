// Filtering localizations: by a boolean expression over the table's columns (ThunderSTORM's
// filter syntax), by local density, and removal of duplicate fits of one molecule in a frame.
#pragma once

#include <string>
#include <vector>

#include "core/localization_table.h"

namespace smlm::reconstruction {

// Expression grammar (whitespace ignored), loosest binding first:
//   or      := and  (("||" | "|") and)*
//   and     := cmp  (("&&" | "&") cmp)*
//   cmp     := sum  (("<" | "<=" | ">" | ">=" | "==" | "=" | "!=") sum)*
//   sum     := prod (("+" | "-") prod)*
//   prod    := unary (("*" | "/") unary)*
//   unary   := ("-" | "+" | "!") unary | primary
//   primary := NUMBER | NAME | "(" or ")"
// NUMBER: decimal or exponent form (500, 1.5, 2e3). NAME: letters, digits and '_' (not first a
// digit): a column of the table (values in its unit: nm, photons, 0-based frames), or one of the
// ThunderSTORM aliases photons → intensity, uncertainty → uncertainty_xy, bg → offset (a real
// column of that name wins). Comparisons chain left to right as in C ((a < b) < c). Comparisons, &&
// || and ! give 1 or 0; a number is true when it is non-zero and not NaN; comparisons with NaN are
// false (!= true). So
//   "intensity > 500 && uncertainty_xy < 20 || frame >= 100"
// keeps the bright, precise localizations and everything from frame 100 (0-based) on.
// Errors (smlm::Error): a syntax error names its 1-based character position, what was expected
// and the expression; an unknown name names itself and lists the table's columns; an expression
// nested more than 200 levels deep (parentheses, prefix operators, or a chain of 200 binary
// operators) is refused, so that no input can overflow the stack.

// Evaluates the expression for every row (the value, not only its truth).
std::vector<double> evaluate_expression(const LocalizationTable& table, const std::string& expr);

// Checks the expression's syntax and depth without a table (any NAME is accepted): the errors of
// evaluate_expression() but unknown columns, before the table is read.
void check_expression_syntax(const std::string& expr);

// Keeps the rows for which the expression is true, in order.
void filter_expression(LocalizationTable& table, const std::string& expr);

// Keeps the rows with at least min_neighbours other localizations (any frame) within radius_nm
// (Euclidean distance <= radius, lateral x, y in nm), e.g. to remove isolated background
// localizations. Rows with a non-finite x or y are dropped and are nobody's neighbour. A grid of
// radius-sized cells keeps the cost ~ rows × neighbours; rows run in parallel. Throws
// smlm::Error for a missing column, a radius that is not positive and finite, or
// min_neighbours < 0.
void filter_local_density(LocalizationTable& table, double radius_nm, int min_neighbours);

// Removes multiple fits of one molecule: within each frame, of localizations closer than
// radius_nm to one another, only the best is kept. Rows are ranked by uncertainty_xy (lowest
// first; a missing or non-finite one last), ties by intensity (highest first, when the column
// exists), then by row; in that order each row is kept unless a kept row of its frame lies
// within the radius (strictly closer). Rows with a non-finite frame, x or y are kept untouched.
// Throws smlm::Error for a missing frame/x/y column or a radius that is not positive and finite.
void remove_duplicates(LocalizationTable& table, double radius_nm);

}  // namespace smlm::reconstruction
