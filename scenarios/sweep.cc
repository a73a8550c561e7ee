// Sweeps, their reports and merging (sweep.h).
#include "scenarios/sweep.h"

#include <algorithm>
#include <atomic>
#include <cmath>
#include <cstdio>
#include <mutex>
#include <set>
#include <stdexcept>
#include <thread>

#include "scenarios/world_run.h"
#include "sim/kernel/hash.h"
#include "sim/kernel/rng.h"

namespace deploysim::scenarios {
namespace {

using OJson = nlohmann::ordered_json;

std::optional<uint64_t> parse_hex(const std::string& s) {
  if (s.empty() || s.size() > 16) return std::nullopt;
  uint64_t v = 0;
  for (const char c : s) {
    const int d = c >= '0' && c <= '9' ? c - '0' : c >= 'a' && c <= 'f' ? c - 'a' + 10 : -1;
    if (d < 0) return std::nullopt;
    v = v * 16 + static_cast<uint64_t>(d);
  }
  return v;
}

// The nearest-rank q-quantile of sorted values: the smallest value with at least q of them at or
// below it.
double quantile(const std::vector<double>& sorted, double q) {
  const auto n = static_cast<double>(sorted.size());
  size_t rank = static_cast<size_t>(std::ceil(q * n));
  rank = std::clamp<size_t>(rank, 1, sorted.size());
  return sorted[rank - 1];
}

}  // namespace

uint64_t replication_seed(uint64_t seed, uint64_t index) {
  return sim::Rng::stream(seed, "sweep").derive(std::to_string(index)).next_u64();
}

sim::Result<SweepResult> run_sweep(const std::filesystem::path& path, const SweepOptions& options) {
  if (options.shard_count == 0 || options.shard_index >= options.shard_count) {
    return sim::invalid_argument("shard " + std::to_string(options.shard_index) + "/" + std::to_string(options.shard_count) +
                                 ": expected I/N with 0 <= I < N");
  }
  std::vector<std::string> variants = options.variants.empty() ? std::vector<std::string>{""} : options.variants;
  std::vector<LoadedScenario> scenarios;
  for (const std::string& v : variants) {
    sim::Result<LoadedScenario> loaded = load_scenario(path, v);
    if (!loaded.ok()) return loaded.error();
    scenarios.push_back(std::move(*loaded));
  }
  SweepResult result;
  sim::Result<LoadedScenario> base = variants.front().empty() ? sim::Result<LoadedScenario>(scenarios.front()) : load_scenario(path);
  if (!base.ok()) return base.error();
  result.identity = {base->name, path.string(), base->seed, options.seeds, sim::fnv1a64(base->text), variants};
  result.shard_index = options.shard_index;
  result.shard_count = options.shard_count;

  struct Task {
    size_t variant;
    uint64_t index;
  };
  std::vector<Task> tasks;
  for (size_t v = 0; v < variants.size(); ++v) {
    for (uint64_t i = options.shard_index; i < options.seeds; i += options.shard_count) tasks.push_back({v, i});
  }
  result.replications.resize(tasks.size());
  std::atomic<size_t> next{0};
  std::atomic<uint64_t> done{0};
  std::mutex error_mutex;
  std::optional<sim::Error> error;
  const auto work = [&] {
    while (true) {
      const size_t t = next.fetch_add(1);
      if (t >= tasks.size()) return;
      const Task task = tasks[t];
      const LoadedScenario& scenario = scenarios[task.variant];
      WorldRunOptions run_options;
      run_options.seed = replication_seed(base->seed, task.index);
      run_options.progress_every = scenario.duration;
      sim::Result<WorldRunSummary> run = run_world(scenario, run_options);
      if (!run.ok()) {
        const std::lock_guard<std::mutex> lock(error_mutex);
        if (!error) error = run.error();
        continue;
      }
      const Scorecard& c = run->scorecard;
      Replication& r = result.replications[t];
      r.index = task.index;
      r.seed = *run_options.seed;
      r.variant = variants[task.variant];
      r.outcome = c.outcome;
      r.verdict = c.verdict;
      r.execution_status = c.execution_status;
      r.candidate_bad = c.candidate_bad;
      r.verdict_correct = c.verdict_correct;
      r.candidate_serving_at_end = c.candidate_serving_at_end;
      r.checks_passed = run->checks_passed();
      for (const auto& [name, value] : scorecard_figures(c)) r.figures.push_back(value);
      r.fingerprint = run->trace_hash;
      const uint64_t finished = done.fetch_add(1) + 1;
      if (options.on_progress) options.on_progress(finished, tasks.size());
    }
  };
  const int jobs = std::max(1, std::min<int>(options.jobs, static_cast<int>(std::max<size_t>(tasks.size(), 1))));
  std::vector<std::thread> threads;
  for (int j = 1; j < jobs; ++j) threads.emplace_back(work);
  work();
  for (std::thread& t : threads) t.join();
  if (error) return *error;
  return result;
}

std::optional<double> VariantStats::value(const std::string& key) const {
  const double n = static_cast<double>(replications);
  if (key.rfind("rate.", 0) == 0) {
    if (replications == 0) return std::nullopt;
    const std::string rate = key.substr(5);
    const auto it = outcomes.find(rate);
    if (it != outcomes.end()) return double(it->second) / n;
    if (rate == "verdict_correct") return double(verdict_correct) / n;
    if (rate == "good_promoted") return double(good_promoted) / n;
    if (rate == "good_rolled_back") return double(good_rolled_back) / n;
    if (rate == "bad_caught") return double(bad_caught) / n;
    if (rate == "bad_escaped") return double(bad_escaped) / n;
    return std::nullopt;
  }
  const size_t dot = key.rfind('.');
  if (dot == std::string::npos) return std::nullopt;
  const std::string figure = key.substr(0, dot), stat = key.substr(dot + 1);
  for (const FigureStats& f : figures) {
    if (f.name != figure) continue;
    if (f.count == 0) return std::nullopt;
    if (stat == "p50") return f.p50;
    if (stat == "p90") return f.p90;
    if (stat == "p99") return f.p99;
    if (stat == "max") return f.max;
    if (stat == "mean") return f.mean;
  }
  return std::nullopt;
}

std::vector<VariantStats> sweep_stats(const SweepResult& result) {
  std::vector<VariantStats> out;
  const std::vector<std::string>& names = scorecard_figure_names();
  for (const std::string& variant : result.identity.variants) {
    VariantStats s;
    s.variant = variant;
    for (const std::string& o : scorecard_outcomes()) s.outcomes[o] = 0;
    std::vector<std::vector<double>> values(names.size());
    for (const Replication& r : result.replications) {
      if (r.variant != variant) continue;
      ++s.replications;
      ++s.outcomes[r.outcome];
      s.verdict_correct += r.verdict_correct ? 1 : 0;
      s.checks_failed += r.checks_passed ? 0 : 1;
      if (r.verdict == "undecided") {
        ++s.undecided;
      } else if (r.candidate_bad) {
        ++(r.verdict == "rejected" && !r.candidate_serving_at_end ? s.bad_caught : s.bad_escaped);
      } else {
        ++(r.verdict == "accepted" ? s.good_promoted : s.good_rolled_back);
      }
      for (size_t f = 0; f < names.size() && f < r.figures.size(); ++f) {
        if (r.figures[f]) values[f].push_back(*r.figures[f]);
      }
    }
    for (size_t f = 0; f < names.size(); ++f) {
      FigureStats fs;
      fs.name = names[f];
      std::vector<double>& v = values[f];
      fs.count = v.size();
      if (!v.empty()) {
        double sum = 0;
        for (const double x : v) sum += x;  // in replication order: the same for any jobs or shards
        std::sort(v.begin(), v.end());
        fs.p50 = quantile(v, 0.5);
        fs.p90 = quantile(v, 0.9);
        fs.p99 = quantile(v, 0.99);
        fs.max = v.back();
        fs.mean = sum / double(v.size());
      }
      s.figures.push_back(fs);
    }
    out.push_back(std::move(s));
  }
  return out;
}

std::vector<Unmet> check_sweep(const LoadedScenario& scenario, const VariantStats& stats) {
  std::vector<Unmet> unmet;
  for (const LoadedScenario::Bound& b : scenario.expect.sweep_bounds) {
    if (auto failed = check_bound(b, stats.value(b.name))) unmet.push_back(*failed);
  }
  return unmet;
}

OJson figures_json(const std::vector<std::optional<double>>& values) {
  OJson out = OJson::object();
  const std::vector<std::string>& names = scorecard_figure_names();
  for (size_t i = 0; i < names.size() && i < values.size(); ++i) {
    if (values[i]) {
      out[names[i]] = *values[i];
    } else {
      out[names[i]] = nullptr;
    }
  }
  return out;
}

std::string sweep_report_json(const SweepResult& result) {
  OJson j;
  j["kind"] = "deploysim sweep";
  j["format"] = 1;
  j["scenario"] = result.identity.scenario;
  j["file"] = result.identity.file;
  j["seed"] = result.identity.seed;
  j["seeds"] = result.identity.seeds;
  j["scenario_hash"] = sim::hex64(result.identity.scenario_hash);
  j["variants"] = result.identity.variants;
  const bool complete = result.shard_count == 1;
  if (!complete) j["shard"] = std::to_string(result.shard_index) + "/" + std::to_string(result.shard_count);
  if (complete) {
    OJson stats = OJson::array();
    for (const VariantStats& s : sweep_stats(result)) {
      OJson v;
      v["variant"] = s.variant;
      v["replications"] = s.replications;
      v["outcomes"] = s.outcomes;
      v["confusion"] = {{"good_promoted", s.good_promoted}, {"good_rolled_back", s.good_rolled_back},
                        {"bad_caught", s.bad_caught},       {"bad_escaped", s.bad_escaped},
                        {"undecided", s.undecided}};
      v["verdict_correct"] = s.verdict_correct;
      v["checks_failed"] = s.checks_failed;
      OJson figures = OJson::object();
      for (const FigureStats& f : s.figures) {
        if (f.count == 0) {
          figures[f.name] = {{"count", 0}};
        } else {
          figures[f.name] = {{"count", f.count}, {"p50", f.p50}, {"p90", f.p90}, {"p99", f.p99}, {"max", f.max}, {"mean", f.mean}};
        }
      }
      v["figures"] = figures;
      stats.push_back(v);
    }
    j["stats"] = stats;
  }
  OJson reps = OJson::array();
  for (const Replication& r : result.replications) {
    OJson x;
    x["variant"] = r.variant;
    x["index"] = r.index;
    x["seed"] = r.seed;
    x["outcome"] = r.outcome;
    x["verdict"] = r.verdict;
    x["execution_status"] = r.execution_status;
    x["candidate_bad"] = r.candidate_bad;
    x["verdict_correct"] = r.verdict_correct;
    x["candidate_serving_at_end"] = r.candidate_serving_at_end;
    x["checks_passed"] = r.checks_passed;
    x["fingerprint"] = sim::hex64(r.fingerprint);
    x["figures"] = figures_json(r.figures);
    reps.push_back(x);
  }
  j["replications"] = reps;
  return j.dump(1) + "\n";
}

namespace {

// A whole number >= 0 under `key`; nlohmann converts floats to integers without range checks.
uint64_t whole(const OJson& j, const char* key) {
  const OJson& v = j.at(key);
  if (!v.is_number_unsigned()) throw std::invalid_argument(std::string(key) + ": expected a whole number >= 0");
  return v.get<uint64_t>();
}

}  // namespace

sim::Result<SweepResult> parse_sweep_report(const std::string& text, const std::string& file) {
  const OJson j = OJson::parse(text, nullptr, false);
  const auto bad = [&](const std::string& what) { return sim::invalid_argument(file + ": " + what); };
  if (j.is_discarded() || !j.is_object()) return bad("not a JSON object; expected a report of deploysim sweep --out");
  SweepResult r;
  try {
    if (!j.contains("kind") || j["kind"] != "deploysim sweep") return bad("kind: expected \"deploysim sweep\" (written by deploysim sweep --out)");
    if (!j.contains("format") || j["format"] != 1) return bad("format: expected 1");
    r.identity.scenario = j.at("scenario").get<std::string>();
    r.identity.file = j.at("file").get<std::string>();
    r.identity.seed = whole(j, "seed");
    r.identity.seeds = whole(j, "seeds");
    const auto hash = parse_hex(j.at("scenario_hash").get<std::string>());
    if (!hash) return bad("scenario_hash: expected 16 hexadecimal digits");
    r.identity.scenario_hash = *hash;
    r.identity.variants = j.at("variants").get<std::vector<std::string>>();
    if (j.contains("shard")) {
      const std::string shard = j["shard"].get<std::string>();
      unsigned long long i = 0, n = 0;
      if (std::sscanf(shard.c_str(), "%llu/%llu", &i, &n) != 2 || n == 0 || i >= n) return bad("shard: expected I/N with I < N");
      r.shard_index = i;
      r.shard_count = n;
    }
    const std::vector<std::string>& names = scorecard_figure_names();
    size_t k = 0;
    for (const OJson& x : j.at("replications")) {
      const std::string where = "replications[" + std::to_string(k++) + "]";
      Replication rep;
      rep.variant = x.at("variant").get<std::string>();
      rep.index = whole(x, "index");
      rep.seed = whole(x, "seed");
      rep.outcome = x.at("outcome").get<std::string>();
      rep.verdict = x.at("verdict").get<std::string>();
      rep.execution_status = x.at("execution_status").get<std::string>();
      rep.candidate_bad = x.at("candidate_bad").get<bool>();
      rep.verdict_correct = x.at("verdict_correct").get<bool>();
      rep.candidate_serving_at_end = x.at("candidate_serving_at_end").get<bool>();
      rep.checks_passed = x.at("checks_passed").get<bool>();
      const auto fp = parse_hex(x.at("fingerprint").get<std::string>());
      if (!fp) return bad(where + ".fingerprint: expected 16 hexadecimal digits");
      rep.fingerprint = *fp;
      const OJson& f = x.at("figures");
      for (const std::string& name : names) {
        const OJson& v = f.at(name);
        if (v.is_null()) {
          rep.figures.push_back(std::nullopt);
        } else {
          const double value = v.get<double>();
          if (!std::isfinite(value)) return bad(where + ".figures." + name + ": expected a finite number or null");
          rep.figures.push_back(value);
        }
      }
      if (std::find(r.identity.variants.begin(), r.identity.variants.end(), rep.variant) == r.identity.variants.end()) {
        return bad(where + ".variant: " + rep.variant + " is not among the report's variants");
      }
      if (rep.index >= r.identity.seeds) return bad(where + ".index: beyond the sweep's " + std::to_string(r.identity.seeds) + " seeds");
      r.replications.push_back(std::move(rep));
    }
  } catch (const nlohmann::json::exception& e) {
    return bad(std::string("not a sweep report: ") + e.what());
  } catch (const std::invalid_argument& e) {
    return bad(e.what());
  }
  return r;
}

sim::Result<SweepResult> merge_sweeps(const std::vector<SweepResult>& parts, const std::vector<std::string>& files) {
  if (parts.empty()) return sim::invalid_argument("nothing to merge");
  SweepResult merged;
  merged.identity = parts.front().identity;
  const auto same = [](const SweepIdentity& a, const SweepIdentity& b) {
    return a.scenario == b.scenario && a.seed == b.seed && a.seeds == b.seeds && a.scenario_hash == b.scenario_hash && a.variants == b.variants;
  };
  std::set<std::pair<std::string, uint64_t>> seen;
  for (size_t p = 0; p < parts.size(); ++p) {
    if (!same(parts[p].identity, merged.identity)) {
      return sim::invalid_argument(files[p] + ": a different sweep from " + files.front() +
                                   " (scenario, seed, seeds, variants or the scenario's text differ)");
    }
    for (const Replication& r : parts[p].replications) {
      if (!seen.insert({r.variant, r.index}).second) {
        return sim::invalid_argument(files[p] + ": replication " + std::to_string(r.index) +
                                     (r.variant.empty() ? "" : " of variant " + r.variant) + " is also in another part");
      }
      merged.replications.push_back(r);
    }
  }
  const size_t expected = merged.identity.seeds * merged.identity.variants.size();
  if (merged.replications.size() != expected) {
    return sim::invalid_argument("the parts hold " + std::to_string(merged.replications.size()) + " of the sweep's " +
                                 std::to_string(expected) + " replications; a shard is missing");
  }
  // The order a single run has: by variant, then index.
  const auto rank = [&](const std::string& v) {
    return std::find(merged.identity.variants.begin(), merged.identity.variants.end(), v) - merged.identity.variants.begin();
  };
  std::sort(merged.replications.begin(), merged.replications.end(), [&](const Replication& a, const Replication& b) {
    return std::make_pair(rank(a.variant), a.index) < std::make_pair(rank(b.variant), b.index);
  });
  return merged;
}

double student_t_975(uint64_t df) {
  static const double kTable[] = {12.706, 4.303, 3.182, 2.776, 2.571, 2.447, 2.365, 2.306, 2.262, 2.228,
                                  2.201,  2.179, 2.160, 2.145, 2.131, 2.120, 2.110, 2.101, 2.093, 2.086,
                                  2.080,  2.074, 2.069, 2.064, 2.060, 2.056, 2.052, 2.048, 2.045, 2.042};
  if (df == 0) return std::nan("");
  if (df <= 30) return kTable[df - 1];
  // Cornish-Fisher expansion about the normal quantile (Abramowitz and Stegun 26.7.5).
  const double z = 1.959963984540054, v = static_cast<double>(df);
  const double z3 = z * z * z, z5 = z3 * z * z, z7 = z5 * z * z;
  return z + (z3 + z) / (4 * v) + (5 * z5 + 16 * z3 + 3 * z) / (96 * v * v) + (3 * z7 + 19 * z5 + 17 * z3 - 15 * z) / (384 * v * v * v);
}

std::vector<PairedDifference> paired_differences(const SweepResult& result, const std::string& reference, const std::string& variant) {
  std::map<uint64_t, const Replication*> ref, var;
  for (const Replication& r : result.replications) {
    if (r.variant == reference) ref[r.index] = &r;
    if (r.variant == variant) var[r.index] = &r;
  }
  std::vector<std::pair<std::string, std::function<std::optional<double>(const Replication&)>>> measures;
  const std::vector<std::string>& names = scorecard_figure_names();
  for (size_t f = 0; f < names.size(); ++f) {
    measures.emplace_back(names[f], [f](const Replication& r) { return f < r.figures.size() ? r.figures[f] : std::nullopt; });
  }
  measures.emplace_back("rate.verdict_correct", [](const Replication& r) -> std::optional<double> { return r.verdict_correct ? 1.0 : 0.0; });
  measures.emplace_back("rate.rolled_back", [](const Replication& r) -> std::optional<double> { return r.outcome == "rolled_back" ? 1.0 : 0.0; });
  measures.emplace_back("rate.promoted", [](const Replication& r) -> std::optional<double> { return r.outcome == "promoted" ? 1.0 : 0.0; });
  std::vector<PairedDifference> out;
  for (const auto& [name, measure] : measures) {
    PairedDifference d;
    d.name = name;
    std::vector<double> diffs;
    double sum_ref = 0, sum_var = 0;
    for (const auto& [index, r] : ref) {
      const auto v = var.find(index);
      if (v == var.end()) continue;
      const auto a = measure(*r), b = measure(*v->second);
      if (!a || !b) continue;
      diffs.push_back(*b - *a);
      sum_ref += *a;
      sum_var += *b;
    }
    d.pairs = diffs.size();
    if (!diffs.empty()) {
      const double n = double(diffs.size());
      d.reference_mean = sum_ref / n;
      d.variant_mean = sum_var / n;
      double sum = 0;
      for (const double x : diffs) sum += x;
      d.mean = sum / n;
      double ss = 0;
      for (const double x : diffs) ss += (x - d.mean) * (x - d.mean);
      const double half = diffs.size() > 1 ? student_t_975(diffs.size() - 1) * std::sqrt(ss / (n - 1) / n) : std::nan("");
      d.ci_low = d.mean - half;
      d.ci_high = d.mean + half;
    }
    out.push_back(d);
  }
  return out;
}

}  // namespace deploysim::scenarios
