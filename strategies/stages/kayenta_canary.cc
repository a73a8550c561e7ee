// kayentaCanary: automated canary analysis as Orca's kayentaCanary stage runs it with Kayenta
// (KayentaCanaryStage, RunCanaryIntervalsStage, MonitorKayentaCanaryTask,
// AggregateCanaryResultsTask; reference: canary-judges.md §1.7).
//
// From canaryConfig: the lifetime (lifetimeDuration as ISO-8601, e.g. "PT0H30M", or lifetimeHours),
// the interval (canaryAnalysisIntervalMins; none, 0 or longer than the lifetime: one interval of
// the whole lifetime), a warm-up (beginCanaryAnalysisAfterMins), lookbackMins (0: each window
// grows from the start; more: a sliding window of that length), baselineAnalysisOffsetInMins (the
// baseline's window shifted back), scoreThresholds (default pass 75, marginal 50) and scopes[0]
// (controlScope, experimentScope, step in seconds, default 60). A scope names a server group, or
// a cluster, whose newest group it then means.
//
// The stage runs, one after another: "Warmup Wait" (when there is a warm-up), then for each of
// floor(lifetime / interval) intervals "Interval Wait #i" and "Run Canary #i", which judges the
// window [start + warm-up, start + warm-up + i * interval] with Kayenta's NetflixACAJudge over
// the provider's metrics. A score at or below marginal ends the canary at once: the Run Canary
// stage fails TERMINAL (FAILED_CONTINUE with continuePipeline) and no later interval runs. The
// stage's own task then decides on the last interval's score: at or below marginal, or below
// pass, fails; otherwise it succeeds. Without scoreThresholds Orca's 75 / 50 apply; a threshold
// missing from a given scoreThresholds is not checked. Orca nests the intervals under a runCanaryIntervals stage;
// here they sit directly under the kayentaCanary stage, which changes no status.
#include <cmath>
#include <cstdio>
#include <map>
#include <memory>

#include "strategies/stages/kayenta_canary.h"

#include "providers/kubernetes/kubernetes_cluster.h"

#include "providers/target.h"
#include "strategies/canary/judge.h"
#include "strategies/expressions/expression.h"
#include "strategies/pipeline/execution.h"
#include "strategies/stages/server_group_support.h"
#include "strategies/stages/stages.h"

