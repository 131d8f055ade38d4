// The three real binaries on loopback (several replicas of each service if
// asked: the production topology), each on a port it chose itself (port 0,
// learned from its "listening on ... (port N)" log line, and kept across
// restarts), against a MariaDB
// (the CTest fixture's, or a private one): each service with its own schema,
// its own MySQL user with SELECT, INSERT and UPDATE on that schema only, and
// a migration user for the schema changes at start-up. Coordinators
// re-drive PENDING orders older than 1.5 s. Any process can be killed with
// SIGKILL and started again with the same flags (chaos tests). Stopped
// (SIGTERM) when destroyed.
#pragma once

#include <sys/types.h>

#include <functional>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include <grpcpp/security/credentials.h>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "audit/stock_audit.h"
#include "order/v1/order.grpc.pb.h"
#include "tests/storage/mysql_test_database.h"

namespace order_saga::testing {

class LocalStack {
 public:
  struct Options {
    // The MariaDB to use; default: the CTest fixture's.
    std::string mysql_socket = MysqlTestDatabase::Socket();
    // Coordinators, all against the same two services, all sweeping.
    int coordinators = 1;
    // Replicas of each service, all on the same schema; the coordinators
    // balance over them (an ipv4:host:port,host:port target, round_robin).
    int inventory_replicas = 1;
    int order_replicas = 1;
    // If set, the coordinators' target for a service, made from its
    // replicas' addresses (a test puts a proxy in between, say).
    std::function<std::string(const std::vector<std::string>& replicas)> inventory_target;
    std::function<std::string(const std::vector<std::string>& replicas)> order_target;
    // Extra flags for every coordinator, and for the order service.
    std::vector<std::string> coordinator_flags;
    std::vector<std::string> order_service_flags;
    // More flags for coordinator i only (a clock offset, say).
    std::vector<std::vector<std::string>> per_coordinator_flags;
    // TLS everywhere, with the certificates scripts/tls-certs makes in
    // tls_dir() (untrusted/ too): the services require client certificates
    // and accept only saga-coordinator and operator.
    bool tls = false;
    // Non-empty: every server verifies bearer tokens signed with this key
    // (--auth_token_key_file, a file in the stack's own folder).
    std::string auth_key;
    // Log file names get this prefix; default: the running test's name.
    std::string log_prefix;
    // Also start the HTTP gateway (http_gateway) in front of coordinator 0,
    // order replica 0 and inventory replica 0, with the stack's token key,
    // serving web/ of the checkout; plus these flags.
    bool gateway = false;
    std::vector<std::string> gateway_flags;
  };
  enum class Role { kInventory, kOrders, kCoordinator, kGateway };

  static absl::StatusOr<std::unique_ptr<LocalStack>> Start(Options options);
  static absl::StatusOr<std::unique_ptr<LocalStack>> Start() { return Start(Options()); }
  // Sends SIGTERM to every server; OK if each exits with status 0 within
  // `timeout` (those that do not are killed).
  absl::Status Stop(absl::Duration timeout = absl::Seconds(15));
  // Stops the servers and removes the stack's folder (certificates, key).
  ~LocalStack();

  // SIGKILL, then reaps it. `index` picks a coordinator or a replica.
  absl::Status Kill(Role role, int index = 0);
  // Sends `signal` to a running process, without waiting.
  absl::Status Signal(Role role, int index, int signal);
  // Waits up to `timeout` for a signalled process to end; its exit code
  // (-1 if a signal ended it). DEADLINE_EXCEEDED if it is still running.
  absl::StatusOr<int> WaitForExit(Role role, int index, absl::Duration timeout);
  // Starts a killed process again with the same flags; waits until SERVING
  // if `wait` (a service whose database is down stays NOT_SERVING).
  absl::Status Restart(Role role, int index = 0, bool wait = true);

