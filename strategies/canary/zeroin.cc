// R's zeroin (Brent 1973, "Algorithms for Minimization without Derivatives", ch. 4), written from
// the algorithm's description; the arithmetic is kept in R's order so that every step lands on
// the same double as R and Kayenta.
#include "strategies/canary/zeroin.h"

#include <cfloat>
#include <cmath>
#include <utility>

namespace deploysim::canary {
namespace {

// The interpolation step p / q from the three points (a, fa), (b, fb), (c, fc), or from the two
// points when a == c (secant), with p made non-negative; the caller decides whether to take it.
std::pair<double, double> interpolation_step(double a, double b, double c, double fa, double fb,
                                             double fc) {
  const double cb = c - b;
  double p;
  double q;
  if (a == c) {
    const double t1 = fb / fa;
    p = cb * t1;
    q = 1.0 - t1;
  } else {
    const double ratio_ac = fa / fc;
    const double t1 = fb / fc;
    const double t2 = fb / fa;
    p = t2 * (cb * ratio_ac * (ratio_ac - t1) - (b - a) * (t1 - 1.0));
    q = (ratio_ac - 1.0) * (t1 - 1.0) * (t2 - 1.0);
  }
  if (p > 0) {
    q = -q;
  } else {
    p = -p;
  }
  return {p, q};
}

}  // namespace

double zeroin(double a, double b, double fa, double fb, const std::function<double(double)>& f,
              const ZeroinOptions& options) {
  if (fa == 0.0) return a;
  if (fb == 0.0) return b;
  // b is the best approximation, a the previous one, and [b, c] brackets the root.
  double c = a;
  double fc = fa;
  for (int iteration = 0; iteration < options.max_iterations; ++iteration) {
    const double prev_step = b - a;
    if (std::fabs(fc) < std::fabs(fb)) {
      a = b;
      b = c;
      c = a;
      fa = fb;
      fb = fc;
      fc = fa;
    }
    const double tol_act = 2 * DBL_EPSILON * std::fabs(b) + options.tolerance / 2;
    double new_step = (c - b) / 2;
    if (std::fabs(new_step) <= tol_act || fb == 0.0) return b;

    // Interpolate only when the previous step was large enough and went the right way.
    if (std::fabs(prev_step) >= tol_act && std::fabs(fa) > std::fabs(fb)) {
      const auto [p, q] = interpolation_step(a, b, c, fa, fb, fc);
      const double cb = c - b;
      // Accept b + p/q when it falls inside [b, c] and is not too large; otherwise bisect.
      if (p < 0.75 * cb * q - std::fabs(tol_act * q) / 2 && p < std::fabs(prev_step * q / 2)) {
        new_step = p / q;
      }
    }
    if (std::fabs(new_step) < tol_act) new_step = new_step > 0 ? tol_act : -tol_act;

    a = b;
    fa = fb;
    b += new_step;
    fb = f(b);
    if ((fb > 0 && fc > 0) || (fb < 0 && fc < 0)) {
      c = a;
      fc = fa;
    }
  }
  return b;
}

}  // namespace deploysim::canary
