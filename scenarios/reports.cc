// Run and test reports (reports.h).
#include "scenarios/reports.h"

#include <cerrno>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <map>

#include "sim/kernel/hash.h"
#include "sim/kernel/trace.h"

namespace deploysim::scenarios {

namespace fs = std::filesystem;
using OJson = nlohmann::ordered_json;

sim::Status write_file_atomically(const fs::path& path, const std::string& text) {
  fs::path partial = path;
  partial += ".partial";
  {
    std::ofstream out(partial, std::ios::binary | std::ios::trunc);
    if (!out) return sim::io_error("cannot create " + partial.string() + ": " + std::strerror(errno));
    out << text;
    out.flush();
    if (!out) {
      out.close();
      std::error_code ec;
      fs::remove(partial, ec);
      return sim::io_error("writing " + partial.string() + " failed");
    }
  }
  std::error_code ec;
  fs::rename(partial, path, ec);
  if (ec) {
    fs::remove(partial, ec);
    return sim::io_error("cannot move " + partial.string() + " to " + path.string() + ": " + ec.message());
  }
  return sim::Status();
}

namespace {

OJson optional_time(const std::optional<sim::TimePoint>& t) {
  if (!t) return nullptr;
  return t->since_start().to_seconds();
}

}  // namespace

OJson scorecard_json(const Scorecard& c) {
  OJson j;
  j["candidate"] = c.candidate;
  j["candidate_bad"] = c.candidate_bad;
  j["outcome"] = c.outcome;
  j["execution_status"] = c.execution_status;
  j["verdict"] = c.verdict;
  j["verdict_correct"] = c.verdict_correct;
  j["candidate_serving_at_end"] = c.candidate_serving_at_end;
  std::vector<std::optional<double>> values;
  for (const auto& [name, value] : scorecard_figures(c)) values.push_back(value);
  j["figures"] = figures_json(values);
  j["availability_objective"] = c.availability_objective;
  j["steady_instances"] = c.steady_instances;
  j["first_bad_s"] = optional_time(c.first_bad);
  j["decided_s"] = optional_time(c.decided);
  j["mitigated_s"] = optional_time(c.mitigated);
  return j;
}

OJson run_report_json(const LoadedScenario& scenario, const WorldRunSummary& run, const std::vector<Unmet>& unmet) {
  OJson j;
  j["scenario"] = scenario.name;
  j["file"] = scenario.path.string();
  if (!scenario.variant.empty()) j["variant"] = scenario.variant;
  j["seed"] = run.seed;
  j["fingerprint"] = sim::hex64(run.trace_hash);
  j["trace_events"] = run.trace_events;
  j["simulated_s"] = run.simulated.to_seconds();
  j["scorecard"] = scorecard_json(run.scorecard);
  OJson checks = OJson::array();
  for (const WorldRunSummary::Check& c : run.checks) {
    OJson v = OJson::array();
    for (const Violation& x : c.violations) v.push_back({{"at_s", x.at.since_start().to_seconds()}, {"what", x.what}});
    checks.push_back({{"name", c.name}, {"passed", c.passed()}, {"violations", v}});
  }
  j["checks"] = checks;
  if (run.pipeline) {
    OJson stages = OJson::array();
    for (const StageTimeline& s : run.pipeline->stages) {
      stages.push_back({{"name", s.name}, {"type", s.type}, {"status", s.status}, {"depth", s.depth},
                        {"start_s", s.start.since_start().to_seconds()}, {"end_s", s.end.since_start().to_seconds()}});
    }
    j["pipeline"] = {{"name", run.pipeline->name}, {"status", run.pipeline->status}, {"stages", stages}};
  }
  j["expectations_met"] = unmet.empty();
  OJson u = OJson::array();
  for (const Unmet& x : unmet) u.push_back(x.what);
  j["unmet"] = u;
  return j;
}

namespace {

std::string xml_escaped(const std::string& s) {
  std::string out;
  for (const char c : s) {
    switch (c) {
      case '&': out += "&amp;"; break;
      case '<': out += "&lt;"; break;
      case '>': out += "&gt;"; break;
      case '"': out += "&quot;"; break;
      case '\'': out += "&apos;"; break;
      default:
        // XML 1.0 has no place for other control characters.
        if (static_cast<unsigned char>(c) < 0x20 && c != '\n' && c != '\t' && c != '\r') {
          out += '?';
        } else {
          out += c;
        }
    }
  }
  return out;
}

}  // namespace

std::string junit_xml(const std::string& suite, const std::vector<TestCaseResult>& cases) {
  size_t failures = 0, errors = 0;
  double seconds = 0;
  for (const TestCaseResult& c : cases) {
    failures += c.failures.empty() ? 0 : 1;
    errors += c.error.empty() ? 0 : 1;
    seconds += c.seconds;
  }
  char head[256];
  std::snprintf(head, sizeof(head), "<testsuite name=\"%s\" tests=\"%zu\" failures=\"%zu\" errors=\"%zu\" time=\"%.3f\">\n",
                xml_escaped(suite).c_str(), cases.size(), failures, errors, seconds);
  std::string out = "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<testsuites>\n";
  out += head;
  for (const TestCaseResult& c : cases) {
    char time[32];
    std::snprintf(time, sizeof(time), "%.3f", c.seconds);
    out += "  <testcase classname=\"" + xml_escaped(suite) + "\" name=\"" + xml_escaped(c.name) + "\" file=\"" + xml_escaped(c.file) +
           "\" time=\"" + time + "\">\n";
    if (!c.error.empty()) out += "    <error message=\"" + xml_escaped(c.error) + "\"/>\n";
    if (!c.failures.empty()) {
      std::string all;
      for (const std::string& f : c.failures) all += f + "\n";
      out += "    <failure message=\"" + xml_escaped(c.failures.front()) + "\">" + xml_escaped(all + "reproduce: " + c.reproduce) +
             "</failure>\n";
    }
    out += "  </testcase>\n";
  }
  out += "</testsuite>\n</testsuites>\n";
  return out;
}

namespace {

// Tracks of a Chrome trace: process 1 the pipelines (a thread per execution), process 2 the server
// groups (a thread each), process 3 the instances (a thread each).
class ChromeTrace {
 public:
  int thread(int pid, const std::string& name) {
    auto& ids = threads_[pid];
    const auto it = ids.find(name);
    if (it != ids.end()) return it->second;
    const int tid = static_cast<int>(ids.size()) + 1;
    ids[name] = tid;
    events_.push_back({{"ph", "M"}, {"name", "thread_name"}, {"pid", pid}, {"tid", tid}, {"args", {{"name", name}}}});
    events_.push_back({{"ph", "M"}, {"name", "thread_sort_index"}, {"pid", pid}, {"tid", tid}, {"args", {{"sort_index", tid}}}});
    return tid;
  }
  // Opens a span, closing the one open on the same key first.
  void open(const std::string& key, int pid, int tid, const std::string& name, int64_t at_us, OJson args = OJson::object()) {
    close(key, at_us);
    open_[key] = {pid, tid, name, at_us, std::move(args)};
  }
  void close(const std::string& key, int64_t at_us) {
    const auto it = open_.find(key);
    if (it == open_.end()) return;
    const Open& o = it->second;
    events_.push_back({{"ph", "X"}, {"name", o.name}, {"pid", o.pid}, {"tid", o.tid}, {"ts", o.start_us}, {"dur", at_us - o.start_us},
                       {"args", o.args}});
    open_.erase(it);
  }
  void instant(int pid, int tid, const std::string& name, int64_t at_us, OJson args) {
    events_.push_back({{"ph", "i"}, {"s", "t"}, {"name", name}, {"pid", pid}, {"tid", tid}, {"ts", at_us}, {"args", std::move(args)}});
  }
  std::string finish(int64_t end_us) {
    while (!open_.empty()) close(open_.begin()->first, end_us);
    OJson names = OJson::array();
    for (const auto& [pid, name] : std::vector<std::pair<int, const char*>>{{1, "pipelines"}, {2, "server groups"}, {3, "instances"}}) {
      events_.insert(events_.begin(), OJson{{"ph", "M"}, {"name", "process_name"}, {"pid", pid}, {"args", {{"name", name}}}});
    }
    OJson out;
    out["traceEvents"] = events_;
    out["displayTimeUnit"] = "ms";
    return out.dump() + "\n";
  }

