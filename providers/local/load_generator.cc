// Open-loop HTTP load against the load balancers' frontends (load_generator.h).
#include "providers/local/load_generator.h"

#include <httplib.h>

#include <algorithm>
#include <cmath>

#include "sim/kernel/distributions.h"
#include "sim/kernel/rng.h"

namespace deploysim::providers::local {

struct LoadGenerator::Source {
  const LoadTarget* target = nullptr;
  world::MetricSeries client;  // guarded by LoadGenerator::mutex_
  std::map<std::string, world::MetricSeries> by_version;  // the same, split by the version that answered
  explicit Source(const LoadTarget& t, sim::Duration interval) : target(&t), client(interval) {}
};

namespace {

// How an attempt ended, from the status (or the transport error) the client got.
world::Outcome outcome_of(const httplib::Result& r) {
  if (!r) return r.error() == httplib::Error::Read ? world::Outcome::kTimeout : world::Outcome::kRefused;
  const int status = r->status;
  if (status >= 200 && status < 400) return world::Outcome::kOk;
  if (status == 503) return r->has_header("X-Deploysim-Version") ? world::Outcome::kQueueFull : world::Outcome::kNoBackend;
  if (status == 502) return world::Outcome::kRefused;
  if (status == 504) return world::Outcome::kTimeout;
  return world::Outcome::kAppError;
}

}  // namespace

int LoadGenerator::workers_for(double peak_rate) {
  return std::clamp(static_cast<int>(std::ceil(peak_rate * 0.1)), 4, 256);
}

LoadGenerator::LoadGenerator(std::vector<LoadTarget> targets, sim::Duration interval, sim::Duration bad_latency,
                             uint64_t seed)
    : targets_(std::move(targets)), interval_(interval), bad_latency_(bad_latency), seed_(seed) {
  for (const LoadTarget& t : targets_) sources_.push_back(std::make_unique<Source>(t, interval_));
}

LoadGenerator::~LoadGenerator() { stop(); }

void LoadGenerator::start(std::chrono::steady_clock::time_point origin) {
  origin_ = origin;
  stopping_ = false;
  for (auto& s : sources_) {
    const int n = workers_for(s->target->source.rate.max_rate());
    for (int w = 0; w < n; ++w) threads_.emplace_back([this, source = s.get(), w, n] { work(*source, w, n); });
  }
}

void LoadGenerator::stop() {
  stopping_ = true;
  for (std::thread& t : threads_) t.join();
  threads_.clear();
}

sim::TimePoint LoadGenerator::now() const {
  const auto elapsed = std::chrono::duration_cast<std::chrono::microseconds>(std::chrono::steady_clock::now() - origin_);
  return sim::TimePoint::from_micros(elapsed.count());
}

void LoadGenerator::work(Source& source, int worker, int workers) {
  const world::TrafficSourceConfig& config = source.target->source;
  const double peak = config.rate.max_rate();
  if (peak <= 0) return;
  sim::Rng rng = sim::Rng::stream(seed_, "loadgen/" + config.name + "/" + std::to_string(worker));
  httplib::Client client("127.0.0.1", source.target->port);
  client.set_keep_alive(true);
  const auto timeout = std::chrono::microseconds(source.target->timeout.count_micros());
  client.set_connection_timeout(std::chrono::duration_cast<std::chrono::seconds>(timeout).count(),
                                static_cast<time_t>(timeout.count() % 1000000));
  client.set_read_timeout(std::chrono::duration_cast<std::chrono::seconds>(timeout).count(),
                          static_cast<time_t>(timeout.count() % 1000000));
  // This worker's share of a Poisson process at the peak rate, thinned to the profile's rate.
  const double mean_gap_us = 1e6 * workers / peak;
  sim::TimePoint due = sim::TimePoint::start();
  while (!stopping_) {
    due = due + sim::Duration::micros(static_cast<int64_t>(sim::exponential(rng, mean_gap_us) + 0.5));
    if (rng.next_double() * peak > config.rate.rate_at(due)) continue;
    // Sleep until it is due, waking now and then to notice stop().
    while (!stopping_) {
      const sim::Duration wait = due - now();
      if (wait <= sim::Duration::zero()) break;
      std::this_thread::sleep_for(std::chrono::microseconds(std::min<int64_t>(wait.count_micros(), 50000)));
    }
    if (stopping_) break;
    ++sent_;
    world::Outcome outcome = world::Outcome::kOk;
    std::string served_by;
    int attempts = 0;
    std::vector<std::pair<std::string, bool>> attempt_versions;  // version, bad
    while (true) {
      const sim::TimePoint attempt_start = now();
      httplib::Result r = client.Get("/");
      outcome = outcome_of(r);
      served_by = r && r->has_header("X-Deploysim-Version") ? r->get_header_value("X-Deploysim-Version") : "";
      const bool slow = bad_latency_ > sim::Duration::zero() && now() - attempt_start > bad_latency_;
      if (!served_by.empty()) attempt_versions.emplace_back(served_by, world::is_error(outcome) || slow);
      if (!r) client.stop();  // a broken connection is not reused
      if (!world::is_error(outcome) || attempts >= config.max_retries || stopping_) break;
      ++attempts;
      std::this_thread::sleep_for(std::chrono::microseconds(config.retry_backoff.count_micros()));
    }
    // Filed when it ended, as the simulated clients file theirs.
    const sim::TimePoint ended = now();
    std::lock_guard<std::mutex> lock(mutex_);
    source.client.record(ended, outcome, ended - due);
    if (!served_by.empty()) {
      source.by_version.try_emplace(served_by, interval_).first->second.record(ended, outcome, ended - due);
    }
    for (int i = 0; i < attempts; ++i) source.client.record_retry(ended);
    if (config.synthetic) continue;
    for (const auto& [version, bad] : attempt_versions) {
      VersionFacts& f = facts_[version];
      ++f.routed;
      if (!f.first_routed || ended < *f.first_routed) f.first_routed = ended;
      if (bad && (!f.first_bad || ended < *f.first_bad)) f.first_bad = ended;
    }
    if (world::is_error(outcome) && !served_by.empty()) ++facts_[served_by].failed;
  }
}

std::optional<world::MetricSeries> LoadGenerator::client_series(const std::string& source) const {
  std::lock_guard<std::mutex> lock(mutex_);
  for (const auto& s : sources_) {
    if (s->target->source.name == source) return s->client;
  }
  return std::nullopt;
}

std::map<std::string, world::MetricSeries> LoadGenerator::client_series_by_version(const std::string& source) const {
  std::lock_guard<std::mutex> lock(mutex_);
  for (const auto& s : sources_) {
    if (s->target->source.name == source) return s->by_version;
  }
  return {};
}

std::map<std::string, VersionFacts> LoadGenerator::version_facts() const {
  std::lock_guard<std::mutex> lock(mutex_);
  return facts_;
}

}  // namespace deploysim::providers::local