namespace deploysim::strategies {
namespace {

constexpr sim::Duration kRetryBackoff = sim::Duration::seconds(5);

// "PT0H5M", "PT1H30M", "P1DT2H", "PT90S": an ISO-8601 duration of days, hours, minutes, seconds.
std::optional<sim::Duration> iso_duration(const std::string& text) {
  if (text.size() < 2 || text[0] != 'P') return std::nullopt;
  int64_t seconds = 0;
  bool in_time = false, any = false;
  size_t i = 1;
  while (i < text.size()) {
    if (text[i] == 'T') {
      if (in_time) return std::nullopt;
      in_time = true;
      ++i;
      continue;
    }
    size_t end = i;
    while (end < text.size() && std::isdigit(static_cast<unsigned char>(text[end]))) ++end;
    if (end == i || end == text.size() || end - i > 9) return std::nullopt;
    const int64_t n = std::stoll(text.substr(i, end - i));
    const char unit = text[end];
    if (unit == 'D' && !in_time) seconds += n * 86400;
    else if (unit == 'H' && in_time) seconds += n * 3600;
    else if (unit == 'M' && in_time) seconds += n * 60;
    else if (unit == 'S' && in_time) seconds += n;
    else return std::nullopt;
    any = true;
    i = end + 1;
  }
  if (!any) return std::nullopt;
  return sim::Duration::seconds(seconds);
}


sim::Duration minutes(double m) { return sim::Duration::micros(static_cast<int64_t>(std::llround(m * 60e6))); }

// What a kayentaCanary stage's canaryConfig asks for.
struct CanarySettings {
  std::string config_id;
  sim::Duration lifetime;
  sim::Duration interval;
  sim::Duration warmup;
  sim::Duration lookback;
  sim::Duration baseline_offset;
  sim::Duration step = sim::Duration::seconds(60);
  std::string control_scope;
  std::string experiment_scope;
  // KayentaCanaryContext: pass 75 and marginal 50 when scoreThresholds is absent; a field missing
  // from a given scoreThresholds is no threshold at all.
  std::optional<double> pass = 75;
  std::optional<double> marginal = 50;
};

sim::Result<CanarySettings> settings_of(const Json& stage_context) {
  const Json cc = stage_context.value("canaryConfig", Json::object());
  if (!cc.is_object()) return sim::invalid_argument("canaryConfig must be an object");
  CanarySettings s;
  s.config_id = string_field(cc, "canaryConfigId");
  if (s.config_id.empty()) s.config_id = string_field(cc, "canaryConfigName");
  if (s.config_id.empty()) return sim::invalid_argument("canaryConfig.canaryConfigId (or canaryConfigName) is required");
  if (!string_field(cc, "lifetimeDuration").empty()) {
    const std::optional<sim::Duration> d = iso_duration(string_field(cc, "lifetimeDuration"));
    if (!d) return sim::invalid_argument("canaryConfig.lifetimeDuration: expected an ISO-8601 duration such as \"PT1H30M\", got \"" +
                                         string_field(cc, "lifetimeDuration") + "\"");
    s.lifetime = *d;
  } else if (const std::optional<double> hours = number_field(cc, "lifetimeHours")) {
    s.lifetime = minutes(*hours * 60);
  } else {
    return sim::invalid_argument("canaryConfig.lifetimeDuration (or lifetimeHours) is required");
  }
  if (s.lifetime <= sim::Duration::zero()) return sim::invalid_argument("canaryConfig.lifetimeDuration must be positive");
  const std::optional<double> interval = number_field(cc, "canaryAnalysisIntervalMins");
  s.interval = interval && *interval > 0 ? minutes(*interval) : s.lifetime;
  if (s.interval > s.lifetime) s.interval = s.lifetime;
  s.warmup = minutes(std::max(0.0, number_field(cc, "beginCanaryAnalysisAfterMins").value_or(0)));
  s.lookback = minutes(std::max(0.0, number_field(cc, "lookbackMins").value_or(0)));
  s.baseline_offset = minutes(std::max(0.0, number_field(cc, "baselineAnalysisOffsetInMins").value_or(0)));
  const Json scopes = cc.value("scopes", Json::array());
  if (!scopes.is_array() || scopes.empty() || !scopes[0].is_object()) {
    return sim::invalid_argument("canaryConfig.scopes needs one scope with controlScope and experimentScope");
  }
  s.control_scope = string_field(scopes[0], "controlScope");
  s.experiment_scope = string_field(scopes[0], "experimentScope");
  if (s.control_scope.empty() || s.experiment_scope.empty()) {
    return sim::invalid_argument("canaryConfig.scopes[0] needs controlScope and experimentScope (server groups or clusters)");
  }
  if (const std::optional<double> step = number_field(scopes[0], "step"); step && *step > 0) {
    s.step = sim::Duration::micros(static_cast<int64_t>(std::llround(*step * 1e6)));
  }
  if (cc.contains("scoreThresholds") && cc["scoreThresholds"].is_object()) {
    s.pass = number_field(cc["scoreThresholds"], "pass");
    s.marginal = number_field(cc["scoreThresholds"], "marginal");
  }
  return s;
}

std::string score_text(double score) {
  char buffer[32];
  std::snprintf(buffer, sizeof buffer, "%.2f", score);
  return buffer;
}

// "Run Canary #i": one judgment of one window.
// A threshold the stage recorded in a context (null: none).
std::optional<double> threshold(const Json& ctx, const char* key) {
  if (!ctx.contains(key) || !ctx[key].is_number()) return std::nullopt;
  return ctx[key].get<double>();
}

Json threshold_json(const std::optional<double>& t) { return t ? Json(*t) : Json(nullptr); }

class RunCanaryTask : public Task {
 public:
  const char* name() const override { return "runCanary"; }
  void run(TaskContext& c, std::function<void(TaskOutcome)> done) override {
    if (c.stage.parent == nullptr || c.stage.parent->type != "kayentaCanary") {
      return done(TaskOutcome::terminal("runCanary runs only inside a kayentaCanary stage"));
    }
    auto state = std::make_shared<Judging>();
    state->stage = &c.stage;
    state->execution = &c.execution;
    state->provider = &c.provider;
    state->done = std::move(done);
    const Json& ctx = c.stage.context;
    state->stored = c.execution.hooks().canary_config(string_field(ctx, "canaryConfigId"));
    if (state->stored == nullptr) {
      return state->done(TaskOutcome::terminal("no canary config \"" + string_field(ctx, "canaryConfigId") + "\""));
    }
    resolve(state, string_field(ctx, "controlScope"), [state](const std::string& control) {
      state->control = control;
      resolve(state, string_field(state->stage->context, "experimentScope"), [state](const std::string& experiment) {
        state->experiment = experiment;
        query_next(state);
      });
    });
  }

