// Issue 13, point 8: the production topology in one test. Two coordinators,
// two order services and two inventory services on the same two schemas;
// each coordinator balances over both replicas of each service (an
// ipv4:host:port,host:port target, round_robin, as over a headless
// Kubernetes Service). A WatchOrders stream on each order replica for the
// whole run, resuming with its last event id whenever its replica dies.
// Four thousand random orders (hot, scarce and ample products) while
// replicas are killed with SIGKILL and restarted, and one coordinator is
// killed for good. At the end: a clean audit, nothing PENDING, one order
// per request id, every client told the stored outcome, and both watchers
// saw the same gap-free event ids with exactly one final event per order.
#include <csignal>
#include <iostream>
#include <map>
#include <random>
#include <set>
#include <thread>

#include <grpcpp/grpcpp.h>
#include <gtest/gtest.h>

#include "absl/strings/str_cat.h"
#include "absl/synchronization/mutex.h"
#include "tests/chaos/order_load.h"
#include "tests/e2e/stack_test.h"

namespace order_saga::testing {
namespace {

using Role = LocalStack::Role;

// A WatchOrders stream on one order replica, from the first event, that
// resumes with its last event id whenever the stream ends.
class ReplicaWatcher {
 public:
  explicit ReplicaWatcher(std::string address) : address_(std::move(address)) {}
  ~ReplicaWatcher() { Stop(); }

  void Start() {
    thread_ = std::thread([this] { Loop(); });
  }
  // Waits until the watcher has seen event `last` (or `timeout`), then stops.
  bool StopWhenCaughtUp(int64_t last, absl::Duration timeout) {
    bool caught_up;
    {
      absl::MutexLock lock(&mu_);
      auto seen = [this, last]() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) { return last_ >= last; };
      caught_up = mu_.AwaitWithTimeout(absl::Condition(&seen), timeout);
    }
    Stop();
    return caught_up;
  }
  void Stop() {
    {
      absl::MutexLock lock(&mu_);
      stopping_ = true;
      if (context_ != nullptr) context_->TryCancel();
    }
    if (thread_.joinable()) thread_.join();
  }
  // (event id, order id, status), in the order received.
  std::vector<std::tuple<int64_t, std::string, order::v1::OrderStatus>> events() {
    absl::MutexLock lock(&mu_);
    return events_;
  }
  int resumes() {
    absl::MutexLock lock(&mu_);
    return resumes_;
  }

 private:
  void Loop() {
    auto stub = order::v1::OrderService::NewStub(
        grpc::CreateChannel(address_, grpc::InsecureChannelCredentials()));
    while (true) {
      grpc::ClientContext context;
      order::v1::WatchOrdersRequest request;
      {
        absl::MutexLock lock(&mu_);
        if (stopping_) return;
        request.set_after_event_id(last_);
        context_ = &context;
      }
      std::unique_ptr<grpc::ClientReader<order::v1::OrderEvent>> reader =
          stub->WatchOrders(&context, request);
      order::v1::OrderEvent event;
      while (reader->Read(&event)) {
        absl::MutexLock lock(&mu_);
        events_.emplace_back(event.event_id(), event.order().order_id(), event.order().status());
        last_ = std::max(last_, event.event_id());
      }
      (void)reader->Finish();
      absl::MutexLock lock(&mu_);
      context_ = nullptr;
      if (stopping_) return;
      ++resumes_;  // its replica died (or is still down): try again
      mu_.AwaitWithTimeout(absl::Condition(&stopping_), absl::Milliseconds(100));
    }
  }

