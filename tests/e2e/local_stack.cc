#include "tests/e2e/local_stack.h"

#include <fcntl.h>
#include <netinet/in.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <grpcpp/grpcpp.h>

#include "absl/strings/str_cat.h"
#include "audit/audit_snapshot.h"
#include "absl/time/clock.h"
#include "grpc/health/v1/health.grpc.pb.h"

namespace order_saga::testing {
namespace {

// Creates a user with rights on `database`'s schema only; returns its DSN.
absl::StatusOr<std::string> CreateServiceUser(MysqlTestDatabase& database) {
  const std::string user = database.schema();
  const std::string password = "pw_" + user;
  for (const std::string& sql :
       {absl::StrCat("CREATE USER '", user, "'@'localhost' IDENTIFIED BY '", password, "'"),
        absl::StrCat("GRANT ALL PRIVILEGES ON `", user, "`.* TO '", user, "'@'localhost'")}) {
    if (absl::Status status = database.Execute(sql); !status.ok()) return status;
  }
  return absl::StrCat("mysql://", user, ":", password, "@localhost/", user,
                      "?socket=", MysqlTestDatabase::Socket());
}

}  // namespace

absl::StatusOr<audit::AuditReport> AuditStack(
    const LocalStack& stack, absl::Duration recovery_window,
    const std::map<int64_t, int64_t>& expected_supplied) {
  absl::StatusOr<audit::Snapshot> snapshot = audit::ReadSnapshot(
      grpc::CreateChannel(stack.order_address(), grpc::InsecureChannelCredentials()),
      grpc::CreateChannel(stack.inventory_address(), grpc::InsecureChannelCredentials()));
  if (!snapshot.ok()) return snapshot.status();
  audit::AuditOptions options;
  options.recovery_window = recovery_window;
  options.expected_supplied = expected_supplied;
  return audit::AuditStock(*snapshot, options);
}

int FreePort() {
  int fd = socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  bind(fd, reinterpret_cast<sockaddr*>(&address), sizeof(address));
  socklen_t length = sizeof(address);
  getsockname(fd, reinterpret_cast<sockaddr*>(&address), &length);
  close(fd);
  return ntohs(address.sin_port);
}

absl::Status WaitUntilServing(const std::string& address, absl::Duration timeout) {
  auto stub = grpc::health::v1::Health::NewStub(
      grpc::CreateChannel(address, grpc::InsecureChannelCredentials()));
  const absl::Time deadline = absl::Now() + timeout;
  while (absl::Now() < deadline) {
    grpc::ClientContext context;
    context.set_deadline(absl::ToChronoTime(absl::Now() + absl::Milliseconds(500)));
    grpc::health::v1::HealthCheckRequest request;
    grpc::health::v1::HealthCheckResponse response;
    if (stub->Check(&context, request, &response).ok() &&
        response.status() == grpc::health::v1::HealthCheckResponse::SERVING) {
      return absl::OkStatus();
    }
    absl::SleepFor(absl::Milliseconds(50));
  }
  return absl::DeadlineExceededError(absl::StrCat(address, " did not become SERVING"));
}

absl::Status LocalStack::Spawn(const std::string& binary, const std::vector<std::string>& args,
                               const std::string& log_name) {
  const std::string log = absl::StrCat(E2E_LOG_DIR, "/", log_name, ".log");
  pid_t pid = fork();
  if (pid < 0) return absl::InternalError("fork failed");
  if (pid == 0) {
    int fd = open(log.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
    dup2(fd, 1);
    dup2(fd, 2);
    std::vector<char*> argv;
    argv.push_back(const_cast<char*>(binary.c_str()));
    for (const std::string& arg : args) argv.push_back(const_cast<char*>(arg.c_str()));
    argv.push_back(nullptr);
    execv(binary.c_str(), argv.data());
    _exit(127);
  }
  children_.push_back(pid);
  return absl::OkStatus();
}

absl::StatusOr<std::unique_ptr<LocalStack>> LocalStack::Start() {
  std::unique_ptr<LocalStack> stack(new LocalStack());
  // Empty migration lists: each service applies its own schema at start-up.
  absl::StatusOr<std::unique_ptr<MysqlTestDatabase>> orders =
      MysqlTestDatabase::Create("e2e_orders", {});
  if (!orders.ok()) return orders.status();
  stack->orders_db_ = *std::move(orders);
  absl::StatusOr<std::unique_ptr<MysqlTestDatabase>> inventory =
      MysqlTestDatabase::Create("e2e_inventory", {});
  if (!inventory.ok()) return inventory.status();
  stack->inventory_db_ = *std::move(inventory);
  absl::StatusOr<std::string> orders_dsn = CreateServiceUser(*stack->orders_db_);
  if (!orders_dsn.ok()) return orders_dsn.status();
  absl::StatusOr<std::string> inventory_dsn = CreateServiceUser(*stack->inventory_db_);
  if (!inventory_dsn.ok()) return inventory_dsn.status();

  stack->inventory_port_ = FreePort();
  stack->order_port_ = FreePort();
  stack->saga_port_ = FreePort();
  absl::Status spawned = stack->Spawn(
      INVENTORY_SERVICE_BINARY,
      {"--listen_address=" + stack->inventory_address(), "--mysql_dsn=" + *inventory_dsn},
      "inventory_service");
  if (spawned.ok()) {
    spawned = stack->Spawn(
        ORDER_SERVICE_BINARY,
        {"--listen_address=" + stack->order_address(), "--mysql_dsn=" + *orders_dsn},
        "order_service");
  }
  if (spawned.ok()) {
    spawned = stack->Spawn(SAGA_COORDINATOR_BINARY,
                           {"--listen_address=" + stack->saga_address(),
                            "--order_service_address=" + stack->order_address(),
                            "--inventory_service_address=" + stack->inventory_address(),
                            // Recovery quickly enough for a test to watch it.
                            "--recovery_age_ms=1500", "--recovery_interval_ms=200"},
                           "saga_coordinator");
  }
  if (!spawned.ok()) return spawned;
  for (const std::string& address :
       {stack->inventory_address(), stack->order_address(), stack->saga_address()}) {
    if (absl::Status up = WaitUntilServing(address, absl::Seconds(30)); !up.ok()) return up;
  }
  return stack;
}

absl::Status LocalStack::Stop(absl::Duration timeout) {
  for (pid_t pid : children_) kill(pid, SIGTERM);
  absl::Status result;
  const absl::Time deadline = absl::Now() + timeout;
  for (pid_t pid : children_) {
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
  children_.clear();
  return result;
}

}  // namespace order_saga::testing