 private:
  struct Judging {
    Stage* stage = nullptr;
    Execution* execution = nullptr;
    providers::CloudProvider* provider = nullptr;
    const canary::StoredCanaryConfig* stored = nullptr;
    std::function<void(TaskOutcome)> done;
    std::string control, experiment;
    size_t metric = 0;
    canary::MetricSeriesByName series;
  };
  using State = std::shared_ptr<Judging>;

  static sim::TimePoint at(const Json& ctx, const char* key) {
    return sim::TimePoint::from_micros(ctx.value(key, int64_t{0}));
  }

  static void fail(const State& s, const providers::OpResult& r, const std::string& what) {
    if (r.retryable()) return s->done(TaskOutcome::running(kRetryBackoff));
    s->done(TaskOutcome::terminal(what + ": " + r.message));
  }

  static void resolve(const State& s, const std::string& scope, std::function<void(const std::string&)> then) {
    // A server group is itself; a cluster means its newest group.
    if (providers::cluster_of_server_group(scope)) return then(scope);
    s->provider->describe_cluster(scope, [s, scope, then](const providers::OpResult& r, const providers::ClusterInfo& info) {
      if (!r.ok()) return fail(s, r, "canary scope " + scope);
      const providers::TargetResult t = providers::resolve_target(info, "", providers::Target::kCurrent);
      if (t.server_group == nullptr) {
        // A Prometheus scope over pod labels (group="canary"): the Kubernetes workload whose pods
        // carry that label value.
        if (providers::kubernetes::KubernetesCluster* k8s = s->provider->kubernetes()) {
          const std::vector<std::string> groups = k8s->server_groups_labelled(scope);
          if (groups.size() == 1) return then(groups.front());
        }
        return s->done(TaskOutcome::terminal("canary scope " + scope +
                                             " is neither a server group, a cluster with one, nor the label value of one Kubernetes workload's pods"));
      }
      then(t.server_group->name);
    });
  }

  static std::vector<double> values(const providers::MetricsSeries& m) {
    std::vector<double> out;
    out.reserve(m.values.size());
    for (const std::optional<double>& v : m.values) out.push_back(v.value_or(std::nan("")));
    return out;
  }

  // Reads each metric of the config for both scopes, one query at a time, then judges.
  static void query_next(const State& s) {
    const canary::CanaryConfig& config = s->stored->config;
    if (s->metric >= config.metrics.size()) return judge(s);
    const std::string& name = config.metrics[s->metric].name;
    const auto mapped = s->stored->series.find(name);
    const std::string metric = mapped != s->stored->series.end() ? mapped->second : name;
    const Json& ctx = s->stage->context;
    const sim::Duration step = sim::Duration::micros(ctx.value("stepMicros", int64_t{60000000}));
    providers::MetricsQuery control{s->control, metric, at(ctx, "controlStartMicros"), at(ctx, "controlEndMicros"), step};
    s->provider->query_metrics(control, [s, name, metric, step](const providers::OpResult& r, const providers::MetricsSeries& base) {
      if (!r.ok()) return fail(s, r, "metrics for " + name + " of " + s->control);
      s->series[name].baseline = values(base);
      const Json& window = s->stage->context;
      providers::MetricsQuery experiment{s->experiment, metric, at(window, "experimentStartMicros"),
                                         at(window, "experimentEndMicros"), step};
      s->provider->query_metrics(experiment, [s, name](const providers::OpResult& r2, const providers::MetricsSeries& canary) {
        if (!r2.ok()) return fail(s, r2, "metrics for " + name + " of " + s->experiment);
        s->series[name].canary = values(canary);
        ++s->metric;
        query_next(s);
      });
    });
  }

