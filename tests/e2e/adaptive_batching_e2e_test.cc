// Batching adapts to the load, on the real servers: an order that finds
// nothing in flight rides in a batch of its own, and batches grow while
// earlier ones are busy. Read from the coordinator's batch-size histograms
// (ordersaga_batch_size{batcher=...}), as deltas around each phase. That a
// lone request leaves at once, waiting for nobody, is RequestBatcherTest's
// (a unit test); no timing is asserted here (docs/BENCHMARKS.md has the
// latency curve).
#include <grpcpp/grpcpp.h>
#include <gtest/gtest.h>

#include "absl/strings/str_cat.h"
#include "tests/e2e/concurrent_orders.h"
#include "tests/e2e/metrics_scrape.h"
#include "tests/e2e/stack_test.h"

namespace order_saga::testing {
namespace {

constexpr int64_t kProduct = 31;

// The coordinator's batchers: its calls to the order service (create and
// approve) and its reservations.
constexpr const char* kBatchers[] = {"coordinator_order_calls", "coordinator_reservations"};

struct BatchTotals {
  double batches = 0;        // _count
  double requests = 0;       // _sum
  double single = 0;         // batches of exactly one (the le="1" bucket)
};

BatchTotals Totals(const std::string& metrics, const std::string& batcher) {
  const std::string labels = absl::StrCat("{batcher=\"", batcher, "\"}");
  BatchTotals totals;
  totals.batches = Sample(metrics, absl::StrCat("ordersaga_batch_size_count", labels));
  totals.requests = Sample(metrics, absl::StrCat("ordersaga_batch_size_sum", labels));
  totals.single = Sample(
      metrics, absl::StrCat("ordersaga_batch_size_bucket{batcher=\"", batcher, "\",le=\"1\"}"));
  return totals;
}

BatchTotals Delta(const BatchTotals& before, const BatchTotals& after) {
  return {after.batches - before.batches, after.requests - before.requests,
          after.single - before.single};
}

class AdaptiveBatchingE2ETest : public StackTest {
 protected:
  std::string Scrape() {
    std::string metrics = ScrapeMetrics(stack_->saga_metrics_address());
    EXPECT_FALSE(metrics.empty()) << "no metrics from " << stack_->saga_metrics_address();
    return metrics;
  }
};

TEST_F(AdaptiveBatchingE2ETest, AnOrderAloneLeavesInABatchOfItsOwnAndBatchesGrowUnderLoad) {
  UpsertTestProduct(*inventory_, kProduct, 1'000'000);

  // Low load: one order at a time. Each step finds nothing in flight, so
  // every batch carries exactly that one order: nothing waited for company.
  const std::string before_alone = Scrape();
  constexpr int kAlone = 20;
  for (int i = 0; i < kAlone; ++i) {
    std::vector<PlacedOrder> placed = PlaceAtOnce(*saga_, 1, absl::StrCat("alone-", i, "-"),
                                                  {{kProduct, 1}});
    ASSERT_TRUE(placed[0].status.ok()) << placed[0].status.error_message();
    ASSERT_EQ(placed[0].response.status(), order::v1::ORDER_STATUS_APPROVED);
  }
  const std::string after_alone = Scrape();
  for (const char* batcher : kBatchers) {
    const BatchTotals alone = Delta(Totals(before_alone, batcher), Totals(after_alone, batcher));
    EXPECT_GE(alone.batches, kAlone) << batcher;
    EXPECT_EQ(alone.requests, alone.batches) << batcher << ": a batch held more than one order";
    EXPECT_EQ(alone.single, alone.batches) << batcher;
  }

  // High load: 128 orders at once (the admission limit per product). While
  // a batch is in flight the others queue and ride the next one together.
  // (A member of a batch that timed out retries and is counted again: at
  // least one request per order, not exactly one.)
  constexpr int kAtOnce = 128;
  std::vector<PlacedOrder> placed = PlaceAtOnce(*saga_, kAtOnce, "load-", {{kProduct, 1}});
  for (const PlacedOrder& order : placed) {
    ASSERT_TRUE(order.status.ok()) << order.status.error_message();
  }
  const std::string after_load = Scrape();
  const BatchTotals reservations = Delta(Totals(after_alone, "coordinator_reservations"),
                                         Totals(after_load, "coordinator_reservations"));
  EXPECT_GE(reservations.requests, kAtOnce);
  EXPECT_LT(reservations.batches, reservations.requests) << "no batch carried two orders";
  EXPECT_LT(reservations.single, reservations.batches);
}

}  // namespace
}  // namespace order_saga::testing
