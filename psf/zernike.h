// Zernike polynomials on the unit disk in Noll's ordering and normalization (Noll 1976): the basis
// of pupil aberrations and of the astigmatic and tetrapod phase masks in psf/pupil.h.
//   Z_j(ρ, θ) = √(n+1)·R_n^0(ρ)                 m = 0
//             = √(2(n+1))·R_n^|m|(ρ)·cos(|m|θ)  m ≠ 0, j even
//             = √(2(n+1))·R_n^|m|(ρ)·sin(|m|θ)  m ≠ 0, j odd
// so that the mean of Z_j² over the unit disk is 1 (a coefficient is an rms value). j = 1 piston,
// 2/3 tip/tilt, 4 defocus, 5/6 astigmatism (sin 2θ / cos 2θ), 7/8 coma, 11 spherical,
// 12/13 secondary astigmatism, 22 secondary spherical.
#pragma once

namespace smlm::psf {

// Radial order n and signed azimuthal frequency m of Noll index j ≥ 1 (m > 0: cos, m < 0: sin).
// Throws smlm::Error for j < 1.
void noll_to_nm(int j, int& n, int& m);

// The radial polynomial R_n^m(ρ), 0 ≤ m ≤ n, n − m even (0 otherwise), by its explicit sum.
double zernike_radial(int n, int m, double rho);

// Z_j(ρ, θ) as above; ρ ≤ 1 (not checked).
double zernike(int j, double rho, double theta);

}  // namespace smlm::psf