  static void judge(const State& s) {
    Stage& stage = *s->stage;
    const Json& ctx = stage.context;
    const std::optional<double> marginal = threshold(ctx, "marginal");
    // The judge labels the score against thresholds; absent ones label as Orca's defaults would.
    const canary::ScoreThresholds thresholds{threshold(ctx, "pass").value_or(75), marginal.value_or(50)};
    const sim::Rng noise = s->execution->hooks().random_stream(s->execution->id() + "/" + stage.id);
    const sim::Result<canary::JudgeResult> judged = canary::judge(s->stored->config, s->series, thresholds, noise);
    if (!judged.ok()) return s->done(TaskOutcome::terminal(judged.error().message));
    record(s, *judged);
    Json outputs = {{"canaryScore", judged->score},
                    {"classification", std::string(canary::to_string(judged->classification))},
                    {"controlScope", s->control},
                    {"experimentScope", s->experiment}};
    if (!judged->reason.empty()) outputs["canaryScoreMessage"] = judged->reason;
    Json metrics = Json::array();
    for (const canary::MetricResult& m : judged->metrics) {
      metrics.push_back({{"name", m.name}, {"classification", std::string(canary::to_string(m.classification))},
                         {"critical", m.critical}});
    }
    outputs["metrics"] = metrics;
    // MonitorKayentaCanaryTask: a score at or below marginal stops the canary (note <=: the judge
    // itself calls a score equal to marginal "Marginal").
    if (marginal && judged->score <= *marginal) {
      TaskOutcome failed = TaskOutcome::terminal("canary score " + score_text(judged->score) + " is not above the marginal score threshold " +
                                                 score_text(*marginal));
      failed.outputs = outputs;
      return s->done(failed);
    }
    s->done(TaskOutcome::succeeded(outputs));
  }

