// Commons Math's descriptive statistics as Kayenta's judge sees them, and AS 241.
#include "strategies/canary/statistics.h"

#include <Eigen/Core>
#include <algorithm>
#include <cmath>

#include "sim/kernel/check.h"

namespace deploysim::canary {
namespace {

// Horner evaluation of c[0] + c[1] r + ... + c[7] r^7.
double polynomial(const double (&c)[8], double r) {
  double value = c[7];
  for (int i = 6; i >= 0; --i) value = value * r + c[i];
  return value;
}

// AS 241 coefficients (Wichura 1988, Applied Statistics 37(3), PPND16): numerator and
// denominator of the rational approximations for the centre, the near tail and the far tail.
constexpr double kCentreNum[8] = {3.3871328727963666080e0,  1.3314166789178437745e+2,
                                  1.9715909503065514427e+3, 1.3731693765509461125e+4,
                                  4.5921953931549871457e+4, 6.7265770927008700853e+4,
                                  3.3430575583588128105e+4, 2.5090809287301226727e+3};
constexpr double kCentreDen[8] = {1.0,
                                  4.2313330701600911252e+1,
                                  6.8718700749205790830e+2,
                                  5.3941960214247511077e+3,
                                  2.1213794301586595867e+4,
                                  3.9307895800092710610e+4,
                                  2.8729085735721942674e+4,
                                  5.2264952788528545610e+3};
constexpr double kNearNum[8] = {1.42343711074968357734e0,  4.63033784615654529590e0,
                                5.76949722146069140550e0,  3.64784832476320460504e0,
                                1.27045825245236838258e0,  2.41780725177450611770e-1,
                                2.27238449892691845833e-2, 7.74545014278341407640e-4};
constexpr double kNearDen[8] = {1.0,
                                2.05319162663775882187e0,
                                1.67638483018380384940e0,
                                6.89767334985100004550e-1,
                                1.48103976427480074590e-1,
                                1.51986665636164571966e-2,
                                5.47593808499534494600e-4,
                                1.05075007164441684324e-9};
constexpr double kFarNum[8] = {6.65790464350110377720e0,  5.46378491116411436990e0,
                               1.78482653991729133580e0,  2.96560571828504891230e-1,
                               2.65321895265761230930e-2, 1.24266094738807843860e-3,
                               2.71155556874348757815e-5, 2.01033439929228813265e-7};
constexpr double kFarDen[8] = {1.0,
                               5.99832206555887937690e-1,
                               1.36929880922735805310e-1,
                               1.48753612908506148525e-2,
                               7.86869131145613259100e-4,
                               1.84631831751005468180e-5,
                               1.42151175831644588870e-7,
                               2.04426310338993978564e-15};

}  // namespace

double mean(std::span<const double> values) {
  if (values.empty()) return std::nan("");
  const double n = static_cast<double>(values.size());
  // Sequential sums, not Eigen's tree-shaped reductions: the last bit of a mean decides ties
  // against effect-size thresholds, and Java adds left to right.
  double sum = 0;
  for (double v : values) sum += v;
  const double first = sum / n;
  double residual = 0;
  for (double v : values) residual += v - first;
  return first + residual / n;
}

double sample_variance(std::span<const double> values) {
  if (values.empty()) return std::nan("");
  if (values.size() == 1) return 0.0;
  const double m = mean(values);
  const double n = static_cast<double>(values.size());
  double squares = 0;
  double residual = 0;
  for (double v : values) {
    const double d = v - m;
    squares += d * d;
    residual += d;
  }
  return (squares - residual * residual / n) / (n - 1.0);
}

double percentile_r7(std::span<const double> values, double percent) {
  if (values.empty()) return std::nan("");
  Eigen::ArrayXd sorted =
      Eigen::Map<const Eigen::ArrayXd>(values.data(), Eigen::Index(values.size()));
  std::sort(sorted.begin(), sorted.end());
  const Eigen::Index n = sorted.size();
  if (n == 1) return sorted[0];
  const double p = percent / 100.0;
  const double h = p == 0.0 ? 0.0 : p == 1.0 ? double(n) : 1.0 + double(n - 1) * p;
  if (h < 1.0) return sorted[0];
  if (h >= double(n)) return sorted[n - 1];
  const double floor_h = std::floor(h);
  const auto k = static_cast<Eigen::Index>(floor_h);  // 1-based position of the lower neighbour
  const double lower = sorted[k - 1];
  const double upper = sorted[k];
  return lower + (h - floor_h) * (upper - lower);
}

SampleSummary summarize(std::span<const double> values) {
  if (values.empty()) return {};
  const Eigen::Map<const Eigen::ArrayXd> x(values.data(), Eigen::Index(values.size()));
  return SampleSummary{.min = x.minCoeff(),
                       .max = x.maxCoeff(),
                       .mean = mean(values),
                       .std = std::sqrt(sample_variance(values)),
                       .count = static_cast<double>(values.size())};
}

double normal_quantile(double p) {
  DEPLOYSIM_CHECK(p > 0.0 && p < 1.0, "normal_quantile needs a probability strictly inside (0, 1)");
  const double q = p - 0.5;
  if (std::fabs(q) <= 0.425) {
    const double r = 0.180625 - q * q;
    return q * polynomial(kCentreNum, r) / polynomial(kCentreDen, r);
  }
  double r = std::sqrt(-std::log(q < 0 ? p : 1.0 - p));
  double tail;
  if (r <= 5.0) {
    r -= 1.6;
    tail = polynomial(kNearNum, r) / polynomial(kNearDen, r);
  } else {
    r -= 5.0;
    tail = polynomial(kFarNum, r) / polynomial(kFarDen, r);
  }
  return q < 0 ? -tail : tail;
}

}  // namespace deploysim::canary
