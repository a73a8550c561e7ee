// Closed-form queueing results used as test oracles (see the queueing section of the simulation
// reference), written from their textbook definitions and independent of the simulator's code,
// plus the replication statistics the tests compare them with.
#pragma once

#include <cmath>
#include <vector>

namespace deploysim::testing {

// Erlang C, the probability that an arrival waits in M/M/c with offered load a = lambda/mu, by
// its definition: [a^c/c! * c/(c-a)] / [sum_{k<c} a^k/k! + a^c/c! * c/(c-a)]. REQUIRES: a < c.
inline double erlang_c(int c, double a) {
  double term = 1;  // a^k / k!
  double sum = 0;
  for (int k = 0; k < c; ++k) {
    sum += term;
    term *= a / (k + 1);
  }
  const double top = term * c / (c - a);
  return top / (sum + top);
}

// Mean response time (wait + service) of M/M/c: C / (c mu - lambda) + 1/mu.
inline double mmc_mean_response(int c, double lambda, double mu) {
  return erlang_c(c, lambda / mu) / (c * mu - lambda) + 1 / mu;
}

// Mean response time of one of k servers fed round robin from a Poisson stream of rate lambda:
// each sees Erlang-k inter-arrival times, a GI/M/1 queue whose sigma solves
// sigma = (lambda / (lambda + mu (1 - sigma)))^k; then Wq = sigma / (mu (1 - sigma)).
inline double ekm1_mean_response(int k, double lambda, double mu) {
  double sigma = 0.5;
  for (int i = 0; i < 10000; ++i) sigma = std::pow(lambda / (lambda + mu * (1 - sigma)), k);
  return sigma / (mu * (1 - sigma)) + 1 / mu;
}

// Mean response time of M/M/1: 1 / (mu - lambda).
inline double mm1_mean_response(double lambda, double mu) { return 1 / (mu - lambda); }

struct Estimate {
  double mean;
  double standard_error;  // of the mean, from the spread between replications
};

inline Estimate mean_and_standard_error(const std::vector<double>& x) {
  const double n = static_cast<double>(x.size());
  double mean = 0;
  for (double v : x) mean += v / n;
  double ss = 0;
  for (double v : x) ss += (v - mean) * (v - mean);
  return {mean, std::sqrt(ss / (n - 1) / n)};
}

}  // namespace deploysim::testing
