// ordersaga_bench: drives the real servers and measures what an order costs.
//
//   ordersaga_bench [--phases=calibrate,calibrate-grpc,uniform,hot,bundle,sellout]
//                   [--duration_s=10] [--concurrency=128] [--rate=0] [--json]
//
// Phases (each on products of its own, so the reference products 1-5 are
// left alone):
//   calibrate  the database's ceiling C_db: autocommitted single-row
//              conditional UPDATEs from --concurrency threads through
//              Connector/C++ (needs --mysql_dsn with CREATE rights)
//   calibrate-grpc  the gRPC ceiling C_grpc: the same client calls, with
//              the same channel options and concurrency, to
//              grpc_ceiling_server (started here: the production server
//              bootstrap, same threading model and interceptors) whose one
//              call answers at once
//   uniform    single-item orders over 10,000 products with ample stock
//   hot        every order takes the same product (ample stock)
//   bundle     the reference bundle shape {A x2, B x1} on ample stock
//   sellout    stock K (--sellout_stock) and twice the demand: exactly
//              K/2 orders of 2 units must be approved
// Closed loop (--concurrency clients back to back) unless --rate > 0: open
// loop at that many orders/s, latency measured from each order's intended
// send time (no coordinated omission). After every order phase the
// invariant audit runs; the tool exits 1 if any audit or the sellout check
// fails. CPU per order sums the server processes (--server_pids, default
// the pid files of scripts/up, MariaDB included; the ceiling server alone
// in calibrate-grpc), and --json also gives it per process, the load
// generator (this process) included; commits, durable redo-log flushes and
// statements sent to MariaDB per order are SHOW GLOBAL STATUS deltas (needs
// --mysql_dsn; statements are MariaDB's global Questions, so the servers'
// background work counts too). Orders/s, latency and the per-order figures
// count answered calls only (approved, rejected or pending); a call that
// fails is an error, counted by its status code, never a served order. The
// servers' work for failed calls is still in the totals, so a phase with
// errors overstates what an answered order costs (scripts/bench warns).
#include <signal.h>
#include <spawn.h>
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <unistd.h>

#include <array>
#include <atomic>
#include <fstream>
#include <iostream>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include <gflags/gflags.h>
#include <grpcpp/grpcpp.h>

#include "absl/status/status.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"
#include "absl/strings/strip.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/clock.h"
#include "audit/audit_snapshot.h"
#include "bench/database_counters.h"
#include "bench/grpc_ceiling.grpc.pb.h"
#include "bench/latency_histogram.h"
#include "bench/server_cpu.h"
#include "common/env_flags.h"
#include "common/grpc_channel.h"
#include "common/mysql/mysql_dsn.h"
#include "inventory/v1/inventory.grpc.pb.h"
#include "saga/v1/saga.grpc.pb.h"

DEFINE_string(saga_address, "127.0.0.1:50051", "saga coordinator host:port");
DEFINE_string(order_address, "127.0.0.1:50052", "order service host:port");
DEFINE_string(inventory_address, "127.0.0.1:50053", "inventory service host:port");
DEFINE_string(mysql_dsn, "",
              "a MariaDB account for calibrate and SHOW GLOBAL STATUS, e.g. "
              "mysql://root@localhost/mysql?socket=.run/mariadb/mysqld.sock; "
              "empty: skip calibrate and the commit counts");
DEFINE_string(phases, "calibrate,calibrate-grpc,uniform,hot,bundle,sellout",
              "phases to run, in order");
DEFINE_string(grpc_ceiling_address, "127.0.0.1:0",
              "calibrate-grpc: where the ceiling server listens (port 0: any free one)");
DEFINE_string(grpc_ceiling_server, "",
              "calibrate-grpc: the grpc_ceiling_server binary (default: next to this one)");
DEFINE_int32(duration_s, 10, "length of each timed phase");
DEFINE_int32(concurrency, 128, "client threads (closed loop) or senders (open loop)");
DEFINE_double(rate, 0, "open loop: orders per second in all; 0 = closed loop");
DEFINE_int32(sellout_stock, 1000, "sellout: units of the product on sale (even)");
DEFINE_int32(uniform_products, 10000, "uniform: how many products the orders spread over");
DEFINE_string(server_pids, "",
              "comma-separated pids whose CPU time is charged to the orders "
              "(default: .run/*.pid of scripts/up, MariaDB included)");
