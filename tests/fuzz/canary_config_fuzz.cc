// Fuzz target: a Kayenta canary config, then series for its metrics, judged end to end.
//
// Input: config JSON, optionally followed by "\n#series\n" and series bytes. For each metric in
// config order, the baseline then the canary: a length byte (mod 64), then one byte per point:
// 0xFF is a missing point (NaN), 0xFE takes the next 8 bytes as a raw double (infinities, huge
// and tiny values), anything else is (byte - 64) / 8, so short printable seeds give small values
// with many ties and constant runs (Kayenta's noise path).
//
// The config loads or fails with a message naming the source; a loaded config always judges;
// the judgment is consistent (one result per metric, a critical failure scores 0, the summary
// classification matches the thresholds, the score is finite and in range) and repeats exactly
// for a seed.
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <string>
#include <string_view>
#include <vector>

#include "strategies/canary/judge.h"

namespace {

using namespace deploysim;

class SeriesBytes {
 public:
  explicit SeriesBytes(std::string_view bytes) : bytes_(bytes) {}

  std::vector<double> next_series() {
    std::vector<double> out;
    const size_t length = next_byte() % 64;
    for (size_t i = 0; i < length && pos_ < bytes_.size(); ++i) out.push_back(next_value());
    return out;
  }

 private:
  uint8_t next_byte() { return pos_ < bytes_.size() ? static_cast<uint8_t>(bytes_[pos_++]) : 0; }

  double next_value() {
    const uint8_t b = next_byte();
    if (b == 0xFF) return std::nan("");
    if (b == 0xFE && pos_ + 8 <= bytes_.size()) {
      double raw;
      std::memcpy(&raw, bytes_.data() + pos_, sizeof raw);
      pos_ += 8;
      return raw;
    }
    return (double(b) - 64) / 8;
  }

  std::string_view bytes_;
  size_t pos_ = 0;
};

void check(bool condition) {
  if (!condition) std::abort();
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string_view input(reinterpret_cast<const char*>(data), size);
  constexpr std::string_view kMarker = "\n#series\n";
  const size_t marker = input.find(kMarker);
  const std::string text(input.substr(0, marker));
  const std::string_view tail =
      marker == std::string_view::npos ? std::string_view() : input.substr(marker + kMarker.size());

  const sim::Result<canary::CanaryConfig> config = canary::load_canary_config(text, "fuzz.json");
  if (!config.ok()) {
    check(config.error().message.rfind("fuzz.json: ", 0) == 0);
    return 0;
  }
  SeriesBytes bytes(tail);
  canary::MetricSeriesByName series;
  for (const canary::MetricConfig& m : config->metrics) {
    canary::MetricSeries& s = series[m.name];
    s.baseline = bytes.next_series();
    s.canary = bytes.next_series();
  }
  const canary::ScoreThresholds thresholds = canary::effective_thresholds(*config);
  const sim::Rng noise = sim::Rng::stream(size, "canary-fuzz");
  const sim::Result<canary::JudgeResult> judged = canary::judge(*config, series, thresholds, noise);
  check(judged.ok());
  const canary::JudgeResult& r = *judged;
  check(r.metrics.size() == config->metrics.size());
  double weight_total = 0;
  for (const auto& [group, weight] : config->classifier.group_weights) weight_total += weight;
  check(std::isfinite(r.score) && r.score >= 0 && r.score <= std::max(100.0, weight_total) + 0.01);
  check(r.classification == canary::classify_score(r.score, thresholds));
  for (const canary::MetricResult& m : r.metrics) {
    if (!m.muted && m.critical && m.classification != canary::Classification::kPass)
      check(r.score == 0);
  }
  const sim::Result<canary::JudgeResult> again = canary::judge(*config, series, thresholds, noise);
  check(again.ok() && again->to_json().dump() == r.to_json().dump());
  return 0;
}