  std::string saga_address(int index = 0) const { return Address(coordinators_[index].port); }
  std::string order_address(int replica = 0) const { return Address(orders_[replica].port); }
  std::string inventory_address(int replica = 0) const {
    return Address(inventories_[replica].port);
  }
  // The HTTP gateway, with Options::gateway ("127.0.0.1:PORT").
  std::string gateway_address() const { return Address(gateways_.at(0).port); }
  std::string gateway_metrics_address() const { return Address(gateways_.at(0).metrics_port); }
  // Where each server serves its Prometheus metrics (GET /metrics).
  std::string saga_metrics_address(int index = 0) const {
    return Address(coordinators_[index].metrics_port);
  }
  std::string order_metrics_address(int replica = 0) const {
    return Address(orders_[replica].metrics_port);
  }
  std::string inventory_metrics_address(int replica = 0) const {
    return Address(inventories_[replica].metrics_port);
  }
  // The process id of a running server (0 if it is not running).
  pid_t pid(Role role, int index = 0) const;
  // The inventory service's schema, for tests that provoke database states
  // (a row lock held from another session, say).
  MysqlTestDatabase& inventory_database() { return *inventory_db_; }
  MysqlTestDatabase& orders_database() { return *orders_db_; }
  // What a test client presents: the operator's certificate with TLS,
  // plaintext otherwise.
  std::shared_ptr<grpc::ChannelCredentials> credentials() const;
  // The scripts/tls-certs folder with Options::tls; empty otherwise.
  const std::string& tls_dir() const { return tls_dir_; }
  // An admin's bearer token with authentication on; empty otherwise.
  const std::string& admin_token() const { return admin_token_; }
  // The log file of a process (appended to across restarts).
  std::string LogPath(Role role, int index = 0) const;
  // The port N of the last "<what> ... (port N)" line of a process's log
  // ("plaintext health checks on", say); NOT_FOUND if there is none.
  absl::StatusOr<int> LoggedPort(Role role, int index, const std::string& what) const;

 private:
  struct Process {
    std::string binary;
    std::vector<std::string> args;
    std::string log;
    pid_t pid = 0;
    // Where the log stood when the process was last started.
    int64_t log_offset = 0;
    // Learned from the log once started (0 until then); the args then name
    // them, so that a restart binds the same ports.
    int port = 0;
    int metrics_port = 0;
  };

  LocalStack() = default;
  static std::string Address(int port) { return "127.0.0.1:" + std::to_string(port); }
  Process* Find(Role role, int index);
  const Process* Find(Role role, int index) const;
  absl::Status Spawn(Process& process, bool truncate_log);
  // Starts the services, then the coordinators (whose targets name the
  // services' ports), each on ports it chooses, and waits until each is
  // SERVING.
  // The DSNs: (service user, migration user) of each schema.
  absl::Status Launch(const Options& options,
                      const std::pair<std::string, std::string>& orders_dsn,
                      const std::pair<std::string, std::string>& inventory_dsn);
  // OK while `process` runs; UNAVAILABLE with its log's end once it exited
  // (before `before`: "serving", say).
  absl::Status StillRunning(Process& process, const char* before);
  // Waits until `process` logs the ports it listens on, records them and
  // puts them in its args; UNAVAILABLE at once if it exits.
  absl::Status LearnPorts(Process& process, absl::Duration timeout);
  // Waits until `process` answers SERVING; UNAVAILABLE at once if it exits.
  absl::Status WaitUntilServing(Process& process, absl::Duration timeout);
  void KillAll();

  std::vector<Process*> AllProcesses();

  std::unique_ptr<MysqlTestDatabase> orders_db_, inventory_db_;
  std::vector<Process> inventories_, orders_;
  std::vector<Process> coordinators_;
  std::vector<Process> gateways_;
  std::vector<std::string> coordinator_extra_flags_;
  std::shared_ptr<grpc::ChannelCredentials> credentials_;
  std::string admin_token_;
  std::string work_dir_;  // a private folder under /tmp, if needed
  std::string tls_dir_;
};

// Reads both services of `stack` and audits them; PENDING orders older than
// `recovery_window` are violations.
absl::StatusOr<audit::AuditReport> AuditStack(
    const LocalStack& stack, absl::Duration recovery_window,
    const std::map<int64_t, int64_t>& expected_supplied = {});

// The order counts, read through order replica 0 once nothing is PENDING
// any more, or as they stand when `timeout` has passed.
order::v1::CountOrdersResponse CountOrdersOnceNothingPending(const LocalStack& stack,
                                                             absl::Duration timeout);


// Waits until `address` answers SERVING on the health service.
absl::Status WaitUntilServing(const std::string& address, absl::Duration timeout);

// The health status `address` reports now: true if SERVING; an error if it
// does not answer.
absl::StatusOr<bool> IsServing(const std::string& address,
                               std::shared_ptr<grpc::ChannelCredentials> credentials = nullptr);

// TLS credentials from a scripts/tls-certs folder: trusting `ca_dir`'s CA
// (default: the folder's own) and presenting `identity`'s certificate
// (none if empty).
std::shared_ptr<grpc::ChannelCredentials> TlsCredentials(const std::string& tls_dir,
                                                        const std::string& identity,
                                                        const std::string& ca_dir = "");

}  // namespace order_saga::testing
