// ordersaga_bench: drives the real servers and measures what an order costs.
//
//   ordersaga_bench [--phases=calibrate,uniform,hot,bundle,sellout]
//                   [--duration_s=10] [--concurrency=128] [--rate=0] [--json]
//
// Phases (each on products of its own, so the reference products 1-5 are
// left alone):
//   calibrate  the database's ceiling C_db: autocommitted single-row
//              conditional UPDATEs from --concurrency threads through
//              Connector/C++ (needs --mysql_dsn with CREATE rights)
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
// the pid files of scripts/up, MariaDB included); commits and durable
// redo-log flushes per order are SHOW GLOBAL STATUS deltas (needs
// --mysql_dsn).
#include <sys/types.h>

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

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_split.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/clock.h"
#include "audit/audit_snapshot.h"
#include "bench/database_counters.h"
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
DEFINE_string(phases, "calibrate,uniform,hot,bundle,sellout", "phases to run, in order");
DEFINE_int32(duration_s, 10, "length of each timed phase");
DEFINE_int32(concurrency, 128, "client threads (closed loop) or senders (open loop)");
DEFINE_double(rate, 0, "open loop: orders per second in all; 0 = closed loop");
DEFINE_int32(sellout_stock, 1000, "sellout: units of the product on sale (even)");
DEFINE_int32(uniform_products, 10000, "uniform: how many products the orders spread over");
DEFINE_string(server_pids, "",
              "comma-separated pids whose CPU time is charged to the orders "
              "(default: .run/*.pid of scripts/up, MariaDB included)");
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
  int64_t orders = 0, approved = 0, rejected = 0, errors = 0;
  absl::Duration elapsed;
  LatencyHistogram latency;
  absl::Duration cpu;
  std::optional<DatabaseCounters> db_delta;
  // Commits per unit: explicit COMMITs for orders, autocommitted UPDATEs
  // for calibrate.
  int64_t commits() const {
    return phase == "calibrate" ? db_delta->updates : db_delta->explicit_commits;
  }
  bool audit_clean = true;
  bool check_passed = true;
  std::string check;

  double per_second() const { return orders / std::max(1e-9, absl::ToDoubleSeconds(elapsed)); }
};

std::vector<pid_t> ServerPids() {
  std::vector<pid_t> pids;
  if (!FLAGS_server_pids.empty()) {
    for (absl::string_view text : absl::StrSplit(FLAGS_server_pids, ',', absl::SkipEmpty())) {
      int pid = 0;
      if (absl::SimpleAtoi(text, &pid)) pids.push_back(pid);
    }
    return pids;
  }
  for (const char* file : {".run/saga_coordinator.pid", ".run/order_service.pid",
                           ".run/inventory_service.pid", ".run/mariadb/mysqld.pid"}) {
    std::ifstream in(file);
    pid_t pid = 0;
    if (in >> pid) pids.push_back(pid);
  }
  return pids;
}

class Bench {
 public:
  Bench()
      : saga_(saga::v1::SagaCoordinator::NewStub(CreateServiceChannel(FLAGS_saga_address))),
        inventory_(inventory::v1::InventoryService::NewStub(
            CreateServiceChannel(FLAGS_inventory_address))),
        pids_(ServerPids()),
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