DEFINE_string(server_names, "",
              "with --server_pids: a name for each, comma-separated, for --json's "
              "per-process CPU (default pid<N>)");
DEFINE_bool(json, false, "also print one JSON summary line per phase");

namespace order_saga::bench {
namespace {

constexpr int64_t kAmpleStock = 1'000'000'000;
constexpr int64_t kUniformFirst = 1'000'001;

constexpr int64_t kHotProduct = 2'000'001;
constexpr int64_t kBundleA = 3'000'004, kBundleB = 3'000'005;
constexpr int64_t kSelloutProduct = 4'000'001;

struct PhaseResult {
  std::string phase;
  // orders: calls answered (approved + rejected + pending); errors: calls
  // that failed, also by status code name.
  int64_t orders = 0, approved = 0, rejected = 0, pending = 0, errors = 0;
  std::map<std::string, int64_t> errors_by_code;
  absl::Duration elapsed;
  LatencyHistogram latency;
  absl::Duration cpu;  // the servers', summed
  // CPU time by process over the phase: each server, and "load_generator".
  std::vector<std::pair<std::string, absl::Duration>> cpu_by_process;
  std::optional<DatabaseCounters> db_delta;
  // Commits per unit: explicit COMMITs for orders, autocommitted UPDATEs
  // for calibrate.
  int64_t commits() const {
    return phase == "calibrate" ? db_delta->updates : db_delta->explicit_commits;
  }
  bool is_calibration() const { return phase == "calibrate" || phase == "calibrate-grpc"; }
  bool audit_clean = true;
  bool check_passed = true;
  std::string check;

