// The M/M/c kernel demo: the queueing model, its statistics, and its trace.
#include "scenarios/kernel_demo.h"

#include <cmath>
#include <deque>
#include <memory>
#include <string>

#include "sim/kernel/distributions.h"
#include "sim/kernel/event_loop.h"
#include "sim/kernel/rng.h"
#include "sim/kernel/trace.h"
#include "sim/kernel/wall_clock.h"

namespace deploysim::scenarios {
namespace {

using sim::Duration;
using sim::TimePoint;

constexpr const char* kSource = "kernel-demo";

// A one-line description of the options, stored as the trace's scenario text so that the run can
// be read back and repeated from the trace alone.
std::string describe(const KernelDemoOptions& o) {
  return "kernel-demo servers=" + std::to_string(o.servers) +
         " arrival_rate_per_s=" + std::to_string(o.arrival_rate_per_s) +
         " mean_service=" + sim::to_string(o.mean_service) +
         " duration=" + sim::to_string(o.duration) + " warmup=" + sim::to_string(o.warmup) +
         " report_interval=" + sim::to_string(o.report_interval);
}

class QueueModel {
 public:
  QueueModel(const KernelDemoOptions& options, sim::EventLoop& loop, sim::TraceWriter& trace)
      : options_(options),
        loop_(loop),
        trace_(trace),
        arrivals_rng_(sim::Rng::stream(options.seed, "kernel-demo/arrivals")),
        service_rng_(sim::Rng::stream(options.seed, "kernel-demo/service")),
        mean_interarrival_us_(1e6 / options.arrival_rate_per_s),
        end_(TimePoint::start() + options.duration),
        measure_from_(TimePoint::start() + options.warmup) {}

  void start() {
    note("M/M/" + std::to_string(options_.servers) + " queue starts: " + describe(options_));
    schedule_next_arrival();
    loop_.schedule(TimePoint::start(), [this] { report(); });
  }

  KernelDemoResult finish() {
    account_busy_time();
    note("run ends: " + std::to_string(completed_) + " requests completed after the warm-up");
    KernelDemoResult r;
    r.arrivals = measured_arrivals_;
    r.served = completed_;
    r.wait_probability = measured_arrivals_ ? double(waited_) / double(measured_arrivals_) : 0;
    r.mean_wait_s = completed_ ? wait_sum_s_ / double(completed_) : 0;
    r.mean_response_s = completed_ ? response_sum_s_ / double(completed_) : 0;
    const double measured_s = (end_ - measure_from_).to_seconds();
    r.utilisation = busy_server_seconds_ / (measured_s * options_.servers);
    return r;
  }

 private:
  struct Request {
    TimePoint arrived;
    bool measured;
  };

  void note(const std::string& text) {
    trace::Event e;
    e.mutable_note()->set_source(kSource);
    e.mutable_note()->set_text(text);
    trace_.append(loop_.now(), e);
  }
  void metric(const char* name, double value) {
    trace::Event e;
    e.mutable_metric()->set_name(name);
    e.mutable_metric()->set_value(value);
    trace_.append(loop_.now(), e);
  }

  void schedule_next_arrival() {
    const auto gap = static_cast<int64_t>(sim::exponential(arrivals_rng_, mean_interarrival_us_) + 0.5);
    const TimePoint at = loop_.now() + Duration::micros(gap);
    if (at < end_) loop_.schedule(at, [this] { arrive(); });
  }

  void arrive() {
    const bool measured = loop_.now() >= measure_from_;
    if (measured) ++measured_arrivals_;
    ++interval_arrivals_;
    if (busy_ < options_.servers) {
      start_service(Request{loop_.now(), measured});
    } else {
      if (measured) ++waited_;
      waiting_.push_back(Request{loop_.now(), measured});
    }
    schedule_next_arrival();
  }

  void start_service(Request request) {
    account_busy_time();
    ++busy_;
    const Duration service = sim::exponential_duration(service_rng_, options_.mean_service);
    const TimePoint done = loop_.now() + service;
    if (request.measured) {
      // Counted when service starts, so requests still in service at the end are not lost: the
      // demo measures what the queue did to every request admitted after the warm-up.
      ++completed_;
      wait_sum_s_ += (loop_.now() - request.arrived).to_seconds();
      response_sum_s_ += (done - request.arrived).to_seconds();
    }
    loop_.schedule(done, [this] { complete(); });
  }

  void complete() {
    account_busy_time();
    --busy_;
    if (!waiting_.empty()) {
      const Request next = waiting_.front();
      waiting_.pop_front();
      start_service(next);
    }
  }

  // Integrates the number of busy servers over measured time, up to now (capped at the end).
  void account_busy_time() {
    const TimePoint now = std::min(loop_.now(), end_);
    const TimePoint from = std::max(last_accounted_, measure_from_);
    if (now > from) busy_server_seconds_ += busy_ * (now - from).to_seconds();
    last_accounted_ = std::max(last_accounted_, now);
  }

