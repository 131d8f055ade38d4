// The three real binaries on loopback, on free ports, against the test
// MariaDB: each service with its own schema and its own MySQL user that has
// rights on that schema only. The coordinator re-drives PENDING orders older
// than 1.5 s. Stopped (SIGTERM) when destroyed.
#pragma once

#include <sys/types.h>

#include <map>
#include <memory>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "audit/stock_audit.h"
#include "tests/storage/mysql_test_database.h"

namespace order_saga::testing {

class LocalStack {
 public:
  static absl::StatusOr<std::unique_ptr<LocalStack>> Start();
  // Sends SIGTERM to every server; OK if each exits with status 0 within
  // `timeout` (those that do not are killed).
  absl::Status Stop(absl::Duration timeout = absl::Seconds(15));
  ~LocalStack() { (void)Stop(); }

  std::string saga_address() const { return Address(saga_port_); }
  std::string order_address() const { return Address(order_port_); }
  std::string inventory_address() const { return Address(inventory_port_); }

 private:
  LocalStack() = default;
  static std::string Address(int port) { return "127.0.0.1:" + std::to_string(port); }
  absl::Status Spawn(const std::string& binary, const std::vector<std::string>& args,
                     const std::string& log_name);

  std::unique_ptr<MysqlTestDatabase> orders_db_, inventory_db_;
  int saga_port_ = 0, order_port_ = 0, inventory_port_ = 0;
  std::vector<pid_t> children_;
};

// Reads both services of `stack` and audits them; PENDING orders older than
// `recovery_window` are violations.
absl::StatusOr<audit::AuditReport> AuditStack(
    const LocalStack& stack, absl::Duration recovery_window,
    const std::map<int64_t, int64_t>& expected_supplied = {});

// A TCP port on 127.0.0.1 that was free a moment ago.
int FreePort();

// Waits until `address` answers SERVING on the health service.
absl::Status WaitUntilServing(const std::string& address, absl::Duration timeout);

}  // namespace order_saga::testing
