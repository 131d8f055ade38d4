// Crash tests: a few thousand random orders while processes are killed with
// SIGKILL at random moments and started again; afterwards nothing may be
// PENDING and the audit must be clean. Each test has a MariaDB of its own
// (it gets killed too). Figures are printed for docs/RELIABILITY.md.
//
// CHAOS_ORDERS (default 2000) sets the load of the kill-each-process test;
// CHAOS_SEED fixes the random choices (default: time-based, printed).
#include <cstdlib>
#include <fstream>
#include <iostream>
#include <random>
#include <thread>

#include <grpcpp/grpcpp.h>
#include <gtest/gtest.h>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/synchronization/notification.h"
#include "absl/time/clock.h"
#include "common/grpc_channel.h"
#include "inventory/v1/inventory.grpc.pb.h"
#include "order/v1/order.grpc.pb.h"
#include "audit/audit_snapshot.h"
#include "tests/chaos/order_load.h"
#include "tests/e2e/local_stack.h"
#include "tests/e2e/private_mariadb.h"

namespace order_saga::testing {
namespace {

using Role = LocalStack::Role;

int EnvInt(const char* name, int fallback) {
  const char* value = std::getenv(name);
  return value == nullptr ? fallback : std::atoi(value);
}

uint64_t RandomSeed() {
  static const uint64_t seed = [] {
    const char* value = std::getenv("CHAOS_SEED");
    return value != nullptr ? std::strtoull(value, nullptr, 10)
                            : static_cast<uint64_t>(absl::ToUnixNanos(absl::Now()));
  }();
  return seed;
}

// Lines of a log file that contain `needle`.
int CountLines(const std::string& path, const std::string& needle) {
  std::ifstream log(path);
  int count = 0;
  for (std::string line; std::getline(log, line);) count += absl::StrContains(line, needle);
  return count;
}

class ChaosTest : public ::testing::Test {
 protected:
  void SetUp() override {
    std::cout << "[chaos] seed " << RandomSeed() << " (set CHAOS_SEED to repeat)\n";
    absl::StatusOr<std::unique_ptr<PrivateMariaDb>> db = PrivateMariaDb::Start();
    ASSERT_TRUE(db.ok()) << db.status();
    db_ = *std::move(db);
    random_.seed(RandomSeed());
  }

  void StartStack(int coordinators, std::vector<std::string> coordinator_flags = {}) {
    LocalStack::Options options;
    options.mysql_socket = db_->socket();
    options.coordinators = coordinators;
    options.coordinator_flags = std::move(coordinator_flags);
    absl::StatusOr<std::unique_ptr<LocalStack>> stack = LocalStack::Start(options);
    ASSERT_TRUE(stack.ok()) << stack.status();
    stack_ = *std::move(stack);
    inventory_ = inventory::v1::InventoryService::NewStub(
        CreateServiceChannel(stack_->inventory_address(), absl::Milliseconds(200)));
    orders_ = order::v1::OrderService::NewStub(
        CreateServiceChannel(stack_->order_address(), absl::Milliseconds(200)));
  }

  void Stock(const ChaosCatalogue& catalogue) {
    for (const ChaosCatalogue::Entry& entry : catalogue.products) {
      inventory::v1::Product product, stored;
      product.set_product_id(entry.product_id);
      product.set_name(absl::StrCat("chaos product ", entry.product_id));
      product.set_price(100);
      product.set_stock(entry.stock);
      grpc::ClientContext context;
      context.set_deadline(absl::ToChronoTime(absl::Now() + absl::Seconds(10)));
      ASSERT_TRUE(inventory_->UpsertProduct(&context, product, &stored).ok());
    }
  }

  absl::StatusOr<int64_t> PendingOrders() {
    order::v1::CountOrdersRequest request;
    order::v1::CountOrdersResponse response;
    grpc::ClientContext context;
    context.set_deadline(absl::ToChronoTime(absl::Now() + absl::Seconds(2)));
    grpc::Status status = orders_->CountOrders(&context, request, &response);
    if (!status.ok()) return absl::UnavailableError(status.error_message());
    return response.pending();
  }

  // Waits until no order is PENDING; returns how long that took.
  absl::StatusOr<absl::Duration> WaitForNoPending(absl::Duration timeout) {
    const absl::Time start = absl::Now();
    while (absl::Now() - start < timeout) {
      absl::StatusOr<int64_t> pending = PendingOrders();
      if (pending.ok() && *pending == 0) return absl::Now() - start;
      absl::SleepFor(absl::Milliseconds(100));
    }
    return absl::DeadlineExceededError("orders still PENDING");
  }