  double per_second() const { return orders / std::max(1e-9, absl::ToDoubleSeconds(elapsed)); }
};

saga::v1::PlaceOrderRequest Order(std::vector<std::pair<int64_t, int32_t>> items) {
  saga::v1::PlaceOrderRequest request;
  request.set_customer_id("bench");
  for (const auto& [product, quantity] : items) {
    auto* item = request.add_items();
    item->set_product_id(product);
    item->set_quantity(quantity);
  }
  return request;
}

struct ServerProcess {
  std::string name;
  pid_t pid;
};

std::vector<ServerProcess> ServerProcesses() {
  std::vector<ServerProcess> processes;
  if (!FLAGS_server_pids.empty()) {
    std::vector<std::string> names = absl::StrSplit(FLAGS_server_names, ',', absl::SkipEmpty());
    for (absl::string_view text : absl::StrSplit(FLAGS_server_pids, ',', absl::SkipEmpty())) {
      int pid = 0;
      if (!absl::SimpleAtoi(text, &pid)) continue;
      const size_t index = processes.size();
      processes.push_back({index < names.size() ? names[index] : absl::StrCat("pid", pid), pid});
    }
    return processes;
  }
  for (const auto& [name, file] : std::vector<std::pair<const char*, const char*>>{
           {"coordinator", ".run/saga_coordinator.pid"},
           {"order", ".run/order_service.pid"},
           {"inventory", ".run/inventory_service.pid"},
           {"mariadb", ".run/mariadb/mysqld.pid"}}) {
    std::ifstream in(file);
    pid_t pid = 0;
    if (in >> pid) processes.push_back({name, pid});
  }
  return processes;
}

// CPU time of each process, then of this one (the load generator).
std::vector<absl::Duration> CpuTimes(const std::vector<ServerProcess>& processes) {
  std::vector<absl::Duration> times;
  for (const ServerProcess& process : processes) times.push_back(CpuTimeOf({process.pid}));
  times.push_back(CpuTimeOf({getpid()}));
  return times;
}

// Fills `result`'s CPU figures from CpuTimes before and after its phase.
void ChargeCpu(const std::vector<ServerProcess>& processes,
               const std::vector<absl::Duration>& before, PhaseResult& result) {
  const std::vector<absl::Duration> after = CpuTimes(processes);
  result.cpu = absl::ZeroDuration();
  for (size_t i = 0; i < processes.size(); ++i) {
    result.cpu += after[i] - before[i];
    result.cpu_by_process.emplace_back(processes[i].name, after[i] - before[i]);
  }
  result.cpu_by_process.emplace_back("load_generator", after.back() - before.back());
}

// The ceiling server of calibrate-grpc, a child process while it lives.
class CeilingServer {
 public:
  static absl::StatusOr<std::unique_ptr<CeilingServer>> Start() {
    std::string binary = FLAGS_grpc_ceiling_server;
    if (binary.empty()) {
      char self[4096];
      const ssize_t length = readlink("/proc/self/exe", self, sizeof(self) - 1);
      if (length <= 0) return absl::InternalError("cannot find this binary's directory");
      const std::string path(self, length);
      binary = path.substr(0, path.rfind('/') + 1) + "grpc_ceiling_server";
    }
    std::string listen = "--listen_address=" + FLAGS_grpc_ceiling_address;
    std::string no_metrics = "--metrics_address=";
    std::string quiet = "--minloglevel=1";  // its INFO lines would interleave with ours
    std::vector<char*> argv = {binary.data(), listen.data(), no_metrics.data(), quiet.data(),
                               nullptr};
    // Its standard output comes here: "port N" once it serves.
    int out[2];
    if (pipe2(out, O_CLOEXEC) != 0) return absl::InternalError("pipe failed");
    posix_spawn_file_actions_t actions;
    posix_spawn_file_actions_init(&actions);
    posix_spawn_file_actions_adddup2(&actions, out[1], STDOUT_FILENO);
    posix_spawn_file_actions_addclose(&actions, out[0]);
    pid_t pid = 0;
    const int spawned = posix_spawn(&pid, binary.c_str(), &actions, nullptr, argv.data(), environ);
    posix_spawn_file_actions_destroy(&actions);
    close(out[1]);
    if (spawned != 0) {
      close(out[0]);
      return absl::FailedPreconditionError(
          absl::StrCat("cannot start ", binary, " (--grpc_ceiling_server)"));
    }
    std::unique_ptr<CeilingServer> server(new CeilingServer(pid));
    // Its first line, within 10 s (it exits, or never answers: an error).
    std::string line;
    const absl::Time give_up = absl::Now() + absl::Seconds(10);
    for (char c = 0; c != '\n';) {
      pollfd readable{out[0], POLLIN, 0};
      const int wait_ms = static_cast<int>(absl::ToInt64Milliseconds(give_up - absl::Now()));
      if (wait_ms <= 0 || poll(&readable, 1, wait_ms) == 0) break;
      const ssize_t got = read(out[0], &c, 1);
      if (got < 0 && errno == EINTR) continue;
      if (got != 1) break;
      if (c != '\n') line += c;
    }
    close(out[0]);
    absl::string_view announced = line;
    int port = 0;
    if (!absl::ConsumePrefix(&announced, "port ") || !absl::SimpleAtoi(announced, &port)) {
      return absl::UnavailableError(absl::StrCat(binary, " did not start (see its log above)"));
    }
    const std::string host =
        FLAGS_grpc_ceiling_address.substr(0, FLAGS_grpc_ceiling_address.rfind(':'));
    server->stub_ = ordersaga::bench::v1::GrpcCeiling::NewStub(
        CreateServiceChannel(absl::StrCat(host, ":", port)));
    // Up once an Echo is answered (the channel connects lazily).
    for (int attempt = 0; attempt < 100; ++attempt) {
      grpc::ClientContext context;
      context.set_deadline(absl::ToChronoTime(absl::Now() + absl::Milliseconds(100)));
      saga::v1::PlaceOrderRequest request;
      saga::v1::PlaceOrderResponse response;
      if (server->stub_->Echo(&context, request, &response).ok()) return server;
      absl::SleepFor(absl::Milliseconds(50));
    }
    return absl::UnavailableError(
        absl::StrCat(binary, " does not answer on ", FLAGS_grpc_ceiling_address));
  }
  // OK while the server runs; what ended it otherwise.
  absl::Status CheckRunning() {
    int status = 0;
    if (waitpid(pid_, &status, WNOHANG) != pid_) return absl::OkStatus();
    exited_ = true;
    return absl::UnavailableError(absl::StrCat(
        "grpc_ceiling_server ended during the phase (",
        WIFSIGNALED(status) ? absl::StrCat("signal ", WTERMSIG(status))
                            : absl::StrCat("exit ", WEXITSTATUS(status)),
        ")"));
  }
  // SIGTERM, then SIGKILL if it has not exited within 10 s.
  ~CeilingServer() {
    if (exited_) return;
    kill(pid_, SIGTERM);
    int status = 0;
    for (int i = 0; i < 200; ++i) {
      if (waitpid(pid_, &status, WNOHANG) == pid_) return;
      absl::SleepFor(absl::Milliseconds(50));
    }
    std::cerr << "grpc_ceiling_server ignored SIGTERM; killing it\n";
    kill(pid_, SIGKILL);
    waitpid(pid_, &status, 0);
  }
  pid_t pid() const { return pid_; }
  ordersaga::bench::v1::GrpcCeiling::Stub& stub() { return *stub_; }

