// Kayenta's StatisticSuite, DetectorSuite (IQR) and TransformSuite vectors (kayenta-vectors.md),
// for the statistics, effect sizes and preprocessing the judge relies on.
#include "strategies/canary/statistics.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <vector>

#include "strategies/canary/effect_size.h"
#include "strategies/canary/preprocessing.h"

namespace deploysim::canary {
namespace {

const double kNaN = std::nan("");

std::vector<bool> as_vector(const Eigen::Array<bool, Eigen::Dynamic, 1>& mask) {
  return std::vector<bool>(mask.begin(), mask.end());
}

// ---- StatisticSuite ---------------------------------------------------------------------------

TEST(StatisticSuite, Summary) {
  const SampleSummary scalar = summarize(std::vector<double>{4.0});
  EXPECT_EQ(scalar.min, 4);
  EXPECT_EQ(scalar.max, 4);
  EXPECT_EQ(scalar.mean, 4);
  EXPECT_EQ(scalar.std, 0);
  EXPECT_EQ(scalar.count, 1);
  const SampleSummary list = summarize(std::vector<double>{1, 1, 1, 10, 10, 10});
  EXPECT_EQ(list.min, 1.0);
  EXPECT_EQ(list.max, 10.0);
  EXPECT_EQ(list.mean, 5.5);
  EXPECT_NEAR(list.std, 4.9295, 1e-4);
  EXPECT_EQ(list.count, 6.0);
  const SampleSummary none = summarize(std::vector<double>{});
  EXPECT_EQ(none.min, 0);
  EXPECT_EQ(none.max, 0);
  EXPECT_EQ(none.mean, 0);
  EXPECT_EQ(none.std, 0);
  EXPECT_EQ(none.count, 0);
}

TEST(StatisticSuite, Percentiles) {
  const std::vector<double> basic = {0.0, 0.5, 1.0, 1.5, 2.0, 2.5, 3.0, 3.5};
  EXPECT_NEAR(percentile_r7(basic, 5), 0.175, 1e-4);
  EXPECT_EQ(percentile_r7(basic, 50), 1.75);
  EXPECT_EQ(percentile_r7(basic, 100), 3.5);
  EXPECT_EQ(percentile_r7(std::vector<double>{0, 1, 2, 3, 4, 5, 6, 7, 8, 9}, 50), 4.5);
  const std::vector<double> nist = {95.1772, 95.1567, 95.1937, 95.1959, 95.1442, 95.0610,
                                    95.1591, 95.1195, 95.1772, 95.0925, 95.1990, 95.1682};
  EXPECT_EQ(percentile_r7(nist, 90), 95.19568);
  EXPECT_EQ(percentile_r7(std::vector<double>{1.0}, 100), 1.0);
  const std::vector<double> rates = {0.07142857142857144,
                                     0.02083333333333332,
                                     0.16666666666666666,
                                     0.03448275862068966,
                                     0.038461538461538464,
                                     0.03225806451612904,
                                     0.027777777777777773,
                                     0.0,
                                     0.23076923076923078,
                                     0.10344827586206898,
                                     0.04545454545454542,
                                     0.0,
                                     0.028571428571428564,
                                     0.0,
                                     0.0,
                                     0.04,
                                     0.0,
                                     0.0,
                                     0.05128205128205127,
                                     0.10714285714285716,
                                     0.0263157894736842,
                                     0.04166666666666667,
                                     0.09523809523809522,
                                     0.02941176470588235,
                                     0.024999999999999984,
                                     0.0,
                                     0.0,
                                     0.023809523809523794,
                                     0.0,
                                     0.02564102564102563,
                                     0.0,
                                     0.0,
                                     0.028571428571428564,
                                     0.07142857142857144,
                                     0.047619047619047596,
                                     0.021276595744680833,
                                     0.02564102564102563,
                                     0.03125,
                                     0.03125,
                                     0.03125,
                                     0.11363636363636356,
                                     0.03571428571428572,
                                     0.0,
                                     0.02777777777777777,
                                     0.0,
                                     0.0,
                                     0.055555555555555546,
                                     0.028571428571428564,
                                     0.03225806451612904};
  EXPECT_EQ(percentile_r7(rates, 25), 0.0);
  EXPECT_NEAR(percentile_r7(rates, 75), 0.0416, 1e-4);
  EXPECT_TRUE(std::isnan(percentile_r7(std::vector<double>{}, 50)));
}

TEST(StatisticSuite, MeanRatio) {
  const std::vector<double> ones(5, 1.0), tens(5, 10.0), hundreds(5, 100.0), zeros(5, 0.0);
  EXPECT_EQ(mean_ratio(ones, ones), 1.0);
  EXPECT_EQ(mean_ratio(ones, tens), 10.0);
  EXPECT_EQ(mean_ratio(hundreds, tens), 0.1);
  EXPECT_TRUE(std::isnan(mean_ratio(zeros, tens)));
  EXPECT_TRUE(std::isnan(mean_ratio(tens, zeros)));  // either mean zero (newer Kayenta)
}

TEST(StatisticSuite, Cles) {
  const std::vector<double> same = {1, 2, 3, 4, 5};
  EXPECT_EQ(cles(same, same), 0.5);
  const std::vector<double> low = {2.27776335, 2.61149434, 3.26894105, 2.91672701, 1.40656921,
                                   2.18292082, 3.47901292, 3.00034118, 3.02402043, 4.69912745};
  const std::vector<double> high = {25.31531073, 25.19450817, 24.6288846,  24.37991861,
                                    26.40999244, 25.28524759, 24.99788745, 26.13841676,
                                    22.93604649, 24.56817832};
  EXPECT_EQ(cles(/*control=*/high, /*experiment=*/low), 0.0);
  const std::vector<double> e_high = {
      29.17644856, 25.16947646, 25.88467948, 29.4900454,  27.05622757, 26.13307864,
      27.2711558,  26.69139944, 29.05412377, 26.39818697, 26.68312641, 24.99600187,
      27.99524816, 22.57278291, 23.72798196, 25.82821505, 28.26624521, 28.02370228,
      24.1792213,  26.02914828, 25.90970275, 31.18337461, 27.44254942, 29.93347686,
      26.70848069, 28.12191913, 27.39257837, 30.17636627, 29.60240485, 30.10635388};
  const std::vector<double> c_high = {
      24.69397578, 25.37120574, 25.86186148, 26.93804252, 22.72232309, 24.15894084,
      24.80842752, 26.07830794, 27.35323988, 23.25110886, 24.65909111, 23.88299016,
      21.34817847, 26.33198082, 23.39498829, 26.6734461,  25.33769589, 23.92348759,
      25.29740715, 24.21381887, 28.1697053,  22.2271772,  27.16612837, 25.16639243,
      26.85955896, 27.13421926, 25.43350074, 26.32130314, 23.8854011,  27.86180318};
  EXPECT_NEAR(cles(c_high, e_high), 0.771, 0.001);
  const std::vector<double> e_low = {
      22.58442682, 18.83161858, 22.34282944, 18.52177725, 19.41399147, 21.77120485,
      24.33796385, 22.16390531, 23.781802,   21.38514296, 22.2205035,  22.06152361,
      21.30313392, 21.59652134, 22.38394223, 24.68882792, 20.58916439, 21.03137302,
      22.26213957, 23.76485986, 20.56271226, 24.56567102, 19.86055958, 22.18967677,
      20.31475409, 19.2634656,  24.60283585, 20.41729998, 20.62069798, 22.53448767};
  const std::vector<double> c_low = {
      23.15322873, 22.09179077, 26.56410603, 23.0971542,  24.26372276, 25.6461273,
      29.42730472, 22.08630097, 29.15257054, 25.8096766,  24.62191338, 23.67398895,
      23.63946085, 26.44684325, 25.76230914, 25.41279862, 22.64005862, 24.58898152,
      25.01968457, 25.03695883, 23.79864705, 26.60180151, 25.99405034, 22.46726084,
      28.31843786, 24.30152484, 22.83713467, 21.92380184, 23.44735223, 29.15676219};
  EXPECT_EQ(cles(c_low, e_low), 0.12);
}

// ---- DetectorSuite (IQR) ----------------------------------------------------------------------

TEST(DetectorSuite, Iqr) {
  for (bool reduce : {false, true}) {
    SCOPED_TRACE(reduce ? "reduced sensitivity" : "plain");
    EXPECT_EQ(
        as_vector(iqr_outliers(std::vector<double>{21, 23, 24, 25, 50, 29, 23, 21}, 1.5, reduce)),
        (std::vector<bool>{false, false, false, false, true, false, false, false}));
    EXPECT_EQ(as_vector(iqr_outliers(std::vector<double>{1, 1, 1, 5, -1, -1, -1, -5}, 1.5, reduce)),
              (std::vector<bool>{false, false, false, true, false, false, false, true}));
    EXPECT_EQ(iqr_outliers(std::vector<double>{}, 1.5, reduce).size(), 0);
    const std::vector<double> nist = {
        30,  171, 184, 201, 212, 250, 265, 270, 272, 289, 305, 306,  322,  322,  336,
        346, 351, 370, 390, 404, 409, 411, 436, 437, 439, 441, 444,  448,  451,  453,
        470, 480, 482, 487, 494, 495, 499, 503, 514, 521, 522, 527,  548,  550,  559,
        560, 570, 572, 574, 578, 585, 592, 592, 607, 616, 618, 621,  629,  637,  638,
        640, 656, 668, 707, 709, 719, 737, 739, 752, 758, 766, 792,  792,  794,  802,
        818, 830, 832, 843, 858, 860, 869, 918, 925, 953, 991, 1000, 1005, 1068, 1441};
    std::vector<bool> truth(nist.size(), false);
    truth.back() = true;
    EXPECT_EQ(as_vector(iqr_outliers(nist, 1.5, reduce)), truth);
  }
}

TEST(DetectorSuite, ReducedSensitivityWidensTheFence) {
  // Closed form: 1..100 has Q1 = 25.75, Q3 = 75.25, so a factor of 0.01 fences at 25.255 and
  // 75.745; reduced sensitivity widens that to the 1st and 99th percentiles, 1.99 and 99.01.
  std::vector<double> x;
  for (int i = 1; i <= 100; ++i) x.push_back(i);
  EXPECT_EQ(as_vector(iqr_outliers(x, 0.01, false)).at(24), true);
  EXPECT_EQ(as_vector(iqr_outliers(x, 0.01, false)).at(25), false);
  const std::vector<bool> reduced = as_vector(iqr_outliers(x, 0.01, true));
  EXPECT_EQ(std::count(reduced.begin(), reduced.end(), true), 2);  // only 1 and 100
  EXPECT_TRUE(reduced.front());
  EXPECT_TRUE(reduced.back());
}

// ---- TransformSuite ---------------------------------------------------------------------------

TEST(TransformSuite, NanStrategies) {
  EXPECT_EQ(apply_nan_strategy(std::vector<double>{0, 1, kNaN, 1, 0}, NanStrategy::kRemove),
            (std::vector<double>{0, 1, 1, 0}));
  EXPECT_EQ(apply_nan_strategy(std::vector<double>{kNaN, kNaN, kNaN}, NanStrategy::kRemove),
            std::vector<double>{});
  EXPECT_EQ(apply_nan_strategy(std::vector<double>{kNaN, 10.10, 20.20, 30.30, kNaN, 40.40},
                               NanStrategy::kReplace),
            (std::vector<double>{0, 10.10, 20.20, 30.30, 0, 40.40}));
}

TEST(TransformSuite, IqrOutlierRemoval) {
  EXPECT_EQ(remove_iqr_outliers(std::vector<double>{21, 23, 24, 25, 50, 29, 23, 21}, 1.5, false),
            (std::vector<double>{21, 23, 24, 25, 29, 23, 21}));
}

TEST(TransformSuite, JudgePreprocessing) {
  // The judge removes outliers only when told to, and always after the NaN strategy.
  MetricAnalysisConfig analysis;
  const std::vector<double> raw = {21, kNaN, 23, 24, 25, 500, 29, 23, 21};
  EXPECT_EQ(preprocess(raw, analysis), (std::vector<double>{21, 23, 24, 25, 500, 29, 23, 21}));
  analysis.outliers.strategy = OutlierStrategy::kRemove;
  EXPECT_EQ(preprocess(raw, analysis), (std::vector<double>{21, 23, 24, 25, 29, 23, 21}));
  // Replaced by 0, the missing point sits below the 1st percentile (1.68) and the IQR fence (9):
  // it goes too.
  analysis.nan_strategy = NanStrategy::kReplace;
  EXPECT_EQ(preprocess(raw, analysis), (std::vector<double>{21, 23, 24, 25, 29, 23, 21}));
}

}  // namespace
}  // namespace deploysim::canary
