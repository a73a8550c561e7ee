// ChildProcess: one program the real provider started, by argv (never through a shell), with its
// output appended to a log file. A child dies with the provider: it is killed if the process that
// started it exits without stopping it (a crash of deploysim leaves no orphan instances), and
// the destructor kills one still running. Stopping is polite first: SIGTERM, then SIGKILL once a
// grace period has passed.
#pragma once

#include <sys/types.h>

#include <chrono>
#include <filesystem>
#include <optional>
#include <string>
#include <vector>

#include "sim/kernel/result.h"

namespace deploysim::providers::local {

class ChildProcess {
 public:
  // Starts argv[0] (a path, or a name looked up in PATH) with these arguments, stdin from
  // /dev/null and stdout and stderr appended to `log`. Errors: the program cannot be found or
  // run, or the log cannot be opened; the message names the program.
  static sim::Result<ChildProcess> start(const std::vector<std::string>& argv, const std::filesystem::path& log);

  ChildProcess() = default;
  ChildProcess(ChildProcess&& other) noexcept;
  ChildProcess& operator=(ChildProcess&& other) noexcept;
  ChildProcess(const ChildProcess&) = delete;
  ChildProcess& operator=(const ChildProcess&) = delete;
  ~ChildProcess();  // kills and reaps a child still running

  pid_t pid() const { return pid_; }
  // True until the child has exited and been reaped.
  bool running();
  // How it ended, once it has ("exit status 0", "killed by signal 9"); empty while running.
  const std::string& exit_description() const { return exit_; }
  // Whether it ended by SIGKILL or a non-zero status it was not asked for (set once reaped).
  bool exited_cleanly() const { return clean_; }

  // Sends SIGTERM (once); the child should stop on its own.
  void request_stop();
  // Sends SIGKILL now.
  void kill_now();
  // Waits up to `limit` for the child to exit on its own, then kills it; blocks until reaped.
  void wait(std::chrono::milliseconds limit);
  // SIGTERM, then SIGKILL if the child is still running after `grace`; blocks until reaped.
  void stop(std::chrono::milliseconds grace);

 private:
  void reaped(int status);

  pid_t pid_ = -1;
  bool exited_ = true;
  bool term_sent_ = false;
  bool clean_ = true;
  std::string exit_;
};

// A TCP port on 127.0.0.1 that nothing listens on right now (bound and released at once).
// Errors: no socket could be bound.
sim::Result<int> free_loopback_port();

// Whether something accepts TCP connections on 127.0.0.1:port.
bool loopback_port_open(int port);

}  // namespace deploysim::providers::local