 private:
  explicit CeilingServer(pid_t pid) : pid_(pid) {}
  pid_t pid_;
  bool exited_ = false;
  std::unique_ptr<ordersaga::bench::v1::GrpcCeiling::Stub> stub_;
};

// One client call of a phase.
using OrderCall = std::function<grpc::Status(
    grpc::ClientContext*, const saga::v1::PlaceOrderRequest&, saga::v1::PlaceOrderResponse*)>;

class Bench {
 public:
  Bench()
      : saga_(saga::v1::SagaCoordinator::NewStub(CreateServiceChannel(FLAGS_saga_address))),
        inventory_(inventory::v1::InventoryService::NewStub(
            CreateServiceChannel(FLAGS_inventory_address))),
        processes_(ServerProcesses()),
        run_id_(absl::StrCat(absl::ToUnixMillis(absl::Now()))) {
    if (!FLAGS_mysql_dsn.empty()) {
      absl::StatusOr<MysqlDsn> dsn = ParseMysqlDsn(FLAGS_mysql_dsn);
      if (dsn.ok()) {
        MysqlConnectionPool::Options options;
        options.dsn = *dsn;
        options.size = std::max(2, FLAGS_concurrency + 1);
        db_ = std::make_unique<MysqlConnectionPool>(options);
      } else {
        std::cerr << "--mysql_dsn: " << dsn.status() << "\n";
      }
    }
  }

  bool has_database() const { return db_ != nullptr; }

  absl::Status Stock(const std::vector<int64_t>& ids, int64_t stock) {
    std::atomic<size_t> next{0};
    absl::Mutex mu;
    absl::Status failure;
    std::vector<std::thread> workers;
    for (int w = 0; w < 8; ++w) {
      workers.emplace_back([&] {
        for (size_t i = next++; i < ids.size(); i = next++) {
          inventory::v1::Product product, stored;
          product.set_product_id(ids[i]);
          product.set_name(absl::StrCat("bench product ", ids[i]));
          product.set_price(1000);
          product.set_stock(stock);
          grpc::ClientContext context;
          context.set_deadline(absl::ToChronoTime(absl::Now() + absl::Seconds(30)));
          grpc::Status status = inventory_->UpsertProduct(&context, product, &stored);
          if (!status.ok()) {
            absl::MutexLock lock(&mu);
            failure = absl::UnavailableError(status.error_message());
          }
        }
      });
    }
    for (std::thread& worker : workers) worker.join();
    return failure;
  }

  // Runs `make_order(i)` orders for --duration_s (or `count` orders if > 0),
  // then the audit.
  PhaseResult RunOrders(const std::string& phase,
                        const std::function<saga::v1::PlaceOrderRequest(int64_t)>& make_order,
                        int64_t count = 0) {
    PhaseResult result = RunCalls(
        phase, make_order,
        [this](grpc::ClientContext* context, const saga::v1::PlaceOrderRequest& request,
               saga::v1::PlaceOrderResponse* response) {
          return saga_->PlaceOrder(context, request, response);
        },
        processes_, count);
    result.audit_clean = Audit();
    return result;
  }

