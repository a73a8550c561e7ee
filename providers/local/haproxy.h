// Haproxy: the real provider's load balancers, one HAProxy process serving every load balancer of a
// run (a frontend on 127.0.0.1 and a backend each), driven through its runtime API on a unix
// socket (mode 600, in the run's private directory). Servers are added and removed at run time in
// the sequence HAProxy 2.6 needs (reference: platform-recipes.md §4): added with their checks
// configured, checks enabled, put in rotation marked down so they take traffic only after `rise`
// good checks; taken out by drain, then maintenance, then deletion. The `enabled` keyword of
// `add server` is never used (it corrupts the backend's weights in 2.6.12).
#pragma once

#include <filesystem>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "providers/local/process.h"
#include "sim/kernel/result.h"
#include "sim/kernel/time.h"

namespace deploysim::providers::local {

struct BackendSettings {
  std::string name;  // the load balancer's name: backend and frontend are named after it
  int port = 0;      // the frontend's port on 127.0.0.1
  std::string balance = "roundrobin";  // roundrobin, leastconn or random (dynamic algorithms)
  sim::Duration check_interval = sim::Duration::seconds(1);
  sim::Duration check_timeout = sim::Duration::millis(500);
  int rise = 2;  // good checks to come up
  int fall = 2;  // failed checks to go down
  sim::Duration request_timeout = sim::Duration::seconds(30);
};

// One server of one backend as `show stat` reports it.
struct ServerStat {
  std::string backend;
  std::string server;
  std::string status;        // UP, DOWN, MAINT, DRAIN, "UP 1/2", "no check", ...
  int weight = 0;
  int current_sessions = 0;  // scur: requests in flight through it
  uint64_t sessions = 0;     // stot
  uint64_t http_5xx = 0;     // hrsp_5xx
  int response_ms = 0;       // rtime: mean response time of its last 1024 requests
  std::string check_status;  // L7OK, L4CON, L7STS, INI, ...
};

class Haproxy {
 public:
  // Writes RUN_DIR/haproxy.cfg, checks it with `haproxy -c` and starts `binary` on it. Returns once
  // the runtime API answers. Errors: the binary is missing, the configuration is refused (HAProxy's
  // message is included) or the API does not come up.
  static sim::Result<std::unique_ptr<Haproxy>> start(const std::filesystem::path& run_dir, const std::string& binary,
                                                     const std::vector<BackendSettings>& backends);
  ~Haproxy();  // stops HAProxy

  // One runtime API command (or several separated by ';'); HAProxy's reply. Errors: the socket.
  sim::Result<std::string> command(const std::string& command);

  // Adds `server` (127.0.0.1:port) to `backend` with health checks running, in maintenance: no
  // traffic until put in rotation.
  sim::Status add_server(const std::string& backend, const std::string& server, int port, int weight);
  // Puts a server in rotation, marked down: it takes traffic after `rise` good checks.
  sim::Status put_in_rotation(const std::string& backend, const std::string& server);
  // No new requests; those in flight finish.
  sim::Status drain(const std::string& backend, const std::string& server);
  // Out of rotation altogether (checks still run).
  sim::Status maintenance(const std::string& backend, const std::string& server);
  // Maintenance, then removed from the backend.
  sim::Status remove_server(const std::string& backend, const std::string& server);
  // 0..256.
  sim::Status set_weight(const std::string& backend, const std::string& server, int weight);
  // Every dynamic server of every backend (BACKEND and FRONTEND rows left out).
  sim::Result<std::vector<ServerStat>> server_stats();

  pid_t pid() const { return process_.pid(); }
  bool running() { return process_.running(); }
  const std::string& exit_description() const { return process_.exit_description(); }
  const std::filesystem::path& socket_path() const { return socket_; }
  const BackendSettings* backend(const std::string& name) const;

 private:
  Haproxy(ChildProcess process, std::filesystem::path socket, std::vector<BackendSettings> backends)
      : process_(std::move(process)), socket_(std::move(socket)), backends_(std::move(backends)) {}
  // A command whose success is an empty reply (or one of `accepted`); any other text is an error.
  sim::Status expect(const std::string& command, const std::vector<std::string>& accepted = {});

  ChildProcess process_;
  std::filesystem::path socket_;
  std::vector<BackendSettings> backends_;
};

// The configuration HAProxy is started with (exposed for tests).
std::string haproxy_config(const std::filesystem::path& socket, const std::vector<BackendSettings>& backends);

// Parses `show stat` CSV output into server rows. Errors: no header line.
sim::Result<std::vector<ServerStat>> parse_show_stat(const std::string& csv);

}  // namespace deploysim::providers::local