  const std::string address_;
  absl::Mutex mu_;
  bool stopping_ ABSL_GUARDED_BY(mu_) = false;
  grpc::ClientContext* context_ ABSL_GUARDED_BY(mu_) = nullptr;
  int64_t last_ ABSL_GUARDED_BY(mu_) = 0;
  int resumes_ ABSL_GUARDED_BY(mu_) = 0;
  std::vector<std::tuple<int64_t, std::string, order::v1::OrderStatus>> events_
      ABSL_GUARDED_BY(mu_);
  std::thread thread_;
};

// Every order, by order id, read through `orders` page by page.
std::map<std::string, order::v1::Order> AllOrders(order::v1::OrderService::Stub& orders) {
  std::map<std::string, order::v1::Order> all;
  std::string token;
  do {
    order::v1::ListOrdersRequest request;
    request.set_page_size(1000);
    request.set_page_token(token);
    order::v1::ListOrdersResponse page;
    grpc::ClientContext context;
    context.set_deadline(In(absl::Seconds(30)));
    grpc::Status status = orders.ListOrders(&context, request, &page);
    EXPECT_TRUE(status.ok()) << status.error_message();
    if (!status.ok()) break;
    for (const order::v1::Order& order : page.orders()) all[order.order_id()] = order;
    token = page.next_page_token();
  } while (!token.empty());
  return all;
}

TEST(ProductionTopologyTest, ReplicasKilledUnderLoadLoseNothingAndWatchersSeeEveryEvent) {
  LocalStack::Options options;
  options.coordinators = 2;
  options.inventory_replicas = 2;
  options.order_replicas = 2;
  absl::StatusOr<std::unique_ptr<LocalStack>> started = LocalStack::Start(options);
  ASSERT_TRUE(started.ok()) << started.status();
  LocalStack& stack = **started;
  // The chaos catalogue with three times the stock, for three times the
  // orders.
  ChaosCatalogue catalogue = ChaosCatalogue::Standard();
  for (ChaosCatalogue::Entry& entry : catalogue.products) entry.stock *= 3;
  auto inventory = inventory::v1::InventoryService::NewStub(
      grpc::CreateChannel(stack.inventory_address(0), grpc::InsecureChannelCredentials()));
  for (const ChaosCatalogue::Entry& entry : catalogue.products) {
    inventory::v1::Product product, stored;
    product.set_product_id(entry.product_id);
    product.set_name(absl::StrCat("상품 ", entry.product_id));
    product.set_stock(entry.stock);
    grpc::ClientContext context;
    context.set_deadline(In(absl::Seconds(30)));
    ASSERT_TRUE(inventory->UpsertProduct(&context, product, &stored).ok());
  }
  ReplicaWatcher watcher_a(stack.order_address(0)), watcher_b(stack.order_address(1));
  watcher_a.Start();
  watcher_b.Start();

  std::mt19937_64 random(20261201);
  constexpr int kOrders = 6000;
  std::vector<saga::v1::PlaceOrderRequest> requests;
  for (int i = 0; i < kOrders; ++i) {
    requests.push_back(catalogue.RandomOrder(absl::StrCat("topology-", i), random));
  }
  OrderLoad load({stack.saga_address(0), stack.saga_address(1)});
  // Kills at random moments of the load: each replica of each service in
  // turn, twice, and the first coordinator; halfway, coordinator 1 for good.
  // The k-th kill comes once about k/(kills+1) of the orders are decided
  // (but never before the previous victim is back), so how many orders an
  // outage lets through on a fast machine does not push the last kills
  // past the end of the load.
  const std::vector<std::pair<Role, int>> victims = {
      {Role::kInventory, 0}, {Role::kOrders, 1}, {Role::kInventory, 1}, {Role::kOrders, 0},
      {Role::kCoordinator, 0}, {Role::kInventory, 1}, {Role::kOrders, 0},
      {Role::kInventory, 0}, {Role::kOrders, 1}};
  std::vector<std::string> kills;
  int kills_under_load = 0;
  absl::Status killer_status;
  std::thread killer([&] {
    const int64_t spacing = (kOrders - 1000) / static_cast<int64_t>(victims.size() + 1);
    for (size_t k = 0; k < victims.size(); ++k) {
      const int64_t wait_for =
          static_cast<int64_t>(k + 1) * spacing +
          std::uniform_int_distribution<int64_t>(-spacing / 3, spacing / 3)(random);
      while (load.decided_count() < wait_for) absl::SleepFor(absl::Milliseconds(5));
      if (k == victims.size() / 2) {
        if (absl::Status s = stack.Kill(Role::kCoordinator, 1); !s.ok()) killer_status = s;
        kills.push_back(absl::StrCat("coordinator 1 for good after ", load.decided_count()));
      }
      const auto [role, index] = victims[k];
      // Under load: killed while orders were still coming.
      if (load.decided_count() < kOrders) ++kills_under_load;
      if (absl::Status s = stack.Kill(role, index); !s.ok() && killer_status.ok()) killer_status = s;
      absl::SleepFor(absl::Milliseconds(std::uniform_int_distribution<int>(100, 800)(random)));
      if (absl::Status s = stack.Restart(role, index); !s.ok() && killer_status.ok()) {
        killer_status = s;
      }
      kills.push_back(absl::StrCat(role == Role::kInventory ? "inventory "
                                   : role == Role::kOrders  ? "order service "
                                                            : "coordinator ",
                                   index, ", back after ", load.decided_count(), " decided"));
    }
  });
  const absl::Time start = absl::Now();
  const LoadResult result = load.Run(requests, 12, absl::Minutes(5));
  const absl::Duration load_time = absl::Now() - start;
  killer.join();
  ASSERT_TRUE(killer_status.ok()) << killer_status;

  auto orders = order::v1::OrderService::NewStub(
      grpc::CreateChannel(stack.order_address(0), grpc::InsecureChannelCredentials()));
  int64_t last_event = 0;
  const int64_t pending = CountOrdersOnceNothingPending(stack, absl::Seconds(60)).pending();
  EXPECT_EQ(pending, 0);
  const std::map<std::string, order::v1::Order> stored = AllOrders(*orders);
  {
    absl::StatusOr<MysqlConnectionPool::Lease> lease = stack.orders_database().pool().Acquire();
    ASSERT_TRUE(lease.ok());
    std::unique_ptr<sql::ResultSet> row(
        lease->session().Prepare("SELECT last_event_id FROM order_event_counter").executeQuery());
    ASSERT_TRUE(row->next());
    last_event = row->getInt64(1);
  }
  const bool a_caught_up = watcher_a.StopWhenCaughtUp(last_event, absl::Seconds(30));
  const bool b_caught_up = watcher_b.StopWhenCaughtUp(last_event, absl::Seconds(30));

  for (const std::string& kill : kills) std::cout << "[topology] killed " << kill << "\n";
  std::cout << "[topology] " << kOrders << " orders in " << load_time << ": " << result.approved
            << " approved, " << result.rejected << " rejected, " << result.undecided
            << " undecided; client calls retried " << result.retried_calls << "; "
            << kills.size() << " kills (" << kills_under_load
            << " with orders still coming); watchers reconnected " << watcher_a.resumes()
            << " and " << watcher_b.resumes() << " times; " << last_event << " events\n";
  EXPECT_GE(kills_under_load, 8) << "the load ended before the kills";

  // Every request decided, one order per request id, each client told the
  // stored outcome.
  EXPECT_EQ(result.undecided, 0);
  EXPECT_EQ(result.approved + result.rejected, kOrders);
  std::map<std::string, int> per_request;
  for (const auto& [order_id, order] : stored) ++per_request[order.request_id()];
  for (const auto& [request_id, n] : per_request) EXPECT_EQ(n, 1) << request_id;
  for (const auto& [order_id, told] : result.decided) {
    auto it = stored.find(order_id);
    ASSERT_NE(it, stored.end()) << order_id;
    EXPECT_EQ(order::v1::OrderStatus_Name(it->second.status()), told) << order_id;
  }

  // Both watchers: the same gap-free ids from 1 to the last, and exactly one
  // final event per order.
  ASSERT_TRUE(a_caught_up && b_caught_up) << "a watcher did not catch up";
  const auto events_a = watcher_a.events();
  const auto events_b = watcher_b.events();
  EXPECT_EQ(events_a, events_b);
  std::map<std::string, int> finals;
  for (size_t i = 0; i < events_a.size(); ++i) {
    ASSERT_EQ(std::get<0>(events_a[i]), static_cast<int64_t>(i) + 1) << "a gap or a repeat";
    if (std::get<2>(events_a[i]) != order::v1::ORDER_STATUS_PENDING) {
      ++finals[std::get<1>(events_a[i])];
    }
  }
  EXPECT_EQ(static_cast<int64_t>(events_a.size()), last_event);
  EXPECT_EQ(finals.size(), stored.size());
  for (const auto& [order_id, n] : finals) EXPECT_EQ(n, 1) << order_id;

  absl::StatusOr<audit::AuditReport> report =
      AuditStack(stack, absl::Seconds(60), catalogue.InitialStock());
  ASSERT_TRUE(report.ok()) << report.status();
  std::cout << audit::FormatAuditReport(*report);
  EXPECT_TRUE(report->clean());
}

}  // namespace
}  // namespace order_saga::testing
