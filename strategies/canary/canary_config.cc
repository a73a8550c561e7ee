// Reading a Kayenta canary config: NetflixACAJudge's defaults (MapUtils.getAs*WithDefault on
// "canary.<key>"), and every problem reported at once with its field path.
#include "strategies/canary/canary_config.h"

#include <algorithm>
#include <cmath>
#include <initializer_list>
#include <set>
#include <utility>

namespace deploysim::canary {
namespace {

std::string quoted(const std::string& s) { return "\"" + s + "\""; }

// A JSON value as a message shows it: compact, at most about 40 characters.
std::string shown(const Json& value) {
  std::string text = value.dump(-1, ' ', false, Json::error_handler_t::replace);
  if (text.size() > 40) text = text.substr(0, 37) + "...";
  return text;
}

std::string join_path(const std::string& path, const std::string& key) {
  return path.empty() ? key : path + "." + key;
}

template <class E>
using EnumNames = std::initializer_list<std::pair<const char*, E>>;

// "\"a\", \"b\" or \"c\"".
template <class E>
std::string alternatives(EnumNames<E> names) {
  std::string out;
  size_t i = 0;
  for (const auto& [name, value] : names) {
    out += (i == 0 ? "" : i + 1 == names.size() ? " or " : ", ") + quoted(name);
    ++i;
  }
  return out;
}

class ConfigReader {
 public:
  explicit ConfigReader(const std::string& source) : source_(source) {}

  CanaryConfig read(const Json& root) {
    CanaryConfig config;
    if (!root.is_object()) {
      problem("", "expected a canary config (a JSON object), got " + shown(root));
      return config;
    }
    config.name = required_string(root, "name", "");
    if (const Json* judge = read_object(root, "judge", ""))
      config.judge_name = read_string(*judge, "name", "judge", "");
    const Json* metrics = member(root, "metrics");
    if (metrics == nullptr || !metrics->is_array()) {
      problem("metrics", "required: an array of metric configs" +
                             (metrics == nullptr ? std::string() : ", got " + shown(*metrics)));
    } else {
      for (size_t i = 0; i < metrics->size(); ++i) {
        config.metrics.push_back(metric((*metrics)[i], "metrics[" + std::to_string(i) + "]"));
      }
    }
    check_unique_names(config.metrics);
    if (const Json* classifier = read_object(root, "classifier", "")) {
      config.classifier = read_classifier(*classifier, "classifier");
    }
    check_implied_weights(config);
    return config;
  }

  const std::vector<std::string>& problems() const { return problems_; }

 private:
  void problem(const std::string& path, const std::string& what) {
    problems_.push_back(source_ + ": " + (path.empty() ? "" : path + ": ") + what);
  }

  // The member `key`, or nullptr when it is absent or null (Jackson reads null as absent).
  static const Json* member(const Json& object, const char* key) {
    const auto it = object.find(key);
    return it == object.end() || it->is_null() ? nullptr : &*it;
  }

  // The object member `key`, or nullptr when absent; a non-object is reported.
  const Json* read_object(const Json& parent, const char* key, const std::string& path) {
    const Json* value = member(parent, key);
    if (value != nullptr && !value->is_object()) {
      problem(join_path(path, key), "expected an object, got " + shown(*value));
      return nullptr;
    }
    return value;
  }

  std::string read_string(const Json& parent, const char* key, const std::string& path,
                          std::string fallback) {
    const Json* value = member(parent, key);
    if (value == nullptr) return fallback;
    if (!value->is_string()) {
      problem(join_path(path, key), "expected a string, got " + shown(*value));
      return fallback;
    }
    return value->get<std::string>();
  }

  std::string required_string(const Json& parent, const char* key, const std::string& path) {
    const Json* value = member(parent, key);
    if (value == nullptr || (value->is_string() && value->get_ref<const std::string&>().empty())) {
      problem(join_path(path, key), "required: a non-empty string");
      return "";
    }
    return read_string(parent, key, path, "");
  }

  bool read_bool(const Json& parent, const char* key, const std::string& path, bool fallback) {
    const Json* value = member(parent, key);
    if (value == nullptr) return fallback;
    if (!value->is_boolean()) {
      problem(join_path(path, key), "expected true or false, got " + shown(*value));
      return fallback;
    }
    return value->get<bool>();
  }

  // A number member for which `in_range` holds (`range` says which); `fallback` when absent or
  // wrong.
  template <class InRange>
  double read_number(const Json& parent, const char* key, const std::string& path, double fallback,
                     InRange in_range, const std::string& range) {
    const Json* value = member(parent, key);
    if (value == nullptr) return fallback;
    if (!value->is_number() || !std::isfinite(value->get<double>()) ||
        !in_range(value->get<double>())) {
      problem(join_path(path, key), "expected a number " + range + ", got " + shown(*value));
      return fallback;
    }
    return value->get<double>();
  }

