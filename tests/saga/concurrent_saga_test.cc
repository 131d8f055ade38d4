// The saga, admission and sold-out door under real threads (no fake clock):
// the in-memory flash sale. Run under ThreadSanitizer by scripts/test
// --sanitizers, and under AddressSanitizer with the rest.
#include <atomic>
#include <functional>
#include <thread>

#include <gtest/gtest.h>

#include "absl/strings/str_cat.h"
#include "absl/synchronization/barrier.h"
#include "common/clock.h"
#include "saga/batching_participants.h"
#include "saga/place_order_saga.h"
#include "saga/recovery_sweeper.h"
#include "tests/saga/in_memory_participants.h"

namespace order_saga::coordinator {
namespace {

using testing::InMemoryInventoryParticipant;
using testing::InMemoryOrderParticipant;

struct SaleCounts {
  int approved = 0, rejected = 0, failed = 0;
};

// `clients` threads, released together, each placing one {4 x2, 5 x1}
// bundle; `check(command, outcome)` runs for each approved order.
SaleCounts RunFlashSale(
    PlaceOrderSaga& saga, int clients,
    const std::function<void(const PlaceOrderCommand&, const PlaceOrderOutcome&)>& check =
        nullptr) {
  absl::Barrier* start = new absl::Barrier(clients);
  std::atomic<int> approved{0}, rejected{0}, failed{0};
  std::vector<std::thread> threads;
  for (int i = 0; i < clients; ++i) {
    threads.emplace_back([&, i] {
      if (start->Block()) delete start;
      PlaceOrderCommand command{absl::StrCat("r", i), "c", {{4, 2}, {5, 1}}, {}};
      absl::StatusOr<PlaceOrderOutcome> outcome = saga.PlaceOrder(command);
      if (!outcome.ok()) {
        ++failed;
      } else if (outcome->status == OrderStatus::kApproved) {
        ++approved;
        if (check) check(command, *outcome);
      } else if (outcome->status == OrderStatus::kRejected) {
        ++rejected;
      }
    });
  }
  for (std::thread& thread : threads) thread.join();
  return {approved.load(), rejected.load(), failed.load()};
}

TEST(ConcurrentSagaTest, TwoHundredBundlesRacingForFifteenApproveExactlyFifteen) {
  InMemoryOrderParticipant orders(RealClock());
  InMemoryInventoryParticipant inventory;
  ASSERT_TRUE(inventory.ledger().UpsertProduct({4, "four", 1, 30, {}}).ok());
  ASSERT_TRUE(inventory.ledger().UpsertProduct({5, "five", 1, 20, {}}).ok());
  SoldOutCache sold_out(absl::Seconds(2), absl::Milliseconds(100));
  ProductAdmission admission(8);
  PlaceOrderSaga saga(orders, inventory, sold_out, admission, RealClock(),
                      PlaceOrderSaga::Options());

  constexpr int kClients = 200;
  SaleCounts sale = RunFlashSale(saga, kClients);
  EXPECT_EQ(sale.approved, 15);
  EXPECT_EQ(sale.rejected, kClients - 15);
  EXPECT_EQ(sale.failed, 0);
  EXPECT_EQ(inventory.Stock(4), 0);
  EXPECT_EQ(inventory.Stock(5), 5);
}

TEST(ConcurrentSagaTest, TwoHundredBundlesThroughBatchedCallsApproveExactlyFifteen) {
  InMemoryOrderParticipant in_memory_orders(RealClock());
  InMemoryInventoryParticipant in_memory_inventory;
  ASSERT_TRUE(in_memory_inventory.ledger().UpsertProduct({4, "four", 1, 30, {}}).ok());
  ASSERT_TRUE(in_memory_inventory.ledger().UpsertProduct({5, "five", 1, 20, {}}).ok());
  // Small batches, two at a time, so that batches also race each other.
  BatchingOrderSagaSteps orders(in_memory_orders, {5, 2, {}}, RealClock());
  BatchingInventoryParticipant inventory(in_memory_inventory, {5, 2, {}}, RealClock());
  SoldOutCache sold_out(absl::Seconds(2), absl::Milliseconds(100));
  ProductAdmission admission(0);
  PlaceOrderSaga saga({orders, in_memory_orders, in_memory_orders}, inventory, sold_out,
                      admission, RealClock(), PlaceOrderSaga::Options());

  constexpr int kClients = 200;
  SaleCounts sale = RunFlashSale(
      saga, kClients, [&](const PlaceOrderCommand& command, const PlaceOrderOutcome& outcome) {
        // The answer belongs to this request, not to another of its batch.
        EXPECT_EQ(in_memory_orders.FindByRequestId(command.customer_id, command.request_id, absl::InfiniteFuture())
                      ->value()
                      .order_id,
                  outcome.order_id);
      });
  EXPECT_EQ(sale.approved, 15);
  EXPECT_EQ(sale.rejected, kClients - 15);
  EXPECT_EQ(sale.failed, 0);
  EXPECT_EQ(in_memory_inventory.Stock(4), 0);
  EXPECT_EQ(in_memory_inventory.Stock(5), 5);
  // Every call went through a batch of at most 5.
  const BatchCounts reservations = inventory.counts();
  EXPECT_GT(reservations.requests, 0);
  EXPECT_GE(reservations.batches * 5, reservations.requests);
  EXPECT_GT(orders.counts().requests, reservations.requests);
}

TEST(ConcurrentSagaTest, RetriesOfOneRequestRacingTheSweepYieldOneOrder) {
  InMemoryOrderParticipant orders(RealClock());
  InMemoryInventoryParticipant inventory;
  ASSERT_TRUE(inventory.ledger().UpsertProduct({4, "four", 1, 100, {}}).ok());
  SoldOutCache sold_out(absl::Seconds(2), absl::Milliseconds(100));
  ProductAdmission admission(8);
  PlaceOrderSaga saga(orders, inventory, sold_out, admission, RealClock(),
                      PlaceOrderSaga::Options());
  RecoverySweeper::Options sweep;
  sweep.recovery_age = absl::ZeroDuration();
  sweep.interval = absl::Milliseconds(1);
  RecoverySweeper sweeper(orders, saga, RealClock(), sweep);
  sweeper.Start();
  std::vector<std::thread> clients;
  std::atomic<int> approved{0};
  for (int i = 0; i < 50; ++i) {
    clients.emplace_back([&] {
      absl::StatusOr<PlaceOrderOutcome> outcome =
          saga.PlaceOrder({"same", "c", {{4, 3}}, {}});
      if (outcome.ok() && outcome->status == OrderStatus::kApproved) ++approved;
    });
  }
  for (std::thread& client : clients) client.join();
  sweeper.Stop();
  EXPECT_EQ(approved.load(), 50);
  EXPECT_EQ(inventory.Stock(4), 97);
  auto counts = orders.lifecycle().CountOrders("");
  ASSERT_TRUE(counts.ok());
  EXPECT_EQ(counts->approved, 1);
  EXPECT_EQ(counts->pending + counts->rejected, 0);
}

}  // namespace
}  // namespace order_saga::coordinator
