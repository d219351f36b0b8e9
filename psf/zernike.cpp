// Noll's index mapping and the Zernike radial polynomials by their explicit factorial sum (exact
// in double precision for the orders pupils use, n ≤ ~20).
#include "psf/zernike.h"

#include <cmath>
#include <cstdlib>

#include "core/error.h"

namespace smlm::psf {

void noll_to_nm(int j, int& n, int& m) {
  SMLM_CHECK(j >= 1, "Zernike Noll index must be >= 1, got " << j);
  n = 0;
  int r = j - 1;
  while (r > n) {
    ++n;
    r -= n;
  }
  // r counts the modes of order n before j; |m| has n's parity and pairs (cos, sin) share |m|.
  const int am = (n % 2) + 2 * ((r + ((n + 1) % 2)) / 2);
  m = (am == 0) ? 0 : ((j % 2 == 0) ? am : -am);
}

double zernike_radial(int n, int m, double rho) {
  m = std::abs(m);
  if (m > n || (n - m) % 2 != 0) return 0.0;
  double sum = 0.0;
  for (int k = 0; k <= (n - m) / 2; ++k) {
    const double c =
        std::tgamma(n - k + 1.0) / (std::tgamma(k + 1.0) * std::tgamma((n + m) / 2 - k + 1.0) *
                                    std::tgamma((n - m) / 2 - k + 1.0));
    sum += ((k % 2) ? -c : c) * std::pow(rho, n - 2 * k);
  }
  return sum;
}

double zernike(int j, double rho, double theta) {
  int n, m;
  noll_to_nm(j, n, m);
  const double r = zernike_radial(n, m, rho);
  if (m == 0) return std::sqrt(n + 1.0) * r;
  const double norm = std::sqrt(2.0 * (n + 1.0));
  return m > 0 ? norm * r * std::cos(m * theta) : norm * r * std::sin(-m * theta);
}

}  // namespace smlm::psf
