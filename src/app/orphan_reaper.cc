#include "app/orphan_reaper.h"

#include <sys/wait.h>
#include <unistd.h>

#include <csignal>
#include <filesystem>
#include <fstream>

#include "observability/log.h"

namespace sts::app {
namespace {

// Children are listed per thread: each thread's own, and for the main thread the
// orphans handed to PID 1. Returns how many were reaped.
int reap_orphans() {
  int reaped = 0;
  std::error_code error;
  for (const auto& task : std::filesystem::directory_iterator("/proc/self/task", error)) {
    std::ifstream children(task.path() / "children");
    for (pid_t pid = 0; children >> pid;) {
      if (::getpgid(pid) == pid) continue;
      if (::waitpid(pid, nullptr, WNOHANG) == pid) ++reaped;
    }
  }
  return reaped;
}

}  // namespace

OrphanReaper::OrphanReaper(boost::asio::io_context& io) : signals_(io) {
  if (::getpid() != 1) return;
  signals_.add(SIGCHLD);
  observability::log_info("running as PID 1: reaping orphaned processes");
  wait_for_child();
}

void OrphanReaper::wait_for_child() {
  signals_.async_wait([this](boost::system::error_code ec, int) {
    if (ec) return;
    if (const int reaped = reap_orphans(); reaped > 0) {
      observability::log_debug("orphaned processes reaped", {{"count", reaped}});
    }
    wait_for_child();
  });
}

}  // namespace sts::app