 private:
  struct Open {
    int pid, tid;
    std::string name;
    int64_t start_us;
    OJson args;
  };
  std::map<int, std::map<std::string, int>> threads_;
  std::map<std::string, Open> open_;
  OJson events_ = OJson::array();
};

}  // namespace

sim::Result<std::string> chrome_trace_json(const fs::path& trace_path) {
  sim::Result<std::unique_ptr<sim::TraceReader>> opened = sim::TraceReader::open(trace_path);
  if (!opened.ok()) return opened.error();
  sim::TraceReader& reader = **opened;
  ChromeTrace chrome;
  trace::Event e;
  int64_t last_us = 0;
  while (true) {
    sim::Result<bool> more = reader.next(&e);
    if (!more.ok()) return more.error();
    if (!*more) break;
    const int64_t t = e.time_us();
    last_us = t;
    if (e.has_execution()) {
      const trace::ExecutionChange& x = e.execution();
      const int tid = chrome.thread(1, x.execution() + " " + x.pipeline());
      if (x.status() == "RUNNING") {
        chrome.open("x/" + x.execution(), 1, tid, x.pipeline(), t, {{"execution", x.execution()}});
      } else if (x.status() != "NOT_STARTED" && x.status() != "PAUSED") {
        chrome.close("x/" + x.execution(), t);
        chrome.instant(1, tid, x.pipeline() + " " + x.status(), t, {{"status", x.status()}});
      }
    } else if (e.has_stage()) {
      const trace::StageChange& s = e.stage();
      // Synthetic stages nest inside their parents on the execution's track; Perfetto stacks them.
      const int tid = chrome.thread(1, s.execution() + " stages");
      const std::string key = "s/" + s.execution() + "/" + s.stage_id();
      if (s.status() == "RUNNING") {
        chrome.open(key, 1, tid, s.name(), t, {{"type", s.type()}, {"stage_id", s.stage_id()}});
      } else if (s.status() != "NOT_STARTED" && s.status() != "PAUSED") {
        chrome.close(key, t);
        if (s.status() != "SUCCEEDED") chrome.instant(1, tid, s.name() + " " + s.status(), t, {{"message", s.message()}});
      }
    } else if (e.has_server_group()) {
      const trace::ServerGroupChange& g = e.server_group();
      const int tid = chrome.thread(2, g.server_group());
      const OJson args = {{"desired", g.desired()}, {"enabled", g.enabled()}, {"version", g.version()}};
      if (g.action() == "destroyed") {
        chrome.close("g/" + g.server_group(), t);
      } else {
        chrome.open("g/" + g.server_group(), 2, tid,
                    g.server_group() + " " + std::to_string(g.desired()) + (g.enabled() ? "" : " (disabled)"), t, args);
      }
    } else if (e.has_instance()) {
      const trace::InstanceChange& i = e.instance();
      const int tid = chrome.thread(3, i.instance());
      if (i.state() == "terminated") {
        chrome.close("i/" + i.instance(), t);
      } else {
        chrome.open("i/" + i.instance(), 3, tid, i.state() + (i.platform_health().empty() ? "" : " " + i.platform_health()), t,
                    {{"reason", i.reason()}, {"zone", i.zone()}});
      }
    } else if (e.has_canary()) {
      const trace::CanaryJudgment& c = e.canary();
      chrome.instant(1, chrome.thread(1, c.execution() + " stages"), "canary #" + std::to_string(c.interval()) + " " + c.classification(), t,
                     {{"score", c.score()}, {"reason", c.reason()}});
    } else if (e.has_fault()) {
      chrome.instant(2, chrome.thread(2, "faults"), e.fault().kind() + (e.fault().ended() ? " ended" : ""), t,
                     {{"target", e.fault().target()}, {"detail", e.fault().detail()}});
    }
  }
  return chrome.finish(last_us);
}

}  // namespace deploysim::scenarios

