// Requests: open-loop arrivals, routing, queueing and service on instances, timeouts, retries, and
// the outcome each side saw. This is the hot path of a run (millions of requests per simulated
// hour): it allocates nothing and schedules at most two events per attempt.
#include <algorithm>
#include <cmath>

#include "sim/kernel/distributions.h"
#include "sim/world/world.h"

namespace deploysim::world {

uint32_t World::new_attempt() {
  if (free_attempt_ == UINT32_MAX) {
    attempts_.emplace_back();
    attempts_.back().server_done = attempts_.back().client_done = true;
    free_attempt_ = static_cast<uint32_t>(attempts_.size() - 1);
    attempts_.back().next_free = UINT32_MAX;
  }
  const uint32_t a = free_attempt_;
  free_attempt_ = attempts_[a].next_free;
  Attempt& at = attempts_[a];
  at.client_done = false;
  at.server_done = false;
  at.routed = false;
  at.timeout = sim::EventHandle();
  at.completion = sim::EventHandle();
  ++totals_.attempts_in_flight;
  return a;
}

void World::release_if_done(uint32_t a) {
  Attempt& at = attempts_[a];
  if (!at.client_done || !at.server_done) return;
  at.next_free = free_attempt_;
  free_attempt_ = a;
  --totals_.attempts_in_flight;
}

void World::schedule_arrival(uint32_t s) {
  TrafficSource& src = sources_[s];
  if (src.max_rate <= 0) return;
  // Candidates arrive as a Poisson process at the profile's peak rate; arrive() keeps each with
  // probability rate(t) / peak (Lewis and Shedler's thinning), giving the profile's rate exactly.
  const double gap_us = sim::exponential(src.arrivals_rng, 1e6 / src.max_rate);
  loop_.schedule_after(sim::Duration::micros(static_cast<int64_t>(gap_us + 0.5)),
                       [this, s] { arrive(s); });
}

void World::arrive(uint32_t s) {
  schedule_arrival(s);
  TrafficSource& src = sources_[s];
  if (!src.constant &&
      src.thinning_rng.next_double() * src.max_rate >= src.config.rate.rate_at(loop_.now())) {
    return;
  }
  ++totals_.user_requests;
  send(s, loop_.now(), 0);
}

std::optional<InstanceId> World::pick_target(LoadBalancer& lb) {
  std::vector<InstanceId>* candidates = &lb.in_service;
  uint32_t* cursor = &lb.cursor;
  if (lb.weighted) {
    // A group by weight among those with a target in service, then a target within it.
    double total = 0;
    for (const LbGroup& g : lb.groups) {
      if (!g.in_service.empty()) total += g.weight;
    }
    if (!(total > 0)) return std::nullopt;
    double r = lb.routing_rng.next_double() * total;
    LbGroup* chosen = nullptr;
    for (LbGroup& g : lb.groups) {
      if (g.in_service.empty() || g.weight <= 0) continue;
      chosen = &g;
      if (r < g.weight) break;
      r -= g.weight;
    }
    candidates = &chosen->in_service;
    cursor = &chosen->cursor;
  }
  const std::vector<InstanceId>& list = *candidates;
  if (list.empty()) return std::nullopt;
  switch (lb.config.algorithm) {
    case Algorithm::kRoundRobin: {
      if (*cursor >= list.size()) *cursor = 0;
      return list[(*cursor)++];
    }
    case Algorithm::kRandom:
      return list[static_cast<size_t>(
          sim::uniform_int(lb.routing_rng, 0, static_cast<int64_t>(list.size()) - 1))];
    case Algorithm::kLeastOutstanding: {
      // The fewest requests in flight; ties go to the target that has been in service longest.
      InstanceId best = list[0];
      int fewest = instances_[index_of(best)].in_flight();
      for (size_t i = 1; i < list.size() && fewest > 0; ++i) {
        const int n = instances_[index_of(list[i])].in_flight();
        if (n < fewest) {
          fewest = n;
          best = list[i];
        }
      }
      return best;
    }
  }
  return std::nullopt;
}

void World::send(uint32_t s, sim::TimePoint user_start, uint32_t number) {
  ++totals_.attempts;
  const uint32_t a = new_attempt();
  {
    Attempt& at = attempts_[a];
    at.arrived = loop_.now();
    at.user_start = user_start;
    at.source = s;
    at.number = number;
  }
  LoadBalancer& lb = lbs_[index_of(sources_[s].lb)];
  const std::optional<InstanceId> target = pick_target(lb);
  if (!target) {
    attempts_[a].server_done = true;
    finish_client(a, Outcome::kNoBackend);
    return;
  }
  attempts_[a].instance = *target;
  attempts_[a].routed = true;
  Instance& inst = instances_[index_of(*target)];
  {
    ServerGroup::Users& users = inst.owner->users;
    if (users.routed++ == 0) users.first_routed = loop_.now();
    users.last_routed = loop_.now();
  }
  if (!reachable(inst, lb.config.traffic_port)) {
    // Nothing answers: the client waits out the timeout.
    attempts_[a].server_done = true;
    attempts_[a].timeout =
        loop_.schedule_after(lb.config.request_timeout, [this, a] { client_timeout(a); });
    return;
  }
  if (!inst.process_alive) {
    attempts_[a].server_done = true;
    finish_client(a, Outcome::kRefused);
    return;
  }
  admit(inst, a);
}

void World::admit(Instance& inst, uint32_t a) {
  if (inst.busy < inst.workers) {
    start_service(inst, a);
  } else if (!inst.queue.full()) {
    inst.queue.push(a);
    const sim::Duration timeout = lbs_[index_of(sources_[attempts_[a].source].lb)].config.request_timeout;
    attempts_[a].timeout =
        loop_.schedule(attempts_[a].arrived + timeout, [this, a] { client_timeout(a); });
  } else {
    record_server(inst, Outcome::kQueueFull, sim::Duration::zero());
    attempts_[a].server_done = true;
    finish_client(a, Outcome::kQueueFull);
  }
}

void World::start_service(Instance& inst, uint32_t a) {
  ++inst.busy;
  sim::Duration service = inst.profile->service_time.sample_duration(inst.service_rng);
  if (!inst.profile->service_time_scale.empty()) {
    const double scale = std::max(0.0, interpolate(inst.profile->service_time_scale, loop_.now()));
    service = sim::Duration::micros(std::llround(double(service.count_micros()) * scale));
  }
  const sim::TimePoint done = loop_.now() + service;
  Attempt& at = attempts_[a];
  if (!at.client_done) {
    const sim::TimePoint deadline =
        at.arrived + lbs_[index_of(sources_[at.source].lb)].config.request_timeout;
    if (done <= deadline) {
      loop_.cancel(at.timeout);  // answered in time: a queued attempt's timer is not needed
      at.timeout = sim::EventHandle();
    } else if (!loop_.is_pending(at.timeout)) {
      at.timeout = loop_.schedule(deadline, [this, a] { client_timeout(a); });
    }
  }
  const InstanceId id = inst.id;
  attempts_[a].completion = loop_.schedule(done, [this, id, a] { complete(id, a); });
}

void World::complete(InstanceId id, uint32_t a) {
  Instance& inst = instances_[index_of(id)];
  --inst.busy;
  const double p = inst.profile->errors.at_time(loop_.now(), inst.in_flight() + 1);
  const Outcome outcome =
      p > 0 && sim::bernoulli(inst.error_rng, p) ? Outcome::kAppError : Outcome::kOk;
  record_server(inst, outcome, loop_.now() - attempts_[a].arrived);
  attempts_[a].server_done = true;
  if (attempts_[a].client_done) {
    release_if_done(a);
  } else if (zones_[inst.zone].down) {
    // The answer cannot get out of a zone that is down: the client waits out its timeout.
    const sim::TimePoint deadline =
        attempts_[a].arrived + lbs_[index_of(sources_[attempts_[a].source].lb)].config.request_timeout;
    if (deadline <= loop_.now()) {
      finish_client(a, Outcome::kTimeout);
    } else if (!loop_.is_pending(attempts_[a].timeout)) {
      attempts_[a].timeout = loop_.schedule(deadline, [this, a] { client_timeout(a); });
    }
  } else {
    finish_client(a, outcome);
  }
  if (!inst.queue.empty()) start_service(inst, inst.queue.pop());
  if (inst.in_flight() == 0 && !inst.targets.empty()) check_drains(inst);
}

void World::client_timeout(uint32_t a) {
  attempts_[a].timeout = sim::EventHandle();
  finish_client(a, Outcome::kTimeout);
}

void World::finish_client(uint32_t a, Outcome outcome) {
  Attempt& at = attempts_[a];
  at.client_done = true;
  loop_.cancel(at.timeout);
  TrafficSource& src = sources_[at.source];
  if (is_error(outcome) && at.number < static_cast<uint32_t>(src.config.max_retries)) {
    src.client.record_retry(loop_.now());
    const uint32_t s = at.source;
    const sim::TimePoint user_start = at.user_start;
    const uint32_t next = at.number + 1;
    loop_.schedule_after(src.config.retry_backoff,
                         [this, s, user_start, next] { send(s, user_start, next); });
  } else {
    src.client.record(loop_.now(), outcome, loop_.now() - at.user_start);
    if (is_error(outcome) && at.routed && !src.config.synthetic) {
      ServerGroup::Users& users = instances_[index_of(at.instance)].owner->users;
      ++users.failed;
      if (!users.any_bad) {
        users.any_bad = true;
        users.first_bad = loop_.now();
      }
    }
  }
  release_if_done(a);
}

void World::record_server(Instance& inst, Outcome outcome, sim::Duration latency) {
  inst.metrics.record(loop_.now(), outcome, latency);
  inst.owner->metrics.record(loop_.now(), outcome, latency);
  ServerGroup::Users& users = inst.owner->users;
  if (!users.any_bad && (is_error(outcome) || (config_.bad_latency > sim::Duration::zero() && latency > config_.bad_latency))) {
    users.any_bad = true;
    users.first_bad = loop_.now();
  }
}

void World::reset_in_flight(Instance& inst) {
  // Queued attempts, then those being served: the connection to each is gone.
  while (!inst.queue.empty()) {
    const uint32_t a = inst.queue.pop();
    attempts_[a].server_done = true;
    if (attempts_[a].client_done) {
      release_if_done(a);
    } else {
      finish_client(a, Outcome::kReset);
    }
  }
  if (inst.busy == 0) return;
  for (uint32_t a = 0; a < attempts_.size(); ++a) {
    Attempt& at = attempts_[a];
    if (at.server_done || at.instance != inst.id || !loop_.is_pending(at.completion)) continue;
    loop_.cancel(at.completion);
    at.server_done = true;
    if (at.client_done) {
      release_if_done(a);
    } else {
      finish_client(a, Outcome::kReset);
    }
  }
  inst.busy = 0;
}

}  // namespace deploysim::world