  // C_grpc: uniform's orders as Echo calls to a ceiling server, with the
  // same client, channel options and concurrency; its CPU is the server's.
  absl::StatusOr<PhaseResult> CalibrateGrpc() {
    absl::StatusOr<std::unique_ptr<CeilingServer>> server = CeilingServer::Start();
    if (!server.ok()) return server.status();
    ordersaga::bench::v1::GrpcCeiling::Stub& stub = (*server)->stub();
    PhaseResult result = RunCalls(
        "calibrate-grpc", [](int64_t i) { return Order({{kUniformFirst + i % 10000, 1}}); },
        [&stub](grpc::ClientContext* context, const saga::v1::PlaceOrderRequest& request,
                saga::v1::PlaceOrderResponse* response) {
          return stub.Echo(context, request, response);
        },
        {{"grpc_ceiling_server", (*server)->pid()}}, 0, /*closed_loop=*/true);
    if (absl::Status running = (*server)->CheckRunning(); !running.ok()) return running;
    // A ceiling counts answered calls only: a failed call is not served.
    if (result.errors > 0) {
      return absl::UnavailableError(
          absl::StrCat(result.errors, " of ", result.orders + result.errors,
                       " calls to the ceiling failed"));
    }
    return result;
  }

 private:
  PhaseResult RunCalls(const std::string& phase,
                       const std::function<saga::v1::PlaceOrderRequest(int64_t)>& make_order,
                       const OrderCall& call, const std::vector<ServerProcess>& processes,
                       int64_t count, bool closed_loop = false) {
    PhaseResult result;
    result.phase = phase;
    const int threads = FLAGS_concurrency;
    std::vector<LatencyHistogram> latencies(threads);
    std::atomic<int64_t> next{0}, approved{0}, rejected{0}, pending{0}, errors{0};
    std::array<std::atomic<int64_t>, grpc::StatusCode::UNAUTHENTICATED + 1> error_codes{};
    const std::vector<absl::Duration> cpu_before = CpuTimes(processes);
    std::optional<DatabaseCounters> db_before = Counters();
    const absl::Time start = absl::Now();
    const absl::Time stop = start + absl::Seconds(FLAGS_duration_s);
    const bool open_loop = FLAGS_rate > 0 && count == 0 && !closed_loop;
    std::vector<std::thread> clients;
    for (int t = 0; t < threads; ++t) {
      clients.emplace_back([&, t] {
        for (int64_t k = 0;; ++k) {
          absl::Time intended = absl::Now();
          if (open_loop) {
            // Sender t owns every threads-th slot of the global schedule.
            intended = start + absl::Seconds((k * threads + t) / FLAGS_rate);
            if (intended >= stop) break;
            absl::SleepFor(intended - absl::Now());
          }
          const int64_t i = next++;
          if (count > 0 ? i >= count : absl::Now() >= stop) break;
          saga::v1::PlaceOrderRequest request = make_order(i);
          request.set_request_id(absl::StrCat("bench-", run_id_, "-", phase, "-", i));
          saga::v1::PlaceOrderResponse response;
          grpc::ClientContext context;
          context.set_deadline(absl::ToChronoTime(absl::Now() + absl::Seconds(30)));
          grpc::Status status = call(&context, request, &response);
          if (!status.ok()) {
            ++errors;
            size_t code = static_cast<size_t>(status.error_code());
            if (code >= error_codes.size()) code = grpc::StatusCode::UNKNOWN;
            ++error_codes[code];
            continue;
          }
          latencies[t].Record(absl::Now() - intended);
          if (response.status() == order::v1::ORDER_STATUS_APPROVED) {
            ++approved;
          } else if (response.status() == order::v1::ORDER_STATUS_PENDING) {
            ++pending;
          } else {
            ++rejected;
          }
        }
      });
    }
    for (std::thread& client : clients) client.join();
    result.elapsed = absl::Now() - start;
    for (const LatencyHistogram& histogram : latencies) result.latency.Merge(histogram);
    result.orders = result.latency.count();
    result.approved = approved;
    result.rejected = rejected;
    result.pending = pending;
    result.errors = errors;
    for (size_t code = 0; code < error_codes.size(); ++code) {
      if (error_codes[code] > 0) {
        result.errors_by_code[absl::StatusCodeToString(static_cast<absl::StatusCode>(code))] =
            error_codes[code];
      }
    }
    ChargeCpu(processes, cpu_before, result);
    result.db_delta = Delta(db_before);
    return result;
  }