namespace deploysim::scenarios {
namespace {

std::string format(const char* pattern, double v) {
  char text[64];
  std::snprintf(text, sizeof(text), pattern, v);
  return text;
}

std::string figure_text(const std::string& name, double v) {
  if (name.size() > 2 && name.compare(name.size() - 2, 2, "_s") == 0) return sim::to_string(sim::Duration::micros(std::llround(v * 1e6)));
  if (name == "error_budget_burned") return format("%.1f%%", v * 100);
  if (v == std::floor(v) && std::fabs(v) < 1e15) return format("%.0f", v);
  return format("%.2f", v);
}

std::string label(const std::string& variant) { return variant.empty() ? "base" : variant; }

std::string percent_of(uint64_t part, uint64_t whole) {
  return whole == 0 ? "-" : format("%.1f%%", 100.0 * double(part) / double(whole));
}

}  // namespace

std::string run_markdown(const LoadedScenario& scenario, const WorldRunSummary& run, const std::vector<Unmet>& unmet) {
  const Scorecard& c = run.scorecard;
  std::string out = "### " + scenario.name + (scenario.variant.empty() ? "" : " (" + scenario.variant + ")") + ", seed " +
                    std::to_string(run.seed) + "\n\n";
  out += "| outcome | execution | candidate | verdict |\n|---|---|---|---|\n";
  out += "| " + c.outcome + " | " + (c.execution_status.empty() ? "-" : c.execution_status) + " | " +
         (c.candidate.empty() ? "-" : c.candidate + (c.candidate_bad ? " (bad)" : " (good)")) + " | " + c.verdict +
         (c.verdict_correct ? ", right" : ", wrong") + " |\n\n| figure | value |\n|---|---:|\n";
  for (const auto& [name, value] : scorecard_figures(c)) out += "| " + name + " | " + (value ? figure_text(name, *value) : "-") + " |\n";
  out += "\n" + std::string(unmet.empty() ? "All expectations met." : "Unmet expectations:") + "\n";
  for (const Unmet& u : unmet) out += "- " + u.what + "\n";
  return out;
}

std::string sweep_markdown(const SweepResult& result) {
  std::string out = "### Sweep of " + result.identity.scenario + ": " + std::to_string(result.identity.seeds) + " seeds\n\n";
  out += "| variant | runs | promoted | rolled back | good promoted | good rolled back | bad caught | bad escaped | "
         "time to detect p50 / p90 | failed requests p50 / p99 |\n|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|\n";
  for (const VariantStats& s : sweep_stats(result)) {
    const auto stat = [&](const std::string& figure, const std::string& q) {
      const auto v = s.value(figure + "." + q);
      return v ? figure_text(figure, *v) : std::string("-");
    };
    out += "| " + label(s.variant) + " | " + std::to_string(s.replications) + " | " +
           percent_of(s.outcomes.at("promoted"), s.replications) + " | " + percent_of(s.outcomes.at("rolled_back"), s.replications) +
           " | " + std::to_string(s.good_promoted) + " | " + std::to_string(s.good_rolled_back) + " | " + std::to_string(s.bad_caught) +
           " | " + std::to_string(s.bad_escaped) + " | " + stat("time_to_detect_s", "p50") + " / " + stat("time_to_detect_s", "p90") +
           " | " + stat("failed_requests", "p50") + " / " + stat("failed_requests", "p99") + " |\n";
  }
  return out;
}

std::string compare_markdown(const SweepResult& result) {
  const std::vector<std::string>& variants = result.identity.variants;
  std::string out = "### Comparison on " + result.identity.scenario + ": " + std::to_string(result.identity.seeds) +
                    " paired seeds, against " + label(variants.front()) + "\n";
  for (size_t v = 1; v < variants.size(); ++v) {
    out += "\n#### " + label(variants[v]) + " - " + label(variants.front()) + "\n\n| figure | pairs | " + label(variants.front()) + " | " + label(variants[v]) +
           " | difference | 95% interval |\n|---|---:|---:|---:|---:|---:|\n";
    for (const PairedDifference& d : paired_differences(result, variants.front(), variants[v])) {
      if (d.pairs == 0) {
        out += "| " + d.name + " | 0 | - | - | - | - |\n";
        continue;
      }
      out += "| " + d.name + " | " + std::to_string(d.pairs) + " | " + format("%.6g", d.reference_mean) + " | " + format("%.6g", d.variant_mean) +
             " | " + format("%+.4g", d.mean) + " | " +
             (std::isnan(d.ci_low) ? std::string("-") : "[" + format("%.4g", d.ci_low) + ", " + format("%.4g", d.ci_high) + "]") + " |\n";
    }
  }
  return out;
}

}  // namespace deploysim::scenarios