  // Kills `role` (or MariaDB), keeps it down a moment, starts it again.
  absl::Status KillAndRestart(const std::string& victim, int index = 0) {
    const absl::Duration down = absl::Milliseconds(
        std::uniform_int_distribution<int>(100, 800)(random_));
    if (victim == "mariadb") {
      if (absl::Status killed = db_->Kill(); !killed.ok()) return killed;
      absl::SleepFor(down);
      return db_->Restart();
    }
    const Role role = victim == "coordinator" ? Role::kCoordinator
                      : victim == "order_service" ? Role::kOrders
                                                  : Role::kInventory;
    if (absl::Status killed = stack_->Kill(role, index); !killed.ok()) return killed;
    absl::SleepFor(down);
    return stack_->Restart(role, index);
  }

  // Audits and prints the figures of a run; expects zero PENDING and a
  // clean audit with every product's supply as seeded.
  void ExpectCleanAudit(const ChaosCatalogue& catalogue) {
    absl::StatusOr<audit::AuditReport> report =
        AuditStack(*stack_, absl::Seconds(30), catalogue.InitialStock());
    ASSERT_TRUE(report.ok()) << report.status();
    std::cout << audit::FormatAuditReport(*report);
    std::cout << "[chaos] compensated sagas (reserved, then released): "
              << report->reservations_released << "\n";
    EXPECT_TRUE(report->clean());
    EXPECT_EQ(report->orders_pending, 0);
  }

  int RecoveredSagas(int coordinators) {
    int recovered = 0;
    for (int i = 0; i < coordinators; ++i) {
      recovered += CountLines(stack_->LogPath(Role::kCoordinator, i), " recovered: ");
    }
    return recovered;
  }

  std::vector<saga::v1::PlaceOrderRequest> RandomOrders(const ChaosCatalogue& catalogue,
                                                        int count, const std::string& tag) {
    std::vector<saga::v1::PlaceOrderRequest> requests;
    for (int i = 0; i < count; ++i) {
      requests.push_back(catalogue.RandomOrder(absl::StrCat(tag, "-", i), random_));
    }
    return requests;
  }