 public:
  // The database ceiling: autocommitted conditional single-row UPDATEs,
  // one row per thread (no lock contention), for --duration_s.
  absl::StatusOr<PhaseResult> Calibrate() {
    if (db_ == nullptr) return absl::FailedPreconditionError("calibrate needs --mysql_dsn");
    for (const std::string& sql :
         {std::string("CREATE DATABASE IF NOT EXISTS ordersaga_bench"),
          std::string("CREATE TABLE IF NOT EXISTS ordersaga_bench.counters "
                      "(id INT PRIMARY KEY, v BIGINT NOT NULL) ENGINE=InnoDB"),
          std::string("REPLACE INTO ordersaga_bench.counters "
                      "SELECT seq, 1000000000000 FROM seq_0_to_1023")}) {
      if (absl::Status status = Execute(sql); !status.ok()) return status;
    }
    PhaseResult result;
    result.phase = "calibrate";
    std::vector<LatencyHistogram> latencies(FLAGS_concurrency);
    std::atomic<int64_t> errors{0};
    const std::vector<absl::Duration> cpu_before = CpuTimes(processes_);
    std::optional<DatabaseCounters> db_before = Counters();
    const absl::Time start = absl::Now();
    const absl::Time stop = start + absl::Seconds(FLAGS_duration_s);
    std::vector<std::thread> threads;
    for (int t = 0; t < FLAGS_concurrency; ++t) {
      threads.emplace_back([&, t] {
        absl::StatusOr<MysqlConnectionPool::Lease> lease = db_->Acquire();
        if (!lease.ok()) {
          ++errors;
          return;
        }
        try {
          sql::PreparedStatement& update = lease->session().Prepare(
              "UPDATE ordersaga_bench.counters SET v = v - 1 WHERE id = ? AND v > 0");
          while (absl::Now() < stop) {
            const absl::Time begin = absl::Now();
            update.setInt(1, t % 1024);
            update.executeUpdate();
            latencies[t].Record(absl::Now() - begin);
          }
        } catch (const sql::SQLException&) {
          ++errors;
          lease->MarkBroken();
        }
      });
    }
    for (std::thread& thread : threads) thread.join();
    result.elapsed = absl::Now() - start;
    for (const LatencyHistogram& histogram : latencies) result.latency.Merge(histogram);
    result.orders = result.latency.count();
    result.approved = result.orders;
    result.errors = errors;
    ChargeCpu(processes_, cpu_before, result);
    result.db_delta = Delta(db_before);
    return result;
  }

 private:
  std::optional<DatabaseCounters> Counters() {
    if (db_ == nullptr) return std::nullopt;
    absl::StatusOr<DatabaseCounters> counters = ReadDatabaseCounters(*db_);
    if (!counters.ok()) return std::nullopt;
    return *counters;
  }
  std::optional<DatabaseCounters> Delta(const std::optional<DatabaseCounters>& before) {
    std::optional<DatabaseCounters> after = Counters();
    if (!before.has_value() || !after.has_value()) return std::nullopt;
    // The SHOW GLOBAL STATUS that read `after` is this tool's, not the phase's.
    return DatabaseCounters{after->explicit_commits - before->explicit_commits,
                            after->updates - before->updates,
                            after->log_flushes - before->log_flushes,
                            after->statements - before->statements - 1};
  }
  absl::Status Execute(const std::string& sql) {
    absl::StatusOr<MysqlConnectionPool::Lease> lease = db_->Acquire();
    if (!lease.ok()) return lease.status();
    try {
      lease->session().Execute(sql);
      return absl::OkStatus();
    } catch (const sql::SQLException& e) {
      return absl::InternalError(e.what());
    }
  }
  bool Audit() {
    absl::StatusOr<audit::Snapshot> snapshot =
        audit::ReadSnapshot(CreateServiceChannel(FLAGS_order_address),
                            CreateServiceChannel(FLAGS_inventory_address));
    if (!snapshot.ok()) {
      std::cerr << "audit: cannot read the services: " << snapshot.status() << "\n";
      return false;
    }
    audit::AuditReport report = audit::AuditStock(*snapshot, audit::AuditOptions());
    if (!report.clean()) std::cerr << audit::FormatAuditReport(report);
    return report.clean();
  }

