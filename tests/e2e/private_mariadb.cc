#include "tests/e2e/private_mariadb.h"

#include <signal.h>
#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>

#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"

namespace order_saga::testing {
namespace {

// True while `pid` exists and is not a zombie (nobody may reap it).
bool Running(pid_t pid) {
  std::ifstream stat(absl::StrCat("/proc/", pid, "/stat"));
  std::string skip, state;
  if (!(stat >> skip >> skip >> state)) return false;
  return state != "Z" && state != "X";
}

}  // namespace

absl::StatusOr<std::unique_ptr<PrivateMariaDb>> PrivateMariaDb::Start() {
  // Under /tmp: a Unix socket path may not exceed 107 bytes.
  char dir[] = "/tmp/ordersaga-db-XXXXXX";
  if (mkdtemp(dir) == nullptr) return absl::InternalError("mkdtemp failed");
  std::unique_ptr<PrivateMariaDb> server(new PrivateMariaDb(dir));
  if (absl::Status started = server->Script("start"); !started.ok()) return started;
  return server;
}

PrivateMariaDb::~PrivateMariaDb() {
  (void)Script("stop");
  std::error_code ignored;
  std::filesystem::remove_all(dir_, ignored);
}

absl::Status PrivateMariaDb::Script(const std::string& command) {
  const std::string line = absl::StrCat(PROJECT_SOURCE_DIR, "/scripts/mariadb-server ",
                                        command, " '", dir_, "'");
  if (std::system(line.c_str()) != 0) {
    return absl::InternalError(absl::StrCat("failed: ", line));
  }
  return absl::OkStatus();
}

absl::Status PrivateMariaDb::Kill() {
  std::ifstream pid_file(dir_ + "/mysqld.pid");
  pid_t pid = 0;
  if (!(pid_file >> pid) || pid <= 0) return absl::FailedPreconditionError("no mysqld.pid");
  kill(pid, SIGKILL);
  const absl::Time deadline = absl::Now() + absl::Seconds(10);
  while (Running(pid)) {
    if (absl::Now() > deadline) return absl::DeadlineExceededError("mysqld survived SIGKILL");
    absl::SleepFor(absl::Milliseconds(10));
  }
  return absl::OkStatus();
}

absl::Status PrivateMariaDb::Restart() { return Script("start"); }

}  // namespace order_saga::testing
