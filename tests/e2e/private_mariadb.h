// A MariaDB server of the test's own (scripts/mariadb-server in a fresh
// folder under /tmp), so that a test can kill -9 it and start it again without
// disturbing the other tests. Stopped and deleted when destroyed.
#pragma once

#include <memory>
#include <string>

#include "absl/status/statusor.h"

namespace order_saga::testing {

class PrivateMariaDb {
 public:
  // Initialises and starts a server in a fresh folder.
  static absl::StatusOr<std::unique_ptr<PrivateMariaDb>> Start();
  ~PrivateMariaDb();

  std::string socket() const { return dir_ + "/mysqld.sock"; }
  // SIGKILL to mysqld; returns once it is gone.
  absl::Status Kill();
  // Starts it again on the same data (crash recovery runs); waits until it
  // answers.
  absl::Status Restart();

 private:
  explicit PrivateMariaDb(std::string dir) : dir_(std::move(dir)) {}
  absl::Status Script(const std::string& command);

  std::string dir_;
};

}  // namespace order_saga::testing