  template <class E>
  E read_enum(const Json& parent, const char* key, const std::string& path, EnumNames<E> names,
              E fallback) {
    const Json* value = member(parent, key);
    if (value == nullptr) return fallback;
    if (value->is_string()) {
      for (const auto& [name, e] : names) {
        if (value->get<std::string>() == name) return e;
      }
    }
    problem(join_path(path, key), "expected " + alternatives(names) + ", got " + shown(*value));
    return fallback;
  }

  MetricConfig metric(const Json& json, const std::string& path) {
    MetricConfig m;
    if (!json.is_object()) {
      problem(path, "expected a metric config (an object), got " + shown(json));
      return m;
    }
    m.name = required_string(json, "name", path);
    if (const Json* groups = member(json, "groups"))
      m.groups = group_names(*groups, join_path(path, "groups"));
    if (const Json* query = read_object(json, "query", path)) {
      m.query = *query;
      m.query_type = read_string(*query, "type", join_path(path, "query"), "");
      m.query_metric_name = read_string(*query, "metricName", join_path(path, "query"), "");
    }
    m.scope_name = read_string(json, "scopeName", path, "default");
    const std::string analysis_path = join_path(path, "analysisConfigurations");
    if (const Json* analysis = read_object(json, "analysisConfigurations", path)) {
      if (const Json* canary = read_object(*analysis, "canary", analysis_path)) {
        m.canary = analysis_config(*canary, join_path(analysis_path, "canary"));
      }
    }
    return m;
  }

  std::vector<std::string> group_names(const Json& json, const std::string& path) {
    std::vector<std::string> out;
    if (!json.is_array()) {
      problem(path, "expected an array of group names, got " + shown(json));
      return out;
    }
    for (size_t i = 0; i < json.size(); ++i) {
      if (json[i].is_string() && !json[i].get<std::string>().empty()) {
        out.push_back(json[i].get<std::string>());
      } else {
        problem(path + "[" + std::to_string(i) + "]",
                "expected a non-empty group name, got " + shown(json[i]));
      }
    }
    return out;
  }

  MetricAnalysisConfig analysis_config(const Json& json, const std::string& path) {
    MetricAnalysisConfig a;
    a.direction = read_enum<Direction>(json, "direction", path,
                                       {{"increase", Direction::kIncrease},
                                        {"decrease", Direction::kDecrease},
                                        {"either", Direction::kEither}},
                                       Direction::kEither);
    a.nan_strategy = read_enum<NanStrategy>(
        json, "nanStrategy", path,
        {{"remove", NanStrategy::kRemove}, {"replace", NanStrategy::kReplace}},
        NanStrategy::kRemove);
    a.critical = read_bool(json, "critical", path, false);
    a.must_have_data = read_bool(json, "mustHaveData", path, false);
    a.muted = read_bool(json, "muted", path, false);
    if (const Json* effect = read_object(json, "effectSize", path)) {
      a.effect_size = effect_size(*effect, join_path(path, "effectSize"));
    }
    if (const Json* outliers = read_object(json, "outliers", path)) {
      const std::string at = join_path(path, "outliers");
      a.outliers.strategy = read_enum<OutlierStrategy>(
          *outliers, "strategy", at,
          {{"remove", OutlierStrategy::kRemove}, {"keep", OutlierStrategy::kKeep}},
          OutlierStrategy::kKeep);
      a.outliers.outlier_factor = read_number(
          *outliers, "outlierFactor", at, 3.0, [](double v) { return v > 0; }, "> 0");
    }
    return a;
  }

  EffectSizeConfig effect_size(const Json& json, const std::string& path) {
    EffectSizeConfig e;
    e.measure = read_enum<EffectSizeMeasure>(
        json, "measure", path,
        {{"meanRatio", EffectSizeMeasure::kMeanRatio}, {"cles", EffectSizeMeasure::kCles}},
        EffectSizeMeasure::kMeanRatio);
    const bool cles = e.measure == EffectSizeMeasure::kCles;
    // "No effect" in each measure: a ratio of 1, or a probability of 1/2.
    const double none = cles ? 0.5 : 1.0;
    const auto in_range = [cles](double v) { return v >= 0 && (!cles || v <= 1); };
    const std::string range = cles ? "from 0 to 1 (cles is a probability)" : ">= 0";
    e.allowed_increase = read_number(json, "allowedIncrease", path, none, in_range, range);
    e.allowed_decrease = read_number(json, "allowedDecrease", path, none, in_range, range);
    e.critical_increase = read_number(json, "criticalIncrease", path, none, in_range, range);
    e.critical_decrease = read_number(json, "criticalDecrease", path, none, in_range, range);
    return e;
  }