  // Runs `make_order(i)` orders for --duration_s (or `count` orders if > 0).
  PhaseResult RunOrders(const std::string& phase,
                        const std::function<saga::v1::PlaceOrderRequest(int64_t)>& make_order,
                        int64_t count = 0) {
    PhaseResult result;
    result.phase = phase;
    const int threads = FLAGS_concurrency;
    std::vector<LatencyHistogram> latencies(threads);
    std::atomic<int64_t> next{0}, approved{0}, rejected{0}, errors{0};
    const absl::Duration cpu_before = CpuTimeOf(pids_);
    std::optional<DatabaseCounters> db_before = Counters();
    const absl::Time start = absl::Now();
    const absl::Time stop = start + absl::Seconds(FLAGS_duration_s);
    const bool open_loop = FLAGS_rate > 0 && count == 0;
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
          grpc::Status status = saga_->PlaceOrder(&context, request, &response);
          latencies[t].Record(absl::Now() - intended);
          if (!status.ok()) {
            ++errors;
          } else if (response.status() == order::v1::ORDER_STATUS_APPROVED) {
            ++approved;
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
    result.errors = errors;
    result.cpu = CpuTimeOf(pids_) - cpu_before;
    result.db_delta = Delta(db_before);
    result.audit_clean = Audit();
    return result;
  }

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
    const absl::Duration cpu_before = CpuTimeOf(pids_);
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
    result.cpu = CpuTimeOf(pids_) - cpu_before;
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
    return DatabaseCounters{after->explicit_commits - before->explicit_commits,
                            after->updates - before->updates,
                            after->log_flushes - before->log_flushes};
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
  std::vector<pid_t> pids_;
  std::string run_id_;
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

double Ms(absl::Duration d) { return absl::ToDoubleMilliseconds(d); }

void Print(const PhaseResult& r, double calibrate_per_s) {
  const double per_order = std::max<int64_t>(1, r.orders);
  std::cout << absl::StrFormat(
      "%-10s %8d orders %9.1f/s  p50 %7.2f  p90 %7.2f  p99 %7.2f  p99.9 %7.2f ms  "
      "cpu %6.3f ms/order",
      r.phase, r.orders, r.per_second(), Ms(r.latency.Percentile(50)),
      Ms(r.latency.Percentile(90)), Ms(r.latency.Percentile(99)),
      Ms(r.latency.Percentile(99.9)), Ms(r.cpu) / per_order);
  if (r.db_delta.has_value()) {
    std::cout << absl::StrFormat("  commits %.2f  log flushes %.2f /order",
                                 r.commits() / per_order, r.db_delta->log_flushes / per_order);
  }
  if (calibrate_per_s > 0 && r.phase != "calibrate") {
    std::cout << absl::StrFormat("  = %.2f x C_db", r.per_second() / calibrate_per_s);
  }
  std::cout << absl::StrFormat("  [approved %d, rejected %d, errors %d%s%s]\n", r.approved,
                               r.rejected, r.errors, r.audit_clean ? "" : ", AUDIT FAILED",
                               r.check.empty() ? "" : ", " + r.check);
  if (FLAGS_json) {
    std::cout << absl::StrFormat(
        "{\"phase\":\"%s\",\"orders\":%d,\"orders_per_s\":%.1f,\"p50_ms\":%.3f,"
        "\"p90_ms\":%.3f,\"p99_ms\":%.3f,\"p999_ms\":%.3f,\"cpu_ms_per_order\":%.4f,"
        "\"commits_per_order\":%s,\"fsyncs_per_order\":%s,\"ratio_to_calibrate\":%s,"
        "\"approved\":%d,\"rejected\":%d,\"errors\":%d,\"audit_clean\":%s}\n",
        r.phase, r.orders, r.per_second(), Ms(r.latency.Percentile(50)),
        Ms(r.latency.Percentile(90)), Ms(r.latency.Percentile(99)),
        Ms(r.latency.Percentile(99.9)), Ms(r.cpu) / per_order,
        r.db_delta ? absl::StrFormat("%.3f", r.commits() / per_order) : "null",
        r.db_delta ? absl::StrFormat("%.3f", r.db_delta->log_flushes / per_order) : "null",
        calibrate_per_s > 0 ? absl::StrFormat("%.3f", r.per_second() / calibrate_per_s)
                            : "null",
        r.approved, r.rejected, r.errors, r.audit_clean ? "true" : "false");
  }
}

int Fail(const absl::Status& status) {
  std::cerr << "setting up products failed: " << status << "\n";
  return 1;
}

int Run() {
  Bench bench;
  double calibrate_per_s = 0;
  bool ok = true;
  for (absl::string_view phase : absl::StrSplit(FLAGS_phases, ',', absl::SkipEmpty())) {
    PhaseResult result;
    if (phase == "calibrate") {
      absl::StatusOr<PhaseResult> calibrated = bench.Calibrate();
      if (!calibrated.ok()) {
        std::cerr << "calibrate: " << calibrated.status() << "\n";
        ok = false;
        continue;
      }
      result = *std::move(calibrated);
      calibrate_per_s = result.per_second();
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
    Print(result, calibrate_per_s);
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