  std::mt19937_64 random_;
  std::unique_ptr<PrivateMariaDb> db_;
  std::unique_ptr<LocalStack> stack_;
  std::unique_ptr<inventory::v1::InventoryService::Stub> inventory_;
  std::unique_ptr<order::v1::OrderService::Stub> orders_;
};

void PrintLoad(const LoadResult& result) {
  std::cout << "[chaos] approved " << result.approved << ", rejected " << result.rejected
            << ", undecided " << result.undecided << ", calls retried by clients "
            << result.retried_calls << "\n";
  for (const auto& [reason, count] : result.reject_reasons) {
    std::cout << "[chaos]   " << reason << ": " << count << "\n";
  }
}

TEST_F(ChaosTest, KillEachProcessInTurnUnderLoad) {
  // A short saga deadline, so that an outage outlasts some sagas and they
  // are compensated (the default 5 s outlasts every outage here).
  ASSERT_NO_FATAL_FAILURE(
      StartStack(1, {"--saga_deadline_ms=800", "--compensation_deadline_ms=800",
                     "--call_timeout_ms=250"}));
  const ChaosCatalogue catalogue = ChaosCatalogue::Standard();
  ASSERT_NO_FATAL_FAILURE(Stock(catalogue));
  const int orders = EnvInt("CHAOS_ORDERS", 2000);
  OrderLoad load({stack_->saga_address()});
  const std::vector<saga::v1::PlaceOrderRequest> requests =
      RandomOrders(catalogue, orders, "chaos");

  // Two rounds over every process, each at a random moment of the load.
  const std::vector<std::string> victims = {"coordinator", "order_service",
                                            "inventory_service", "mariadb"};
  std::vector<std::string> killed;
  absl::Status killer_status;
  std::thread killer([&] {
    for (int round = 0; round < 2; ++round) {
      for (const std::string& victim : victims) {
        const int64_t wait_for = load.decided_count() +
            std::uniform_int_distribution<int>(orders / 40, orders / 15)(random_);
        while (load.decided_count() < std::min<int64_t>(wait_for, orders - 50)) {
          absl::SleepFor(absl::Milliseconds(5));
        }
        absl::Status status = KillAndRestart(victim);
        if (!status.ok() && killer_status.ok()) killer_status = status;
        killed.push_back(absl::StrCat(victim, " after ", load.decided_count(), " decided"));
      }
    }
  });
  const absl::Time start = absl::Now();
  LoadResult result = load.Run(requests, 16, absl::Minutes(4));
  const absl::Duration load_time = absl::Now() - start;
  killer.join();
  ASSERT_TRUE(killer_status.ok()) << killer_status;

  absl::StatusOr<absl::Duration> recovery = WaitForNoPending(absl::Seconds(60));
  for (const std::string& kill : killed) std::cout << "[chaos] killed " << kill << "\n";
  std::cout << "[chaos] " << orders << " orders in " << absl::FormatDuration(load_time)
            << "; processes killed: " << killed.size() << "\n";
  PrintLoad(result);
  std::cout << "[chaos] sagas recovered by the sweep: " << RecoveredSagas(1)
            << "; last PENDING order decided "
            << (recovery.ok() ? absl::FormatDuration(*recovery) : "never")
            << " after the load ended\n";
  EXPECT_EQ(killed.size(), 8u);
  EXPECT_EQ(result.undecided, 0);
  EXPECT_EQ(result.approved + result.rejected, orders);
  ASSERT_TRUE(recovery.ok()) << recovery.status();
  ExpectCleanAudit(catalogue);
}

TEST_F(ChaosTest, TwoCoordinatorsOneKilledMidLoad) {
  ASSERT_NO_FATAL_FAILURE(StartStack(2));
  const ChaosCatalogue catalogue = ChaosCatalogue::Standard();
  ASSERT_NO_FATAL_FAILURE(Stock(catalogue));
  const int orders = EnvInt("CHAOS_ORDERS", 2000) / 2;
  OrderLoad load({stack_->saga_address(0), stack_->saga_address(1)});
  const std::vector<saga::v1::PlaceOrderRequest> requests =
      RandomOrders(catalogue, orders, "two");
  std::thread killer([&] {
    const int64_t at = std::uniform_int_distribution<int>(orders / 5, orders / 2)(random_);
    while (load.decided_count() < at) absl::SleepFor(absl::Milliseconds(2));
    EXPECT_TRUE(stack_->Kill(Role::kCoordinator, 1).ok());
    std::cout << "[chaos] coordinator 1 killed after " << load.decided_count()
              << " decided; not restarted\n";
  });
  LoadResult result = load.Run(requests, 16, absl::Minutes(3));
  killer.join();
  absl::StatusOr<absl::Duration> recovery = WaitForNoPending(absl::Seconds(60));
  PrintLoad(result);
  std::cout << "[chaos] sagas recovered by the surviving coordinator: "
            << CountLines(stack_->LogPath(Role::kCoordinator, 0), " recovered: ")
            << "; last PENDING order decided "
            << (recovery.ok() ? absl::FormatDuration(*recovery) : "never")
            << " after the load ended\n";
  EXPECT_EQ(result.undecided, 0);
  EXPECT_EQ(result.approved + result.rejected, orders);
  ASSERT_TRUE(recovery.ok()) << recovery.status();
  ExpectCleanAudit(catalogue);
}

TEST_F(ChaosTest, SameRequestFiftyTimesWhileTheCoordinatorIsKilledAndRestarted) {
  ASSERT_NO_FATAL_FAILURE(StartStack(1));
  ChaosCatalogue catalogue;
  catalogue.products = {{1, 100, 1}, {2, 100, 1}};
  ASSERT_NO_FATAL_FAILURE(Stock(catalogue));
  saga::v1::PlaceOrderRequest request;
  request.set_request_id("the-same-request");
  for (int64_t id : {1, 2}) {
    auto* item = request.add_items();
    item->set_product_id(id);
    item->set_quantity(3);
  }
  OrderLoad load({stack_->saga_address()});
  absl::Mutex mu;
  std::map<std::string, int> answers;  // "order_id status" -> count
  absl::Notification go;
  std::vector<std::thread> clients;
  for (int i = 0; i < 50; ++i) {
    clients.emplace_back([&, i] {
      go.WaitForNotification();
      // Spread the 50 sends over the kills.
      absl::SleepFor(absl::Milliseconds(i * 15));
      int64_t retried = 0;
      absl::StatusOr<saga::v1::PlaceOrderResponse> response =
          load.PlaceUntilDecided(request, 0, absl::Now() + absl::Minutes(1), &retried);
      absl::MutexLock lock(&mu);
      ++answers[response.ok() ? absl::StrCat(response->order_id(), " ",
                                             order::v1::OrderStatus_Name(response->status()))
                              : std::string(response.status().message())];
    });
  }
  go.Notify();
  for (int kill = 0; kill < 3; ++kill) {
    absl::SleepFor(absl::Milliseconds(std::uniform_int_distribution<int>(0, 250)(random_)));
    ASSERT_TRUE(stack_->Kill(Role::kCoordinator).ok());
    absl::SleepFor(absl::Milliseconds(100));
    ASSERT_TRUE(stack_->Restart(Role::kCoordinator).ok());
  }
  for (std::thread& client : clients) client.join();
  for (const auto& [answer, count] : answers) {
    std::cout << "[chaos] " << count << "x " << answer << "\n";
  }
  ASSERT_EQ(answers.size(), 1u) << "every sender must see the same order and decision";
  EXPECT_TRUE(absl::StrContains(answers.begin()->first, "ORDER_STATUS_APPROVED"));

  absl::StatusOr<absl::Duration> recovery = WaitForNoPending(absl::Seconds(30));
  ASSERT_TRUE(recovery.ok());
  absl::StatusOr<audit::Snapshot> snapshot =
      audit::ReadSnapshot(CreateServiceChannel(stack_->order_address()),
                          CreateServiceChannel(stack_->inventory_address()));
  ASSERT_TRUE(snapshot.ok()) << snapshot.status();
  EXPECT_EQ(snapshot->orders.size(), 1u);
  ASSERT_EQ(snapshot->reservations.size(), 1u);
  EXPECT_EQ(snapshot->reservations[0].outcome(), inventory::v1::RESERVATION_OUTCOME_RESERVED);
  for (const auto& product : snapshot->products) EXPECT_EQ(product.stock(), 97);
  ExpectCleanAudit(catalogue);
}

TEST_F(ChaosTest, DatabaseOutageAnswersUnavailableAndHealsWithoutRestart) {
  ASSERT_NO_FATAL_FAILURE(StartStack(1));
  ChaosCatalogue catalogue;
  catalogue.products = {{1, 10, 1}};
  ASSERT_NO_FATAL_FAILURE(Stock(catalogue));
  ASSERT_TRUE(db_->Kill().ok());

  // Calls get UNAVAILABLE promptly (well inside their 10 s deadline).
  inventory::v1::GetProductRequest get;
  get.set_product_id(1);
  inventory::v1::Product product;
  grpc::ClientContext context;
  context.set_deadline(absl::ToChronoTime(absl::Now() + absl::Seconds(10)));
  const absl::Time asked = absl::Now();
  grpc::Status status = inventory_->GetProduct(&context, get, &product);
  std::cout << "[chaos] GetProduct with the database down: "
            << status.error_code() << " after " << absl::FormatDuration(absl::Now() - asked)
            << ": " << status.error_message() << "\n";
  EXPECT_EQ(status.error_code(), grpc::StatusCode::UNAVAILABLE);

  // Both services report NOT_SERVING; the coordinator has no database.
  for (const std::string& address : {stack_->inventory_address(), stack_->order_address()}) {
    bool not_serving = false;
    for (int i = 0; i < 100 && !not_serving; ++i) {
      absl::StatusOr<bool> serving = IsServing(address);
      not_serving = serving.ok() && !*serving;
      absl::SleepFor(absl::Milliseconds(50));
    }
    EXPECT_TRUE(not_serving) << address << " still SERVING with its database down";
  }
  OrderLoad load({stack_->saga_address()});
  saga::v1::PlaceOrderRequest request = catalogue.RandomOrder("during-outage", random_);
  int64_t retried = 0;
  EXPECT_FALSE(load.PlaceUntilDecided(request, 0, absl::Now() + absl::Seconds(1), &retried).ok());

  // A service (re)started while its database is down waits for it
  // (--mysql_startup_timeout_ms) instead of exiting.
  ASSERT_TRUE(stack_->Kill(LocalStack::Role::kOrders).ok());
  ASSERT_TRUE(stack_->Restart(LocalStack::Role::kOrders, 0, /*wait=*/false).ok());
  absl::SleepFor(absl::Seconds(2));

  ASSERT_TRUE(db_->Restart().ok());
  const absl::Time restarted = absl::Now();
  EXPECT_TRUE(WaitUntilServing(stack_->inventory_address(), absl::Seconds(30)).ok());
  EXPECT_TRUE(WaitUntilServing(stack_->order_address(), absl::Seconds(30)).ok());
  std::cout << "[chaos] SERVING again " << absl::FormatDuration(absl::Now() - restarted)
            << " after the database restarted\n";
  absl::StatusOr<saga::v1::PlaceOrderResponse> placed =
      load.PlaceUntilDecided(request, 0, absl::Now() + absl::Seconds(30), &retried);
  ASSERT_TRUE(placed.ok()) << placed.status();
  EXPECT_EQ(placed->status(), order::v1::ORDER_STATUS_APPROVED);
  ASSERT_TRUE(WaitForNoPending(absl::Seconds(30)).ok());
  ExpectCleanAudit(catalogue);
}

}  // namespace
}  // namespace order_saga::testing
