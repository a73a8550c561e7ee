// Starting, watching and stopping child processes (process.h).
#include "providers/local/process.h"

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <thread>
#include <utility>

namespace deploysim::providers::local {
namespace {

// The program argv[0] names: itself when it holds a slash, else the first executable in PATH.
std::string resolve(const std::string& program) {
  if (program.find('/') != std::string::npos) return program;
  const char* path = std::getenv("PATH");
  std::string dirs = path != nullptr ? path : "/usr/local/bin:/usr/bin:/bin";
  size_t from = 0;
  while (from <= dirs.size()) {
    size_t to = dirs.find(':', from);
    if (to == std::string::npos) to = dirs.size();
    std::string candidate = (to > from ? dirs.substr(from, to - from) : ".") + "/" + program;
    if (access(candidate.c_str(), X_OK) == 0) return candidate;
    from = to + 1;
  }
  return "";
}

}  // namespace

sim::Result<ChildProcess> ChildProcess::start(const std::vector<std::string>& argv, const std::filesystem::path& log) {
  if (argv.empty() || argv[0].empty()) return sim::invalid_argument("no program to start");
  const std::string program = resolve(argv[0]);
  if (program.empty()) return sim::invalid_argument("cannot start " + argv[0] + ": not found in PATH");
  const int log_fd = open(log.c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0600);
  if (log_fd < 0) return sim::io_error("cannot open log " + log.string() + ": " + std::strerror(errno));
  // exec's failure reaches the parent through this pipe; a successful exec closes it empty.
  int report[2];
  if (pipe2(report, O_CLOEXEC) != 0) {
    close(log_fd);
    return sim::io_error(std::string("pipe: ") + std::strerror(errno));
  }
  // Everything the child needs is built before fork: between fork and exec only async-signal-safe
  // calls are allowed (the provider has other threads).
  std::vector<char*> args;
  for (const std::string& a : argv) args.push_back(const_cast<char*>(a.c_str()));
  args.push_back(nullptr);
  const pid_t parent = getpid();
  const pid_t pid = fork();
  if (pid < 0) {
    const int e = errno;
    close(log_fd);
    close(report[0]);
    close(report[1]);
    return sim::io_error("cannot start " + argv[0] + ": fork: " + std::strerror(e));
  }
  if (pid == 0) {
    // Die with the provider, even when it is killed; and leave its process group, so a Ctrl-C at
    // the terminal reaches only deploysim, which then stops its children in order.
    prctl(PR_SET_PDEATHSIG, SIGKILL);
    if (getppid() != parent) _exit(127);
    setpgid(0, 0);
    const int null_fd = open("/dev/null", O_RDONLY | O_CLOEXEC);  // dup2's copy is inherited
    if (null_fd >= 0) dup2(null_fd, 0);
    dup2(log_fd, 1);
    dup2(log_fd, 2);
    execv(program.c_str(), args.data());
    const int e = errno;
    ssize_t ignored = write(report[1], &e, sizeof e);
    (void)ignored;
    _exit(127);
  }
  setpgid(pid, pid);  // also here: a Ctrl-C right after fork must not reach the child
  close(log_fd);
  close(report[1]);
  int exec_errno = 0;
  ssize_t n;
  do {
    n = read(report[0], &exec_errno, sizeof exec_errno);
  } while (n < 0 && errno == EINTR);
  close(report[0]);
  if (n > 0) {
    waitpid(pid, nullptr, 0);
    return sim::invalid_argument("cannot start " + program + ": " + std::strerror(exec_errno));
  }
  ChildProcess child;
  child.pid_ = pid;
  child.exited_ = false;
  return child;
}

ChildProcess::ChildProcess(ChildProcess&& other) noexcept { *this = std::move(other); }

ChildProcess& ChildProcess::operator=(ChildProcess&& other) noexcept {
  if (this != &other) {
    if (!exited_) stop(std::chrono::milliseconds(0));
    pid_ = std::exchange(other.pid_, -1);
    exited_ = std::exchange(other.exited_, true);
    term_sent_ = other.term_sent_;
    clean_ = other.clean_;
    exit_ = std::move(other.exit_);
  }
  return *this;
}

ChildProcess::~ChildProcess() {
  if (!exited_) stop(std::chrono::milliseconds(0));
}

void ChildProcess::reaped(int status) {
  exited_ = true;
  if (WIFEXITED(status)) {
    exit_ = "exit status " + std::to_string(WEXITSTATUS(status));
    clean_ = WEXITSTATUS(status) == 0;
  } else if (WIFSIGNALED(status)) {
    exit_ = "killed by signal " + std::to_string(WTERMSIG(status));
    clean_ = term_sent_ && WTERMSIG(status) == SIGTERM;
  }
}

bool ChildProcess::running() {
  if (exited_) return false;
  int status = 0;
  const pid_t r = waitpid(pid_, &status, WNOHANG);
  if (r == pid_) reaped(status);
  if (r < 0 && errno == ECHILD) {
    exited_ = true;
    exit_ = "gone";
  }
  return !exited_;
}

void ChildProcess::request_stop() {
  if (exited_ || term_sent_) return;
  term_sent_ = true;
  kill(pid_, SIGTERM);
}

void ChildProcess::kill_now() {
  if (!exited_) kill(pid_, SIGKILL);
}

void ChildProcess::wait(std::chrono::milliseconds limit) {
  const auto deadline = std::chrono::steady_clock::now() + limit;
  while (running() && std::chrono::steady_clock::now() < deadline) {
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
  stop(std::chrono::milliseconds(0));
}

void ChildProcess::stop(std::chrono::milliseconds grace) {
  if (!running()) return;
  if (grace.count() > 0) {
    request_stop();
    const auto deadline = std::chrono::steady_clock::now() + grace;
    while (running() && std::chrono::steady_clock::now() < deadline) {
      std::this_thread::sleep_for(std::chrono::milliseconds(5));
    }
  }
  if (exited_) return;
  kill(pid_, SIGKILL);
  int status = 0;
  while (waitpid(pid_, &status, 0) < 0 && errno == EINTR) {
  }
  reaped(status);
}

sim::Result<int> free_loopback_port() {
  const int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0) return sim::io_error(std::string("socket: ") + std::strerror(errno));
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  addr.sin_port = 0;
  socklen_t len = sizeof addr;
  if (bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0 ||
      getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len) != 0) {
    const int e = errno;
    close(fd);
    return sim::io_error(std::string("cannot bind a loopback port: ") + std::strerror(e));
  }
  close(fd);
  return static_cast<int>(ntohs(addr.sin_port));
}

bool loopback_port_open(int port) {
  const int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0) return false;
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  addr.sin_port = htons(static_cast<uint16_t>(port));
  const bool open = connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) == 0;
  close(fd);
  return open;
}

}  // namespace deploysim::providers::local