  void report() {
    metric("demo.busy_servers", busy_);
    metric("demo.queue_length", static_cast<double>(waiting_.size()));
    metric("demo.arrivals_in_interval", static_cast<double>(interval_arrivals_));
    interval_arrivals_ = 0;
    const TimePoint next = loop_.now() + options_.report_interval;
    if (next <= end_) loop_.schedule(next, [this] { report(); });
  }

  const KernelDemoOptions& options_;
  sim::EventLoop& loop_;
  sim::TraceWriter& trace_;
  sim::Rng arrivals_rng_;
  sim::Rng service_rng_;
  const double mean_interarrival_us_;
  const TimePoint end_;
  const TimePoint measure_from_;

  int busy_ = 0;
  std::deque<Request> waiting_;
  uint64_t measured_arrivals_ = 0;
  uint64_t interval_arrivals_ = 0;
  uint64_t waited_ = 0;
  uint64_t completed_ = 0;
  double wait_sum_s_ = 0;
  double response_sum_s_ = 0;
  double busy_server_seconds_ = 0;
  TimePoint last_accounted_;
};

}  // namespace

double erlang_c(int servers, double a) {
  // Erlang B by recursion: B(0) = 1, B(k) = a B(k-1) / (k + a B(k-1)); then
  // C = B / (1 - rho (1 - B)) with rho = a / c.
  double b = 1;
  for (int k = 1; k <= servers; ++k) b = a * b / (k + a * b);
  const double rho = a / servers;
  return b / (1 - rho * (1 - b));
}

sim::Status validate(const KernelDemoOptions& o) {
  if (o.servers < 1 || o.servers > 100000) {
    return sim::invalid_argument("servers must be between 1 and 100000, got " +
                                 std::to_string(o.servers));
  }
  if (!(o.arrival_rate_per_s > 0) || !std::isfinite(o.arrival_rate_per_s) ||
      o.arrival_rate_per_s > 1e7) {
    return sim::invalid_argument("arrival rate must be a number of requests per second in (0, 1e7]");
  }
  if (o.mean_service <= Duration::zero()) {
    return sim::invalid_argument("mean service time must be positive");
  }
  const double rho = o.arrival_rate_per_s * o.mean_service.to_seconds() / o.servers;
  if (rho >= 1) {
    return sim::invalid_argument(
        "the queue is unstable: arrival rate x mean service / servers = " + std::to_string(rho) +
        " must be below 1 (add servers, or lower the rate or the service time)");
  }
  if (o.duration <= Duration::zero()) return sim::invalid_argument("duration must be positive");
  if (o.warmup >= o.duration) {
    return sim::invalid_argument("warm-up (" + sim::to_string(o.warmup) +
                                 ") must be shorter than the duration (" +
                                 sim::to_string(o.duration) + ")");
  }
  if (o.report_interval <= Duration::zero()) {
    return sim::invalid_argument("report interval must be positive");
  }
  if (o.wall_clock_speed && !(*o.wall_clock_speed > 0 && std::isfinite(*o.wall_clock_speed))) {
    return sim::invalid_argument("speed must be a positive number of simulated seconds per second");
  }
  return sim::Status();
}

sim::Result<KernelDemoResult> run_kernel_demo(const KernelDemoOptions& options) {
  if (sim::Status valid = validate(options); !valid.ok()) return valid.error();

  std::unique_ptr<sim::TraceWriter> trace;
  if (options.trace_path.empty()) {
    trace = std::make_unique<sim::TraceWriter>();
  } else {
    trace::Header header;
    header.set_build_id(DEPLOYSIM_BUILD_ID);
    header.set_seed(options.seed);
    header.set_scenario_name("kernel-demo");
    header.set_scenario_text(describe(options));
    sim::Result<std::unique_ptr<sim::TraceWriter>> created =
        sim::TraceWriter::create(options.trace_path, header);
    if (!created.ok()) return created.error();
    trace = std::move(*created);
  }

  sim::EventLoop loop;
  QueueModel model(options, loop, *trace);
  model.start();
  const TimePoint end = TimePoint::start() + options.duration;
  if (options.wall_clock_speed) {
    sim::WallClockDriver(loop, *options.wall_clock_speed).run_until(end);
  } else {
    loop.run_until(end);
  }
  KernelDemoResult result = model.finish();
  if (sim::Status finished = trace->finish(); !finished.ok()) return finished.error();

  const double mu = 1 / options.mean_service.to_seconds();
  const double a = options.arrival_rate_per_s / mu;
  result.offered_load = a / options.servers;
  result.theory_wait_probability = erlang_c(options.servers, a);
  result.theory_mean_wait_s =
      result.theory_wait_probability / (options.servers * mu - options.arrival_rate_per_s);
  result.theory_mean_response_s = result.theory_mean_wait_s + 1 / mu;
  result.events_run = loop.events_run();
  result.trace_events = trace->event_count();
  result.trace_hash = trace->hash();
  return result;
}

}  // namespace deploysim::scenarios
