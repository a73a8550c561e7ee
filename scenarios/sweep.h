// Sweeps: one scenario (and its variants) replicated over many seeds, for the rates and
// distributions a single run cannot give (how often a canary rolls back a good build, how long it
// takes to catch a bad one). Replication i runs with a seed derived from (scenario seed, i) only,
// and every variant runs on the same seeds (common random numbers), so variants are compared on
// identical traffic and faults. Results do not depend on the number of threads or shards: each
// replication's figures are kept, shards hold disjoint replications (index mod shard count), and a
// merge is their union. Statistics are computed from every replication's value (exact order
// statistics), so merged shards give the same report byte for byte. docs/distributed.md.
#pragma once

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "scenarios/expectations.h"
#include "scenarios/loader.h"
#include "sim/kernel/result.h"

namespace deploysim::scenarios {

// The seed of replication `index` of a sweep of a scenario seeded with `seed`.
uint64_t replication_seed(uint64_t seed, uint64_t index);

struct Replication {
  uint64_t index = 0;
  uint64_t seed = 0;
  std::string variant;  // "" for the scenario itself
  std::string outcome, verdict, execution_status;
  bool candidate_bad = false;
  bool verdict_correct = false;
  bool candidate_serving_at_end = false;
  bool checks_passed = true;
  std::vector<std::optional<double>> figures;  // in scorecard_figure_names() order
  uint64_t fingerprint = 0;
};

struct SweepOptions {
  uint64_t seeds = 100;            // replications per variant
  int jobs = 1;                    // threads
  uint64_t shard_index = 0;        // this process runs indices with index % shard_count == shard_index
  uint64_t shard_count = 1;
  std::vector<std::string> variants;  // "" is the scenario itself; empty list: just the scenario
  // Called after each replication, from the thread that ran it, with (done, total).
  std::function<void(uint64_t, uint64_t)> on_progress;
};

// What a sweep is of: enough to refuse merging parts of different sweeps.
struct SweepIdentity {
  std::string scenario;
  std::string file;
  uint64_t seed = 0;
  uint64_t seeds = 0;
  uint64_t scenario_hash = 0;  // of the scenario's text
  std::vector<std::string> variants;
};

struct SweepResult {
  SweepIdentity identity;
  uint64_t shard_index = 0, shard_count = 1;
  std::vector<Replication> replications;  // by variant (in identity order), then index
};

// Scorecard figures as a JSON object by name (scorecard_figure_names() order), null where a
// figure does not apply: how run reports and sweep reports both write them.
nlohmann::ordered_json figures_json(const std::vector<std::optional<double>>& values);

// Runs the replications of this shard. Errors: a variant that does not load.
sim::Result<SweepResult> run_sweep(const std::filesystem::path& scenario, const SweepOptions& options);

// The report: identity, per-variant statistics, then every replication. Shards say which they
// are; a complete sweep (one shard, or merged) does not.
std::string sweep_report_json(const SweepResult& result);
// Reads a report written by sweep_report_json. Errors name the file and what is wrong.
sim::Result<SweepResult> parse_sweep_report(const std::string& text, const std::string& file);
// Merges shards of one sweep; they must share an identity and together hold every replication
// exactly once.
sim::Result<SweepResult> merge_sweeps(const std::vector<SweepResult>& parts, const std::vector<std::string>& files);

// Statistics of one variant's replications.
struct FigureStats {
  std::string name;
  uint64_t count = 0;  // replications where the figure applies
  double p50 = 0, p90 = 0, p99 = 0, max = 0, mean = 0;
};
struct VariantStats {
  std::string variant;
  uint64_t replications = 0;
  std::map<std::string, uint64_t> outcomes;  // every outcome, zero counts included
  uint64_t good_promoted = 0, good_rolled_back = 0, bad_caught = 0, bad_escaped = 0, undecided = 0;
  uint64_t verdict_correct = 0, checks_failed = 0;
  std::vector<FigureStats> figures;
  // rate.<name> and <figure>.<statistic>, as expectations name them; empty where no replication
  // had the figure.
  std::optional<double> value(const std::string& key) const;
};
std::vector<VariantStats> sweep_stats(const SweepResult& result);

// The scenario's sweep expectations against the scenario's own statistics.
std::vector<Unmet> check_sweep(const LoadedScenario& scenario, const VariantStats& stats);

// Paired differences between variants on the same seeds: for each figure and rate, the mean of
// (variant - reference) over the seeds where both apply, with a 95% confidence interval (Student's
// t on the paired differences).
struct PairedDifference {
  std::string name;
  uint64_t pairs = 0;
  double reference_mean = 0, variant_mean = 0;
  double mean = 0, ci_low = 0, ci_high = 0;
};
std::vector<PairedDifference> paired_differences(const SweepResult& result, const std::string& reference, const std::string& variant);

// The two-sided 95% quantile of Student's t with `df` degrees of freedom (df >= 1).
double student_t_975(uint64_t df);

}  // namespace deploysim::scenarios
