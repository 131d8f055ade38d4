#include "tests/e2e/local_stack.h"

#include <fcntl.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdlib>
#include <deque>
#include <filesystem>
#include <sstream>
#include <fstream>
#include <iostream>

#include <grpcpp/grpcpp.h>
#include <gtest/gtest.h>

#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/strip.h"
#include "absl/strings/str_replace.h"
#include "audit/audit_snapshot.h"
#include "common/auth/authenticator.h"
#include "common/auth/bearer_token_channel.h"
#include "common/grpc_status.h"
#include "common/tls_config.h"
#include "absl/time/clock.h"
#include "grpc/health/v1/health.grpc.pb.h"

namespace order_saga::testing {
namespace {

// Two users of `database`'s schema, as in production: the service's own,
// with SELECT, INSERT and UPDATE only, and a migration user that may change
// the schema. Returns their DSNs (service first).
absl::StatusOr<std::pair<std::string, std::string>> CreateServiceUsers(
    MysqlTestDatabase& database) {
  const std::string user = database.schema();
  const std::string migrator = user + "_mig";
  for (const std::string& sql :
       {absl::StrCat("CREATE USER '", user, "'@'localhost' IDENTIFIED BY 'pw_", user, "'"),
        absl::StrCat("GRANT SELECT, INSERT, UPDATE ON `", user, "`.* TO '", user,
                     "'@'localhost'"),
        absl::StrCat("CREATE USER '", migrator, "'@'localhost' IDENTIFIED BY 'pw_", migrator,
                     "'"),
        absl::StrCat("GRANT ALL PRIVILEGES ON `", user, "`.* TO '", migrator, "'@'localhost'")}) {
    if (absl::Status status = database.Execute(sql); !status.ok()) return status;
  }
  auto dsn = [&](const std::string& name) {
    return absl::StrCat("mysql://", name, ":pw_", name, "@localhost/", user,
                        "?socket=", database.socket());
  };
  return std::make_pair(dsn(user), dsn(migrator));
}

}  // namespace

absl::StatusOr<audit::AuditReport> AuditStack(
    const LocalStack& stack, absl::Duration recovery_window,
    const std::map<int64_t, int64_t>& expected_supplied) {
  absl::StatusOr<audit::Snapshot> snapshot = audit::ReadSnapshot(
      CreateChannelWithToken(stack.order_address(), stack.credentials(), stack.admin_token()),
      CreateChannelWithToken(stack.inventory_address(), stack.credentials(),
                             stack.admin_token()));
  if (!snapshot.ok()) return snapshot.status();
  audit::AuditOptions options;
  options.recovery_window = recovery_window;
  options.expected_supplied = expected_supplied;
  return audit::AuditStock(*snapshot, options);
}

order::v1::CountOrdersResponse CountOrdersOnceNothingPending(const LocalStack& stack,
                                                             absl::Duration timeout) {
  auto orders = order::v1::OrderService::NewStub(CreateChannelWithToken(
      stack.order_address(), stack.credentials(), stack.admin_token()));
  order::v1::CountOrdersResponse counted;
  const absl::Time give_up = absl::Now() + timeout;
  while (true) {
    order::v1::CountOrdersRequest count;
    grpc::ClientContext context;
    context.set_deadline(absl::ToChronoTime(absl::Now() + absl::Seconds(10)));
    order::v1::CountOrdersResponse now;
    if (orders->CountOrders(&context, count, &now).ok()) {
      counted = now;
      if (counted.pending() == 0) return counted;
    }
    if (absl::Now() >= give_up) return counted;
    absl::SleepFor(absl::Milliseconds(200));
  }
}

absl::StatusOr<bool> IsServing(const std::string& address,
                               std::shared_ptr<grpc::ChannelCredentials> credentials) {
  auto stub = grpc::health::v1::Health::NewStub(grpc::CreateChannel(
      address, credentials ? credentials : grpc::InsecureChannelCredentials()));
  grpc::ClientContext context;
  context.set_deadline(absl::ToChronoTime(absl::Now() + absl::Milliseconds(500)));
  grpc::health::v1::HealthCheckRequest request;
  grpc::health::v1::HealthCheckResponse response;
  grpc::Status status = stub->Check(&context, request, &response);
  if (!status.ok()) return FromGrpcStatus(status);
  return response.status() == grpc::health::v1::HealthCheckResponse::SERVING;
}

absl::Status WaitUntilServing(const std::string& address, absl::Duration timeout) {
  const absl::Time deadline = absl::Now() + timeout;
  while (absl::Now() < deadline) {
    absl::StatusOr<bool> serving = IsServing(address);
    if (serving.ok() && *serving) return absl::OkStatus();
    absl::SleepFor(absl::Milliseconds(50));
  }
  return absl::DeadlineExceededError(absl::StrCat(address, " did not become SERVING"));
}

namespace {

// The last lines of a server's log, for an error message.
std::string LogTail(const std::string& path) {
  std::ifstream file(path);
  std::deque<std::string> lines;
  for (std::string line; std::getline(file, line);) {
    lines.push_back(line);
    if (lines.size() > 5) lines.pop_front();
  }
  return absl::StrJoin(lines, "\n");
}

// The N of the last line of `path` (from byte `offset` on) that contains
// `what` and ends in "(port N)"; 0 if there is none yet.
int LastLoggedPort(const std::string& path, const std::string& what, int64_t offset = 0) {
  std::ifstream file(path);
  file.seekg(offset);
  int port = 0;
  for (std::string line; std::getline(file, line);) {
    if (line.find(what) == std::string::npos) continue;
    const size_t at = line.rfind("(port ");
    if (at == std::string::npos) continue;
    // A line still being written ("(port 4") does not count.
    absl::string_view number = absl::string_view(line).substr(at + 6);
    int parsed = 0;
    if (absl::ConsumeSuffix(&number, ")") && absl::SimpleAtoi(number, &parsed)) port = parsed;
  }
  return port;
}

// `args` with the value of --flag_name replaced by 127.0.0.1:`port`.
void SetPortFlag(std::vector<std::string>& args, const std::string& flag_name, int port) {
  const std::string prefix = "--" + flag_name + "=";
  for (std::string& arg : args) {
    if (absl::StartsWith(arg, prefix)) arg = absl::StrCat(prefix, "127.0.0.1:", port);
  }
}

}  // namespace

absl::StatusOr<int> LocalStack::LoggedPort(Role role, int index, const std::string& what) const {
  const Process* process = Find(role, index);
  if (process == nullptr) return absl::NotFoundError("no such process");
  const int port = LastLoggedPort(process->log, what);
  if (port == 0) return absl::NotFoundError(absl::StrCat("no '", what, "' line with a port"));
  return port;
}

absl::Status LocalStack::StillRunning(Process& process, const char* before) {
  int status = 0;
  if (waitpid(process.pid, &status, WNOHANG) != process.pid) return absl::OkStatus();
  process.pid = 0;
  return absl::UnavailableError(absl::StrCat(process.binary, " exited (status ", status,
                                             ") before ", before, "; its log ends:\n",
                                             LogTail(process.log)));
}

absl::Status LocalStack::LearnPorts(Process& process, absl::Duration timeout) {
  const absl::Time deadline = absl::Now() + timeout;
  while (absl::Now() < deadline) {
    if (absl::Status running = StillRunning(process, "listening"); !running.ok()) return running;
    const int port = LastLoggedPort(process.log, "listening on ", process.log_offset);
    if (port != 0) {
      process.port = port;
      process.metrics_port = LastLoggedPort(process.log, "metrics on ", process.log_offset);
      SetPortFlag(process.args, "listen_address", process.port);
      if (process.metrics_port != 0) {
        SetPortFlag(process.args, "metrics_address", process.metrics_port);
      }
      return absl::OkStatus();
    }
    absl::SleepFor(absl::Milliseconds(20));
  }
  return absl::DeadlineExceededError(absl::StrCat(
      process.binary, " logged no port to listen on; its log ends:\n", LogTail(process.log)));
}

absl::Status LocalStack::Spawn(Process& process, bool truncate_log) {
  // Everything the child needs is built before fork(): between fork and
  // exec a child of this many-threaded process may only make async-signal-
  // safe calls (an allocation could wait for a lock another thread held).
  std::vector<char*> argv;
  argv.push_back(const_cast<char*>(process.binary.c_str()));
  for (const std::string& arg : process.args) argv.push_back(const_cast<char*>(arg.c_str()));
  argv.push_back(nullptr);
  // The log is emptied (or its end noted) here, before the child starts, so
  // that LearnPorts reads only what this run of the process writes.
  if (truncate_log) std::ofstream(process.log, std::ios::trunc);
  std::error_code size_error;
  const uintmax_t size = std::filesystem::file_size(process.log, size_error);
  process.log_offset = size_error ? 0 : static_cast<int64_t>(size);
  const int flags = O_WRONLY | O_CREAT | O_APPEND;
  pid_t pid = fork();
  if (pid < 0) return absl::InternalError("fork failed");
  if (pid == 0) {
    int fd = open(process.log.c_str(), flags, 0644);
    dup2(fd, 1);
    dup2(fd, 2);
    execv(argv[0], argv.data());
    _exit(127);
  }
  process.pid = pid;
  return absl::OkStatus();
}

LocalStack::Process* LocalStack::Find(Role role, int index) {
  return const_cast<Process*>(static_cast<const LocalStack*>(this)->Find(role, index));
}

const LocalStack::Process* LocalStack::Find(Role role, int index) const {
  const std::vector<Process>& processes = role == Role::kInventory ? inventories_
                                          : role == Role::kOrders  ? orders_
                                          : role == Role::kGateway ? gateways_
                                                                   : coordinators_;
  return index >= 0 && index < static_cast<int>(processes.size()) ? &processes[index] : nullptr;
}

pid_t LocalStack::pid(Role role, int index) const {
  const Process* process = Find(role, index);
  return process == nullptr ? 0 : process->pid;
}

std::vector<LocalStack::Process*> LocalStack::AllProcesses() {
  std::vector<Process*> all;
  for (std::vector<Process>* group : {&gateways_, &inventories_, &orders_, &coordinators_}) {
    for (Process& process : *group) all.push_back(&process);
  }
  return all;
}

std::string LocalStack::LogPath(Role role, int index) const {
  const Process* process = Find(role, index);
  return process == nullptr ? "" : process->log;
}

absl::Status LocalStack::Kill(Role role, int index) {
  Process* process = Find(role, index);
  if (process == nullptr || process->pid == 0) {
    return absl::FailedPreconditionError("no such running process");
  }
  kill(process->pid, SIGKILL);
  int status = 0;
  waitpid(process->pid, &status, 0);
  process->pid = 0;
  return absl::OkStatus();
}

absl::Status LocalStack::Signal(Role role, int index, int signal) {
  Process* process = Find(role, index);
  if (process == nullptr || process->pid == 0) {
    return absl::FailedPreconditionError("no such running process");
  }
  kill(process->pid, signal);
  return absl::OkStatus();
}

absl::StatusOr<int> LocalStack::WaitForExit(Role role, int index, absl::Duration timeout) {
  Process* process = Find(role, index);
  if (process == nullptr || process->pid == 0) {
    return absl::FailedPreconditionError("no such running process");
  }
  const absl::Time deadline = absl::Now() + timeout;
  int status = 0;
  while (waitpid(process->pid, &status, WNOHANG) == 0) {
    if (absl::Now() > deadline) {
      return absl::DeadlineExceededError(absl::StrCat("pid ", process->pid, " still running"));
    }
    absl::SleepFor(absl::Milliseconds(20));
  }
  process->pid = 0;
  return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

absl::Status LocalStack::Restart(Role role, int index, bool wait) {
  Process* process = Find(role, index);
  if (process == nullptr || process->pid != 0) {
    return absl::FailedPreconditionError("process is not stopped");
  }
  if (absl::Status spawned = Spawn(*process, /*truncate_log=*/false); !spawned.ok()) {
    return spawned;
  }
  return wait ? WaitUntilServing(*process, absl::Seconds(60)) : absl::OkStatus();
}

absl::Status LocalStack::WaitUntilServing(Process& process, absl::Duration timeout) {
  const absl::Time deadline = absl::Now() + timeout;
  if (process.binary == HTTP_GATEWAY_BINARY) {
    // No gRPC health: it logs its port once it accepts HTTP.
    return LearnPorts(process, timeout);
  }
  while (absl::Now() < deadline) {
    if (absl::Status running = StillRunning(process, "serving"); !running.ok()) return running;
    absl::StatusOr<bool> serving = IsServing(Address(process.port), credentials());
    if (serving.ok() && *serving) return absl::OkStatus();
    absl::SleepFor(absl::Milliseconds(50));
  }
  return absl::DeadlineExceededError(absl::StrCat(
      Address(process.port), " did not become SERVING; its log ends:\n", LogTail(process.log)));
}

std::shared_ptr<grpc::ChannelCredentials> LocalStack::credentials() const {
  return credentials_ ? credentials_ : grpc::InsecureChannelCredentials();
}

std::shared_ptr<grpc::ChannelCredentials> TlsCredentials(const std::string& tls_dir,
                                                        const std::string& identity,
                                                        const std::string& ca_dir) {
  const std::string base = tls_dir + "/" + identity;
  absl::StatusOr<TlsConfig> config =
      TlsConfigFromFiles(identity.empty() ? "" : base + ".pem", identity.empty() ? "" : base + ".key",
                         (ca_dir.empty() ? tls_dir : ca_dir) + "/ca.pem");
  if (!config.ok()) {
    ADD_FAILURE() << config.status();
    return grpc::InsecureChannelCredentials();
  }
  return MakeChannelCredentials(*config);
}

absl::StatusOr<std::unique_ptr<LocalStack>> LocalStack::Start(Options options) {
  std::unique_ptr<LocalStack> stack(new LocalStack());
  if (options.tls || !options.auth_key.empty()) {
    char folder[] = "/tmp/ordersaga-stack-XXXXXX";
    if (mkdtemp(folder) == nullptr) return absl::InternalError("mkdtemp failed");
    stack->work_dir_ = folder;
  }
  if (options.tls) {
    stack->tls_dir_ = stack->work_dir_ + "/tls";
    const int made = std::system(absl::StrCat(PROJECT_SOURCE_DIR, "/scripts/tls-certs ",
                                              stack->tls_dir_, " --untrusted")
                                     .c_str());
    if (made != 0) return absl::InternalError("scripts/tls-certs failed");
    stack->credentials_ = TlsCredentials(stack->tls_dir_, "operator");
  }
  if (!options.auth_key.empty()) {
    std::ofstream(stack->work_dir_ + "/token.key") << options.auth_key;
    stack->admin_token_ = Authenticator(options.auth_key, RealClock())
                              .Mint("e2e-admin", order_saga::Role::kAdmin, absl::Hours(1));
  }
  // Empty migration lists: each service applies its own schema at start-up.
  absl::StatusOr<std::unique_ptr<MysqlTestDatabase>> orders =
      MysqlTestDatabase::Create("e2e_orders", {}, options.mysql_socket);
  if (!orders.ok()) return orders.status();
  stack->orders_db_ = *std::move(orders);
  absl::StatusOr<std::unique_ptr<MysqlTestDatabase>> inventory =
      MysqlTestDatabase::Create("e2e_inventory", {}, options.mysql_socket);
  if (!inventory.ok()) return inventory.status();
  stack->inventory_db_ = *std::move(inventory);
  absl::StatusOr<std::pair<std::string, std::string>> orders_dsn =
      CreateServiceUsers(*stack->orders_db_);
  if (!orders_dsn.ok()) return orders_dsn.status();
  absl::StatusOr<std::pair<std::string, std::string>> inventory_dsn =
      CreateServiceUsers(*stack->inventory_db_);
  if (!inventory_dsn.ok()) return inventory_dsn.status();

  absl::Status launched = stack->Launch(options, *orders_dsn, *inventory_dsn);
  if (!launched.ok()) {
    stack->KillAll();
    return launched;
  }
  return stack;
}

absl::Status LocalStack::Launch(const Options& options,
                                const std::pair<std::string, std::string>& orders_dsn,
                                const std::pair<std::string, std::string>& inventory_dsn) {
  auto log = [&](const std::string& name) {
    std::string prefix = options.log_prefix;
    // Tests run in parallel (ctest runs each in a process of its own, with
    // --gtest_filter naming it): by default each test's logs carry its name,
    // or the filter's for a stack shared by a suite.
    if (prefix.empty()) {
      const ::testing::TestInfo* test = ::testing::UnitTest::GetInstance()->current_test_info();
      const std::string name = test != nullptr ? test->name() : GTEST_FLAG_GET(filter);
      if (name != "*") {
        prefix = absl::StrReplaceAll(absl::StrCat(name, "_"), {{"/", "_"}, {"*", ""}, {":", "_"}});
      }
    }
    return absl::StrCat(E2E_LOG_DIR, "/", prefix, name, ".log");
  };
  inventories_.clear();
  orders_.clear();
  // Port 0 everywhere: each server picks a free port and logs it.
  const std::string any_port = "127.0.0.1:0";
  // Health probes every 200 ms so outages show quickly.
  for (int i = 0; i < options.inventory_replicas; ++i) {
    inventories_.push_back(
        {INVENTORY_SERVICE_BINARY,
         {"--listen_address=" + any_port, "--mysql_dsn=" + inventory_dsn.first,
          "--mysql_migration_dsn=" + inventory_dsn.second, "--mysql_health_interval_ms=200",
          "--metrics_address=" + any_port},
         log(absl::StrCat("inventory_service", i == 0 ? "" : absl::StrCat("_", i)))});
  }
  for (int i = 0; i < options.order_replicas; ++i) {
    orders_.push_back(
        {ORDER_SERVICE_BINARY,
         {"--listen_address=" + any_port, "--mysql_dsn=" + orders_dsn.first,
          "--mysql_migration_dsn=" + orders_dsn.second, "--mysql_health_interval_ms=200",
          "--metrics_address=" + any_port},
         log(absl::StrCat("order_service", i == 0 ? "" : absl::StrCat("_", i)))});
    for (const std::string& flag : options.order_service_flags) orders_.back().args.push_back(flag);
  }
  coordinator_extra_flags_.clear();
  // Every process of a service gets the same flags: `add` for each.
  auto add = [](std::vector<Process>& processes, const std::string& flag) {
    for (Process& process : processes) process.args.push_back(flag);
  };
  if (options.tls) {
    // The services accept only the coordinator and operators (mTLS); the
    // coordinator serves TLS to any client.
    auto tls = [&](const std::string& name, bool participant) {
      std::vector<std::string> flags = {
          absl::StrCat("--tls_cert_file=", tls_dir_, "/", name, ".pem"),
          absl::StrCat("--tls_key_file=", tls_dir_, "/", name, ".key"),
          absl::StrCat("--tls_ca_file=", tls_dir_, "/ca.pem")};
      if (participant) {
        flags.push_back("--tls_require_client_cert");
        flags.push_back("--tls_allowed_peers=saga-coordinator,operator");
      }
      return flags;
    };
    for (const std::string& flag : tls("inventory-service", true)) add(inventories_, flag);
    for (const std::string& flag : tls("order-service", true)) add(orders_, flag);
    for (const std::string& flag : tls("saga-coordinator", false)) {
      coordinator_extra_flags_.push_back(flag);
    }
  }
  if (!options.auth_key.empty()) {
    const std::string flag = "--auth_token_key_file=" + work_dir_ + "/token.key";
    add(inventories_, flag);
    add(orders_, flag);
    coordinator_extra_flags_.push_back(flag);
    if (!options.tls) {
      // Tokens without mutual TLS: the services cannot tell the coordinator
      // from anyone, and refuse to start unless told so explicitly.
      add(inventories_, "--saga_step_callers=*");
      add(orders_, "--saga_step_callers=*");
    }
  }
  // The services first: the coordinators' targets name their ports.
  std::vector<Process*> services;
  for (Process& process : inventories_) services.push_back(&process);
  for (Process& process : orders_) services.push_back(&process);
  for (Process* process : services) {
    if (absl::Status spawned = Spawn(*process, true); !spawned.ok()) return spawned;
  }
  for (Process* process : services) {
    if (absl::Status learned = LearnPorts(*process, absl::Seconds(60)); !learned.ok()) {
      return learned;
    }
  }
  // The coordinators' targets: one address, or every replica's.
  auto target = [](const std::vector<Process>& replicas,
                   const std::function<std::string(const std::vector<std::string>&)>& make) {
    std::vector<std::string> addresses;
    for (const Process& replica : replicas) addresses.push_back(Address(replica.port));
    if (make) return make(addresses);
    if (addresses.size() == 1) return addresses.front();
    return absl::StrCat("ipv4:", absl::StrJoin(addresses, ","));
  };
  const std::string inventory_target = target(inventories_, options.inventory_target);
  const std::string order_target = target(orders_, options.order_target);
  coordinators_.clear();
  for (int i = 0; i < options.coordinators; ++i) {
    Process coordinator{SAGA_COORDINATOR_BINARY,
                        {"--listen_address=" + any_port, "--metrics_address=" + any_port,
                         "--order_service_address=" + order_target,
                         "--inventory_service_address=" + inventory_target,
                         // Recovery quickly enough for a test to watch it.
                         "--recovery_age_ms=1500", "--recovery_interval_ms=200",
                         "--saga_retry_backoff_ms=500", "--saga_max_retry_backoff_ms=2000"},
                        log(absl::StrCat("saga_coordinator", i == 0 ? "" : absl::StrCat("_", i)))};
    for (const std::string& flag : coordinator_extra_flags_) coordinator.args.push_back(flag);
    for (const std::string& flag : options.coordinator_flags) coordinator.args.push_back(flag);
    if (i < static_cast<int>(options.per_coordinator_flags.size())) {
      for (const std::string& flag : options.per_coordinator_flags[i]) {
        coordinator.args.push_back(flag);
      }
    }
    coordinators_.push_back(std::move(coordinator));
  }
  for (Process& process : coordinators_) {
    if (absl::Status spawned = Spawn(process, true); !spawned.ok()) return spawned;
  }
  for (Process& process : coordinators_) {
    if (absl::Status learned = LearnPorts(process, absl::Seconds(60)); !learned.ok()) {
      return learned;
    }
  }
  for (Process* process : AllProcesses()) {
    if (absl::Status up = WaitUntilServing(*process, absl::Seconds(30)); !up.ok()) return up;
  }
  gateways_.clear();
  if (options.gateway) {
    Process gateway{HTTP_GATEWAY_BINARY,
                    {"--listen_address=" + any_port, "--metrics_address=" + any_port,
                     "--coordinator_address=" + Address(coordinators_.at(0).port),
                     "--order_service_address=" + Address(orders_.at(0).port),
                     "--inventory_service_address=" + Address(inventories_.at(0).port),
                     absl::StrCat("--web_root=", PROJECT_SOURCE_DIR, "/web")},
                    log("http_gateway")};
    if (!options.auth_key.empty()) {
      gateway.args.push_back("--auth_token_key_file=" + work_dir_ + "/token.key");
    }
    for (const std::string& flag : options.gateway_flags) gateway.args.push_back(flag);
    gateways_.push_back(std::move(gateway));
    if (absl::Status spawned = Spawn(gateways_.back(), true); !spawned.ok()) return spawned;
    if (absl::Status learned = LearnPorts(gateways_.back(), absl::Seconds(60)); !learned.ok()) {
      return learned;
    }
  }
  return absl::OkStatus();
}

void LocalStack::KillAll() {
  for (Process* process : AllProcesses()) {
    if (process->pid == 0) continue;
    kill(process->pid, SIGKILL);
    waitpid(process->pid, nullptr, 0);
    process->pid = 0;
  }
}

LocalStack::~LocalStack() {
  (void)Stop();
  if (!work_dir_.empty()) std::filesystem::remove_all(work_dir_);
}

absl::Status LocalStack::Stop(absl::Duration timeout) {
  std::vector<Process*> running;
  for (Process* process : AllProcesses()) {
    if (process->pid != 0) running.push_back(process);
  }
  for (Process* process : running) kill(process->pid, SIGTERM);
  absl::Status result;
  const absl::Time deadline = absl::Now() + timeout;
  for (Process* process : running) {
    const pid_t pid = process->pid;
    process->pid = 0;
    int status = 0;
    while (waitpid(pid, &status, WNOHANG) == 0) {
      if (absl::Now() > deadline) {
        kill(pid, SIGKILL);
        waitpid(pid, &status, 0);
        result = absl::DeadlineExceededError(absl::StrCat("pid ", pid, " ignored SIGTERM"));
        break;
      }
      absl::SleepFor(absl::Milliseconds(20));
    }
    if (result.ok() && !(WIFEXITED(status) && WEXITSTATUS(status) == 0)) {
      result = absl::InternalError(absl::StrCat("pid ", pid, " exited with status ", status));
    }
  }
  return result;
}

}  // namespace order_saga::testing