  ClassifierConfig read_classifier(const Json& json, const std::string& path) {
    ClassifierConfig c;
    if (const Json* weights = read_object(json, "groupWeights", path)) {
      const std::string at = join_path(path, "groupWeights");
      for (const auto& [group, weight] : weights->items()) {
        const std::string where = at + "." + quoted(group);
        if (!weight.is_number() || !std::isfinite(weight.get<double>()) ||
            weight.get<double>() < 0) {
          problem(where, "expected a weight >= 0, got " + shown(weight));
          continue;
        }
        c.group_weights[group] = weight.get<double>();
      }
    }
    if (const Json* thresholds = read_object(json, "scoreThresholds", path)) {
      const std::string at = join_path(path, "scoreThresholds");
      bool both = true;
      for (const char* key : {"pass", "marginal"}) {
        if (member(*thresholds, key) != nullptr) continue;
        problem(join_path(at, key), "required: a score from 0 to 100");
        both = false;
      }
      const auto score = [](double v) { return v >= 0 && v <= 100; };
      ScoreThresholds t;
      t.pass = read_number(*thresholds, "pass", at, t.pass, score, "from 0 to 100");
      t.marginal = read_number(*thresholds, "marginal", at, t.marginal, score, "from 0 to 100");
      if (both && t.marginal > t.pass) {
        problem(at, "marginal (" + shown(t.marginal) + ") must not be above pass (" +
                        shown(t.pass) + "): no score could be Marginal");
      }
      c.score_thresholds = t;
    }
    return c;
  }

  void check_unique_names(const std::vector<MetricConfig>& metrics) {
    std::map<std::string, size_t> first;
    for (size_t i = 0; i < metrics.size(); ++i) {
      if (metrics[i].name.empty()) continue;
      const auto [it, inserted] = first.emplace(metrics[i].name, i);
      if (!inserted) {
        problem("metrics[" + std::to_string(i) + "].name",
                "duplicate metric name " + quoted(metrics[i].name) + " (also metrics[" +
                    std::to_string(it->second) + "]); series are matched to metrics by name");
      }
    }
  }

  // WeightedSumScorer gives each unweighted group (100 - total) / count: a negative weight when
  // the configured weights total more than 100, which turns passing metrics into a penalty.
  void check_implied_weights(const CanaryConfig& config) {
    double total = 0;
    for (const auto& [group, weight] : config.classifier.group_weights) total += weight;
    if (total <= 100) return;
    std::set<std::string> unweighted;
    for (const MetricConfig& m : config.metrics) {
      for (const std::string& g : m.groups) {
        if (!config.classifier.group_weights.count(g)) unweighted.insert(g);
      }
    }
    if (unweighted.empty()) return;
    std::string names;
    for (const std::string& g : unweighted) names += (names.empty() ? "" : ", ") + quoted(g);
    problem("classifier.groupWeights",
            "weights total " + shown(total) + " (over 100), so the groups without a weight (" +
                names +
                ") would get a negative weight; weight every group or keep the total at most 100");
  }

  const std::string& source_;
  std::vector<std::string> problems_;
};

std::string join_lines(const std::vector<std::string>& lines) {
  std::string out;
  for (const std::string& line : lines) out += (out.empty() ? "" : "\n") + line;
  return out;
}

}  // namespace

std::string_view to_string(Direction d) {
  switch (d) {
    case Direction::kIncrease:
      return "increase";
    case Direction::kDecrease:
      return "decrease";
    case Direction::kEither:
      return "either";
  }
  return "either";
}

std::string_view to_string(NanStrategy s) {
  return s == NanStrategy::kReplace ? "replace" : "remove";
}

std::string_view to_string(EffectSizeMeasure m) {
  return m == EffectSizeMeasure::kCles ? "cles" : "meanRatio";
}

std::string_view to_string(OutlierStrategy s) {
  return s == OutlierStrategy::kRemove ? "remove" : "keep";
}

const MetricConfig* CanaryConfig::metric(std::string_view metric_name) const {
  const auto it = std::find_if(metrics.begin(), metrics.end(),
                               [&](const MetricConfig& m) { return m.name == metric_name; });
  return it == metrics.end() ? nullptr : &*it;
}

ScoreThresholds effective_thresholds(const CanaryConfig& config) {
  return config.classifier.score_thresholds.value_or(ScoreThresholds{});
}

sim::Result<CanaryConfig> parse_canary_config(const Json& json, const std::string& source) {
  ConfigReader reader(source);
  CanaryConfig config = reader.read(json);
  if (!reader.problems().empty()) return sim::invalid_argument(join_lines(reader.problems()));
  return config;
}

sim::Result<CanaryConfig> load_canary_config(const std::string& text, const std::string& source) {
  Json json;
  try {
    json = Json::parse(text);
  } catch (const Json::parse_error& e) {
    const std::string_view before(text.data(), std::min(text.size(), e.byte > 0 ? e.byte - 1 : 0));
    const size_t line = 1 + static_cast<size_t>(std::count(before.begin(), before.end(), '\n'));
    const size_t last_newline = before.rfind('\n');
    const size_t column =
        last_newline == std::string_view::npos ? before.size() + 1 : before.size() - last_newline;
    return sim::invalid_argument(source + ": not valid JSON at line " + std::to_string(line) +
                                 ", column " + std::to_string(column) + " (" + e.what() + ")");
  } catch (const Json::exception& e) {
    return sim::invalid_argument(source + ": not valid JSON: " + e.what());
  }
  return parse_canary_config(json, source);
}

}  // namespace deploysim::canary
