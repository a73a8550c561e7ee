// Brent-Dekker root finding exactly as R's uniroot does it (R_zeroin2 in R's C sources), which is
// what Kayenta's BrentSolver ports for the Mann-Whitney interval. Kayenta's expected values are
// artefacts of this algorithm's steps and its absolute tolerance (a lower bound above the upper
// bound in "Intermediate Values", an estimate equal to a bound in "Problem Case"), so a different
// root finder, however good, would not reproduce them.
#pragma once

#include <functional>

namespace deploysim::canary {

struct ZeroinOptions {
  double tolerance = 1e-4;    // absolute, in the units of x: R's tol.root, Kayenta's TOLERANCE
  int max_iterations = 1000;  // Kayenta's MAX_ITERATIONS
};

// A root of f in [a, b], given fa = f(a) and fb = f(b), as R_zeroin2 finds it: returns a when fa
// is 0 and b when fb is 0; otherwise bisection, secant and inverse quadratic interpolation steps
// (never shorter than the current tolerance 2 eps |b| + tolerance / 2) until the bracket is within
// tolerance or f vanishes. It does not check that f changes sign (neither does R's C code: the
// estimate in Kayenta is found without that check); after max_iterations it returns the current
// point. A NaN from f ends no earlier than the bracket shrinks, so every call terminates.
double zeroin(double a, double b, double fa, double fb, const std::function<double(double)>& f,
              const ZeroinOptions& options = {});

}  // namespace deploysim::canary
