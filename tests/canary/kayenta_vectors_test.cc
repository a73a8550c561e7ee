// Every test vector of Kayenta's own suites (shared/reference/kayenta-vectors.json:
// MannWhitneySuite and ClassifierSuite), reproduced to the tolerances Kayenta's assertions use.
// Each suite prints how many of its vectors pass, and fails unless all do. Classifier vectors also
// meet the independent re-derivation of canary-judges.md §2.3 (bounds, estimate, effect size to the
// six significant digits printed in kayenta-vectors.md).
#include <gtest/gtest.h>

#include <cmath>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "strategies/canary/mann_whitney.h"
#include "strategies/canary/metric_classifier.h"
#include "strategies/canary/statistics.h"

namespace deploysim::canary {
namespace {

const double kNaN = std::nan("");

std::optional<Json> load_vectors() {
  std::ifstream in(DEPLOYSIM_KAYENTA_VECTORS);
  if (!in) return std::nullopt;
  return Json::parse(in);
}

// Failures recorded so far in the running test: a vector passed when its checks added none.
int failures_so_far() {
  return ::testing::UnitTest::GetInstance()->current_test_info()->result()->total_part_count();
}

std::vector<double> values(const Json& array) { return array.get<std::vector<double>>(); }

MannWhitneyOptions at_confidence(double confidence) {
  MannWhitneyOptions options;
  options.confidence = confidence;
  return options;
}

// Runs `check` on every vector of a suite, counts those that pass, prints the count.
template <class Check>
void run_suite(const char* suite, const Check& check) {
  const std::optional<Json> vectors = load_vectors();
  if (!vectors) GTEST_SKIP() << "no " << DEPLOYSIM_KAYENTA_VECTORS;
  const Json& cases = vectors->at(suite);
  ASSERT_FALSE(cases.empty()) << suite;
  int passed = 0;
  for (const Json& v : cases) {
    SCOPED_TRACE(v.at("test").get<std::string>());
    const int before = failures_so_far();
    check(v);
    if (failures_so_far() == before) ++passed;
  }
  std::printf("kayenta-vectors: %s: %d of %zu vectors pass\n", suite, passed, cases.size());
  EXPECT_EQ(passed, int(cases.size())) << suite;
}

// ---- MannWhitneySuite -------------------------------------------------------------------------

// "Wilcoxon Diff Function": wilcoxonDiff(mu, 0) at mu = 0 and 5.
void check_wilcoxon_diff(const Json& v) {
  const sim::Result<WilcoxonShift> w = WilcoxonShift::make(values(v.at("x")), values(v.at("y")));
  ASSERT_TRUE(w.ok()) << w.error().message;
  const double tol = v.at("tol");
  EXPECT_NEAR(w->at(0, 0).value(), v.at("expected").at("wilcoxonDiff(0,0)").get<double>(), tol);
  EXPECT_NEAR(w->at(5, 0).value(), v.at("expected").at("wilcoxonDiff(5,0)").get<double>(), tol);
}

// mannWhitneyUTest(experiment, control, conf) against the vector's ci_low, ci_high and estimate.
void expect_interval(const std::vector<double>& experiment, const std::vector<double>& control,
                     const Json& v, double tol_ci, double tol_estimate) {
  const Json& expected = v.at("expected");
  const sim::Result<MannWhitneyResult> r =
      mann_whitney(experiment, control, at_confidence(v.at("conf")));
  ASSERT_TRUE(r.ok()) << r.error().message;
  EXPECT_NEAR(r->lower, expected.at("ci_low").get<double>(), tol_ci);
  EXPECT_NEAR(r->upper, expected.at("ci_high").get<double>(), tol_ci);
  EXPECT_NEAR(r->estimate, expected.at("estimate").get<double>(), tol_estimate);
}

// "Intermediate Values / Variables": Kayenta's test drives BrentSolver itself from the search
// interval and the end values, then checks every intermediate.
void check_intermediate_values(const Json& v) {
  const std::vector<double> x = values(v.at("x"));
  const std::vector<double> y = values(v.at("y"));
  const Json& expected = v.at("expected");
  const double tol = v.at("tol");
  const sim::Result<WilcoxonShift> made = WilcoxonShift::make(x, y);
  ASSERT_TRUE(made.ok()) << made.error().message;
  const WilcoxonShift& w = *made;
  const double mu_min = w.shift_min();
  const double mu_max = w.shift_max();
  EXPECT_NEAR(mu_min, expected.at("muMin").get<double>(), tol);
  EXPECT_NEAR(mu_max, expected.at("muMax").get<double>(), tol);
  const double alpha = 1.0 - v.at("conf").get<double>();
  const double zq_upper = normal_quantile(alpha / 2);
  const double zq_lower = -zq_upper;
  const auto f = [&](double zq) { return [&w, zq](double d) { return w.at(d, zq).value(); }; };
  EXPECT_NEAR(f(zq_lower)(mu_min), expected.at("fLower1").get<double>(), tol);
  EXPECT_NEAR(f(zq_lower)(mu_max), expected.at("fUpper1").get<double>(), tol);
  EXPECT_NEAR(f(zq_upper)(mu_min), expected.at("fLower2").get<double>(), tol);
  EXPECT_NEAR(f(zq_upper)(mu_max), expected.at("fUpper2").get<double>(), tol);
  const double ci_lower =
      zeroin(mu_min, mu_max, f(zq_lower)(mu_min), f(zq_lower)(mu_max), f(zq_lower));
  const double ci_upper =
      zeroin(mu_min, mu_max, f(zq_upper)(mu_min), f(zq_upper)(mu_max), f(zq_upper));
  const double estimate = zeroin(mu_min, mu_max, f(0)(mu_min), f(0)(mu_max), f(0));
  EXPECT_NEAR(ci_lower, expected.at("ci_low").get<double>(), tol);
  EXPECT_NEAR(ci_upper, expected.at("ci_high").get<double>(), tol);
  EXPECT_NEAR(estimate, expected.at("estimate").get<double>(), tol);
  // The whole test gives the same numbers (W has the root's sign at neither end here).
  expect_interval(x, y, v, tol, tol);
}

// The confidence-interval tests: mannWhitneyUTest(experiment, control, conf).
void check_interval(const Json& v) {
  const double tol = v.value("tol", 0.0);
  expect_interval(values(v.at("experiment")), values(v.at("control")), v, v.value("tol_ci", tol),
                  v.value("tol_estimate", tol));
}

void check_mann_whitney_vector(const Json& v) {
  const Json& expected = v.at("expected");
  if (expected.contains("wilcoxonDiff(0,0)")) {
    check_wilcoxon_diff(v);
  } else if (expected.contains("muMin")) {
    check_intermediate_values(v);
  } else if (expected.contains("ci_low")) {
    check_interval(v);
  } else {
    ADD_FAILURE() << "a MannWhitneySuite vector of a shape this test does not know: "
                  << expected.dump();
  }
}

TEST(KayentaVectors, MannWhitneySuite) { run_suite("mannwhitney", check_mann_whitney_vector); }

// Kayenta's "Test zQuant": NormalDistribution.inverseCumulativeProbability(0.02 / 2).
TEST(KayentaVectors, ZQuant) { EXPECT_NEAR(normal_quantile(0.02 / 2), -2.326348, 1e-6); }

// ---- ClassifierSuite --------------------------------------------------------------------------

// The classifier and its arguments from a vector's "params"; an unknown key fails the vector.
struct ClassifierCall {
  ClassifierOptions options;
  MetricRules rules;
};

ClassifierCall classifier_call(const Json& params) {
  ClassifierCall call;
  for (const auto& [key, value] : params.items()) {
    if (key == "tol") {
      call.options.tolerance = value;
    } else if (key == "conf") {
      call.options.confidence = value;
    } else if (key == "eff") {
      call.options.allowed_decrease = value.at(0);
      call.options.allowed_increase = value.at(1);
    } else if (key == "crit") {
      call.options.critical_decrease = value.at(0);
      call.options.critical_increase = value.at(1);
    } else if (key == "measure") {
      EXPECT_EQ(value, "cles");
      call.options.measure = EffectSizeMeasure::kCles;
    } else if (key == "direction") {
      call.rules.direction = value == "increase"   ? Direction::kIncrease
                             : value == "decrease" ? Direction::kDecrease
                                                   : Direction::kEither;
      EXPECT_TRUE(value == "increase" || value == "decrease" || value == "either") << value;
    } else if (key == "nan") {
      EXPECT_EQ(value, "replace");
      call.rules.nan_strategy = NanStrategy::kReplace;
    } else if (key == "critical") {
      call.rules.critical = value;
    } else {
      ADD_FAILURE() << "a classifier parameter this test does not know: " << key;
    }
  }
  // The constructor's thresholds default to (1.0, 1.0) whatever the measure (the 0.5 defaults for
  // cles are the judge's, when it reads a config), so nothing else to fill in.
  return call;
}

// The assertions of ClassifierSuite, as the vectors quote them.
void check_assertion(const std::string& assertion, const MetricClassification& r) {
  const std::string kLabel = "result.classification == ";
  if (assertion.rfind(kLabel, 0) == 0) {
    EXPECT_EQ(to_string(r.classification), assertion.substr(kLabel.size()));
  } else if (assertion == "result.critical") {
    EXPECT_TRUE(r.critical);
  } else if (assertion == "!result.critical") {
    EXPECT_FALSE(r.critical);
  } else if (assertion == "result.deviation.isNaN") {
    EXPECT_TRUE(std::isnan(r.deviation)) << r.deviation;
  } else if (assertion == "result.deviation == 1.0") {
    EXPECT_EQ(r.deviation, 1.0);
  } else {
    ADD_FAILURE() << "an assertion this test does not know: " << assertion;
  }
}

// The re-derivation's (lower, upper, estimate, effect size), 6 significant digits
// (kayenta-vectors.md, ClassifierSuite table; "Tied Ranks" rows are random draws and left out).
struct Rederived {
  double lower, upper, estimate, effect;
};
const std::map<std::string, Rederived>& rederived() {
  static const std::map<std::string, Rederived> table = {
      {"Mann-Whitney Classifier Test: Pass Metric", {-1.05917, 1.09257, 0.05874, 1.00093}},
      {"Mann-Whitney Classifier Test: High Metric", {9.33706, 11.6192, 10.6228, 2.06756}},
      {"Mann-Whitney Classifier Test: Low Metric", {-11.115, -8.79971, -9.89817, 0.490656}},
      {"Mann-Whitney Classifier Directional Test: Increase",
       {-11.115, -8.79971, -9.89817, 0.490656}},
      {"Mann-Whitney Classifier Directional Test: Decrease", {9.33706, 11.6192, 10.6228, 2.06756}},
      {"Mann-Whitney Classifier Directional Test: High Metric",
       {9.33706, 11.6192, 10.6228, 2.06756}},
      {"Mann-Whitney Classifier Directional Test: Low Metric",
       {-11.115, -8.79971, -9.89817, 0.490656}},
      {"Mann-Whitney Classifier Test: High Metric (Large Input)",
       {3.52176e-05, 2.02456e-05, 2.62792e-05, 4.44663}},
      {"Mann-Whitney Classifier Test - Mean Ratio Effect Size: High", {17.8, 27.7999, 20, 12.0408}},
      {"Mann-Whitney Classifier Test - Mean Ratio Effect Size: Low",
       {-11.115, -8.79971, -9.89817, 0.490656}},
      {"Mann-Whitney Classifier Test - Mean Ratio Effect Size: Pass",
       {-17.8, 0.999948, -10.7812, 0.574576}},
      {"Mann-Whitney Classifier Test - Mean Ratio Effect Size: Pass (Large Input)",
       {3.52176e-05, 2.02456e-05, 2.62792e-05, 4.44663}},
      {"Mann-Whitney Classifier Test - CLES Effect Size: Pass",
       {1.86315e-05, 4.12407e-06, -8.27799e-06, 0.579722}},
      {"Mann-Whitney Classifier Test - CLES Effect Size: High",
       {0.00332383, 0.00392179, 0.00356356, 1}},
      {"Mann-Whitney Classifier Test - CLES Effect Size: Low", {-4.74635, -2.01129, -3.3923, 0.12}},
      {"Mann-Whitney Classifier Test - Critical Effect Size: High", {17.8, 27.7999, 20, 12.0408}},
      {"Mann-Whitney Classifier Test - Critical Effect Size: Pass", {17.8, 27.7999, 20, 12.0408}},
      {"Mann-Whitney Leading Zero Identical Population", {-0.999941, 0, 0, 0.8}},
      {"Mann-Whitney Majority Tied Observations", {0, 8.99993, 0, 2.8}},
      {"Mann-Whitney Zero Mean: High Metric with Effect Size", {54.5, 57.4, 55.1, kNaN}},
      {"Mann-Whitney Zero Mean: Low Metric with Effect Size", {-57.4, -54.5, -55.1, kNaN}},
  };
  return table;
}

// Equal to `printed` as "%g" prints it (6 significant digits).
void expect_printed(double actual, double printed, const char* what) {
  if (std::isnan(printed)) {
    EXPECT_TRUE(std::isnan(actual)) << what << " = " << actual;
    return;
  }
  EXPECT_NEAR(actual, printed, 5.01e-6 * std::fabs(printed) + 1e-300) << what;
}

// Assertions the JSON leaves out, quoted from the Scala source in kayenta-vectors.md.
void check_unlisted_assertions(const std::string& test, const MetricClassification& r) {
  if (test == "Mann-Whitney Missing Data: Reason String") {
    EXPECT_FALSE(r.reason.empty());  // result.reason should not be empty
  } else {
    ADD_FAILURE() << "the vector asserts nothing";
  }
}

// Seeds for the noise Kayenta adds to two constant samples; every seed must give Kayenta's label.
constexpr uint64_t kNoiseSeeds[] = {1, 2, 3, 20250408};

void check_classifier_vector(const Json& v) {
  const std::string test = v.at("test");
  const ClassifierCall call = classifier_call(v.at("params"));
  const std::vector<double> experiment = values(v.at("experiment"));
  const std::vector<double> control = values(v.at("control"));
  for (uint64_t seed : kNoiseSeeds) {
    SCOPED_TRACE("noise seed " + std::to_string(seed));
    sim::Rng noise = sim::Rng::stream(seed, "kayenta-vectors");
    const MetricClassification r =
        classify_metric(test, control, experiment, call.options, call.rules, noise);
    const Json& asserts = v.at("expected_asserts");
    for (const Json& a : asserts) check_assertion(a.get<std::string>(), r);
    if (asserts.empty()) check_unlisted_assertions(test, r);
    const auto it = rederived().find(test);
    if (it == rederived().end()) continue;
    ASSERT_TRUE(r.test.has_value()) << "the rank test should have run";
    expect_printed(r.test->interval.lower, it->second.lower, "lower bound");
    expect_printed(r.test->interval.upper, it->second.upper, "upper bound");
    expect_printed(r.test->interval.estimate, it->second.estimate, "estimate");
    expect_printed(r.test->effect_size, it->second.effect, "effect size");
  }
}

TEST(KayentaVectors, ClassifierSuite) { run_suite("classifier", check_classifier_vector); }

}  // namespace
}  // namespace deploysim::canary