  std::unique_ptr<saga::v1::SagaCoordinator::Stub> saga_;
  std::unique_ptr<inventory::v1::InventoryService::Stub> inventory_;
  std::unique_ptr<MysqlConnectionPool> db_;
  std::vector<ServerProcess> processes_;
  std::string run_id_;
};

double Ms(absl::Duration d) { return absl::ToDoubleMilliseconds(d); }

// The ceilings a phase is compared with (0: not measured in this run).
struct Ceilings {
  double database_per_s = 0;  // C_db
  double grpc_per_s = 0;      // C_grpc
};

std::string RatioJson(const PhaseResult& r, double ceiling) {
  return ceiling > 0 && !r.is_calibration() ? absl::StrFormat("%.3f", r.per_second() / ceiling)
                                            : "null";
}

void Print(const PhaseResult& r, const Ceilings& ceilings) {
  const double calibrate_per_s = ceilings.database_per_s;
  // `total` per answered order with `digits` decimals; `none` if no order
  // was answered (a phase whose calls all failed costs nothing per order).
  auto per_order = [&r](double total, int digits, const char* none) {
    return r.orders > 0 ? absl::StrFormat("%.*f", digits, total / r.orders) : std::string(none);
  };
  std::cout << absl::StrFormat(
      "%-10s %8d orders %9.1f/s  p50 %7.2f  p90 %7.2f  p99 %7.2f  p99.9 %7.2f ms  "
      "cpu %6s ms/order",
      r.phase, r.orders, r.per_second(), Ms(r.latency.Percentile(50)),
      Ms(r.latency.Percentile(90)), Ms(r.latency.Percentile(99)),
      Ms(r.latency.Percentile(99.9)), per_order(Ms(r.cpu), 3, "n/a"));
  if (r.db_delta.has_value()) {
    std::cout << absl::StrFormat("  commits %s  log flushes %s  statements %s /order",
                                 per_order(r.commits(), 2, "n/a"),
                                 per_order(r.db_delta->log_flushes, 2, "n/a"),
                                 per_order(r.db_delta->statements, 2, "n/a"));
  }
  if (calibrate_per_s > 0 && !r.is_calibration()) {
    std::cout << absl::StrFormat("  = %.2f x C_db", r.per_second() / calibrate_per_s);
  }
  if (ceilings.grpc_per_s > 0 && !r.is_calibration()) {
    std::cout << absl::StrFormat("  = %.2f x C_grpc", r.per_second() / ceilings.grpc_per_s);
  }
  std::cout << absl::StrFormat(
      "  [approved %d, rejected %d, pending %d, errors %d%s%s%s]\n", r.approved, r.rejected,
      r.pending, r.errors,
      r.errors_by_code.empty()
          ? ""
          : absl::StrCat(" (", absl::StrJoin(r.errors_by_code, ", ", absl::PairFormatter(" ")),
                         ")"),
      r.audit_clean ? "" : ", AUDIT FAILED", r.check.empty() ? "" : ", " + r.check);
  if (FLAGS_json) {
    // No answered order, no latency (null, not 0).
    auto percentile = [&r](double p) {
      return r.orders > 0 ? absl::StrFormat("%.3f", Ms(r.latency.Percentile(p)))
                          : std::string("null");
    };
    std::cout << absl::StrFormat(
        "{\"phase\":\"%s\",\"orders\":%d,\"orders_per_s\":%.1f,\"p50_ms\":%s,"
        "\"p90_ms\":%s,\"p99_ms\":%s,\"p999_ms\":%s,\"cpu_ms_per_order\":%s,"
        "\"commits_per_order\":%s,\"fsyncs_per_order\":%s,\"statements_per_order\":%s,"
        "\"ratio_to_calibrate\":%s,"
        "\"ratio_to_grpc\":%s,\"cpu_ms_per_order_by_process\":{%s},"
        "\"approved\":%d,\"rejected\":%d,\"pending\":%d,\"errors\":%d,"
        "\"errors_by_code\":{%s},\"audit_clean\":%s}\n",
        r.phase, r.orders, r.per_second(), percentile(50), percentile(90), percentile(99),
        percentile(99.9), per_order(Ms(r.cpu), 4, "null"),
        r.db_delta && r.phase != "calibrate-grpc" ? per_order(r.commits(), 3, "null") : "null",
        r.db_delta ? per_order(r.db_delta->log_flushes, 3, "null") : "null",
        r.db_delta && r.phase != "calibrate-grpc" ? per_order(r.db_delta->statements, 2, "null")
                                                  : "null",
        RatioJson(r, calibrate_per_s), RatioJson(r, ceilings.grpc_per_s),
        absl::StrJoin(r.cpu_by_process, ",",
                      [&per_order](std::string* out, const auto& process) {
                        absl::StrAppendFormat(out, "\"%s\":%s", process.first,
                                              per_order(Ms(process.second), 4, "null"));
                      }),
        r.approved, r.rejected, r.pending, r.errors,
        absl::StrJoin(r.errors_by_code, ",",
                      [](std::string* out, const auto& code) {
                        absl::StrAppendFormat(out, "\"%s\":%d", code.first, code.second);
                      }),
        r.audit_clean ? "true" : "false");
  }
}

int Fail(const absl::Status& status) {
  std::cerr << "setting up products failed: " << status << "\n";
  return 1;
}

int Run() {
  Bench bench;
  Ceilings ceilings;
  bool ok = true;
  for (absl::string_view phase : absl::StrSplit(FLAGS_phases, ',', absl::SkipEmpty())) {
    PhaseResult result;
    if (phase == "calibrate" || phase == "calibrate-grpc") {
      const bool database = phase == "calibrate";
      absl::StatusOr<PhaseResult> calibrated =
          database ? bench.Calibrate() : bench.CalibrateGrpc();
      if (!calibrated.ok()) {
        std::cerr << phase << ": " << calibrated.status() << "\n";
        ok = false;
        continue;
      }
      result = *std::move(calibrated);
      (database ? ceilings.database_per_s : ceilings.grpc_per_s) = result.per_second();
    } else if (phase == "uniform") {
      std::vector<int64_t> ids;
      const int products = std::max(1, FLAGS_uniform_products);
      for (int i = 0; i < products; ++i) ids.push_back(kUniformFirst + i);
      if (absl::Status s = bench.Stock(ids, kAmpleStock); !s.ok()) return Fail(s);
      result = bench.RunOrders("uniform", [products](int64_t i) {
        return Order({{kUniformFirst + (i * 7919) % products, 1}});
      });
    } else if (phase == "hot") {
      if (absl::Status s = bench.Stock({kHotProduct}, kAmpleStock); !s.ok()) return Fail(s);
      result = bench.RunOrders("hot", [](int64_t) { return Order({{kHotProduct, 1}}); });
    } else if (phase == "bundle") {
      if (absl::Status s = bench.Stock({kBundleA, kBundleB}, kAmpleStock); !s.ok()) {
        return Fail(s);
      }
      result = bench.RunOrders("bundle",
                               [](int64_t) { return Order({{kBundleA, 2}, {kBundleB, 1}}); });
    } else if (phase == "sellout") {
      const int64_t stock = FLAGS_sellout_stock / 2 * 2;
      if (absl::Status s = bench.Stock({kSelloutProduct}, stock); !s.ok()) return Fail(s);
      result = bench.RunOrders(
          "sellout", [](int64_t) { return Order({{kSelloutProduct, 2}}); }, stock);
      result.check_passed = result.approved == stock / 2 && result.errors == 0;
      result.check = absl::StrCat("sellout ", result.check_passed ? "exact" : "WRONG", ": ",
                                  result.approved, " approved of ", stock / 2, " possible");
    } else {
      std::cerr << "--phases: unknown phase '" << phase << "'\n";
      return 2;
    }
    Print(result, ceilings);
    ok = ok && result.audit_clean && result.check_passed;
  }
  return ok ? 0 : 1;
}

}  // namespace
}  // namespace order_saga::bench

int main(int argc, char** argv) {
  order_saga::ParseFlagsWithEnvironment(&argc, &argv,
                                        "ordersaga_bench: throughput and latency of the "
                                        "real servers, phase by phase");
  return order_saga::bench::Run();
}