  static void record(const State& s, const canary::JudgeResult& r) {
    const Json& ctx = s->stage->context;
    trace::Event e;
    trace::CanaryJudgment* j = e.mutable_canary();
    j->set_execution(s->execution->id());
    j->set_stage_id(s->stage->id);
    j->set_interval(ctx.value("interval", 0u));
    j->set_config(s->stored->id);
    j->set_control_scope(s->control);
    j->set_experiment_scope(s->experiment);
    j->set_control_start_us(ctx.value("controlStartMicros", int64_t{0}));
    j->set_control_end_us(ctx.value("controlEndMicros", int64_t{0}));
    j->set_experiment_start_us(ctx.value("experimentStartMicros", int64_t{0}));
    j->set_experiment_end_us(ctx.value("experimentEndMicros", int64_t{0}));
    j->set_score(r.score);
    j->set_classification(std::string(canary::to_string(r.classification)));
    j->set_reason(r.reason);
    for (const canary::MetricResult& m : r.metrics) {
      trace::CanaryJudgment::MetricVerdict* v = j->add_metrics();
      v->set_name(m.name);
      v->set_classification(std::string(canary::to_string(m.classification)));
      v->set_reason(m.reason);
      v->set_critical(m.critical);
      v->set_control_mean(m.baseline.mean);
      v->set_experiment_mean(m.canary.mean);
      v->set_ratio(m.deviation);
      v->set_control_count(static_cast<uint32_t>(m.baseline.count));
      v->set_experiment_count(static_cast<uint32_t>(m.canary.count));
    }
    s->execution->record(std::move(e));
  }
};

// AggregateCanaryResultsTask: the last interval decides.
class AggregateCanaryResultsTask : public Task {
 public:
  const char* name() const override { return "aggregateCanaryResults"; }
  void run(TaskContext& c, std::function<void(TaskOutcome)> done) override {
    Json scores = Json::array();
    for (const auto& b : c.stage.before) {
      if (b->type == "runCanary" && b->outputs.contains("canaryScore")) scores.push_back(b->outputs["canaryScore"]);
    }
    const Json& ctx = c.stage.context;
    if (scores.empty()) return done(TaskOutcome::terminal("no canary interval was judged"));
    const double last = scores.back().get<double>();
    Json outputs = {{"canaryScores", scores}};
    TaskOutcome outcome = TaskOutcome::succeeded();
    if (const std::optional<std::string> failed = final_canary_failure(last, threshold(ctx, "marginal"), threshold(ctx, "pass"))) {
      outcome = TaskOutcome::terminal(*failed);
    }
    outputs["canaryScoreMessage"] = outcome.status == Status::kSucceeded ? "final canary score " + score_text(last) + " passed" : outcome.message;
    outcome.outputs = outputs;
    done(outcome);
  }
};

class KayentaCanaryStage : public StageDefinition {
 public:
  const char* type() const override { return "kayentaCanary"; }
  sim::Status plan(Stage& stage, Execution& execution) const override {
    const sim::Result<CanarySettings> settings = settings_of(stage.context);
    if (!settings.ok()) return settings.error();
    const CanarySettings& s = *settings;
    if (execution.hooks().canary_config(s.config_id) == nullptr) {
      return sim::invalid_argument("no canary config \"" + s.config_id + "\"");
    }
    stage.context["pass"] = threshold_json(s.pass);
    stage.context["marginal"] = threshold_json(s.marginal);
    const Json inherited = {{"continuePipeline", stage.context.value("continuePipeline", Json(false))},
                            {"failPipeline", stage.context.value("failPipeline", Json(true))}};
    std::string previous;
    const auto add = [&](const std::string& suffix, const std::string& type, const std::string& name, Json context) {
      context.update(inherited);
      Stage& added = execution.add_before_stage(stage, suffix, type, name, std::move(context));
      if (!previous.empty()) added.requisites = {previous};
      previous = added.ref_id;
    };
    if (s.warmup > sim::Duration::zero()) add("<warmup", "wait", "Warmup Wait", {{"waitTime", s.warmup.to_seconds()}});
    const sim::TimePoint start = stage.start_time + s.warmup;
    const int64_t intervals = s.lifetime / s.interval;
    for (int64_t i = 1; i <= intervals; ++i) {
      const std::string n = std::to_string(i);
      add("<wait" + n, "wait", "Interval Wait #" + n, {{"waitTime", s.interval.to_seconds()}});
      const sim::TimePoint end = start + s.interval * i;
      // A sliding window is the last lookbackMins, even reaching back before the warm-up ended.
      const sim::TimePoint begin = s.lookback > sim::Duration::zero() ? end - s.lookback : start;
      add("<run" + n, "runCanary", "Run Canary #" + n,
          {{"interval", i},
           {"canaryConfigId", s.config_id},
           {"controlScope", s.control_scope},
           {"experimentScope", s.experiment_scope},
           {"experimentStartMicros", begin.micros_since_start()},
           {"experimentEndMicros", end.micros_since_start()},
           {"controlStartMicros", (begin - s.baseline_offset).micros_since_start()},
           {"controlEndMicros", (end - s.baseline_offset).micros_since_start()},
           {"stepMicros", s.step.count_micros()},
           {"pass", threshold_json(s.pass)},
           {"marginal", threshold_json(s.marginal)}});
    }
    stage.tasks.push_back(std::make_unique<AggregateCanaryResultsTask>());
    return sim::Status();
  }
};

}  // namespace

std::optional<std::string> final_canary_failure(double last, std::optional<double> marginal, std::optional<double> pass) {
  if (marginal && last <= *marginal) {
    return "final canary score " + score_text(last) + " is not above the marginal score threshold " + score_text(*marginal);
  }
  if (pass && last < *pass) return "final canary score " + score_text(last) + " is below the pass score threshold " + score_text(*pass);
  return std::nullopt;
}

std::optional<sim::Duration> canary_lifetime(const Json& cc) {
  if (!cc.is_object()) return std::nullopt;
  if (!string_field(cc, "lifetimeDuration").empty()) return iso_duration(string_field(cc, "lifetimeDuration"));
  if (const std::optional<double> hours = number_field(cc, "lifetimeHours")) return minutes(*hours * 60);
  return std::nullopt;
}

std::unique_ptr<StageDefinition> make_kayenta_canary_stage() { return std::make_unique<KayentaCanaryStage>(); }
std::unique_ptr<StageDefinition> make_run_canary_stage() {
  return std::make_unique<SingleTaskStage<RunCanaryTask>>("runCanary");
}

}  // namespace deploysim::strategies
