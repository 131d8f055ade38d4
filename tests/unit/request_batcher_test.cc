#include "common/request_batcher.h"

#include <atomic>
#include <thread>
#include <vector>

#include <gtest/gtest.h>

#include "absl/synchronization/notification.h"
#include "absl/time/clock.h"

namespace order_saga {
namespace {

using IntBatcher = RequestBatcher<int, int>;

// Waits (polling) until `batcher` has `n` requests queued.
void AwaitQueued(IntBatcher& batcher, int n) {
  while (batcher.queued() < n) absl::SleepFor(absl::Microseconds(200));
}

TEST(RequestBatcherTest, AnIdleBatcherRunsARequestAtOnceAlone) {
  std::vector<size_t> sizes;
  IntBatcher batcher({}, [&](const std::vector<const int*>& requests) {
    sizes.push_back(requests.size());
    return std::vector<int>{*requests[0] * 10};
  });
  EXPECT_EQ(batcher.Submit(4), 40);
  EXPECT_EQ(batcher.Submit(5), 50);
  EXPECT_EQ(sizes, (std::vector<size_t>{1, 1}));
  EXPECT_EQ(batcher.counts().batches, 2);
}

TEST(RequestBatcherTest, CallersArrivingDuringABatchShareTheNextOne) {
  absl::Notification first_batch_running, release_first_batch;
  std::vector<std::vector<int>> batches;
  absl::Mutex batches_mu;
  IntBatcher batcher({/*max_batch_size=*/100, /*max_concurrent_batches=*/1},
                     [&](const std::vector<const int*>& requests) {
                       std::vector<int> seen;
                       for (const int* r : requests) seen.push_back(*r);
                       {
                         absl::MutexLock lock(&batches_mu);
                         batches.push_back(seen);
                       }
                       if (!first_batch_running.HasBeenNotified()) {
                         first_batch_running.Notify();
                         release_first_batch.WaitForNotification();
                       }
                       std::vector<int> responses;
                       for (int r : seen) responses.push_back(-r);
                       return responses;
                     });
  int first_answer = 0;
  std::thread first([&] { first_answer = batcher.Submit(0); });
  first_batch_running.WaitForNotification();
  constexpr int kLater = 20;
  std::vector<int> answers(kLater + 1, 0);
  std::vector<std::thread> later;
  for (int i = 1; i <= kLater; ++i) {
    later.emplace_back([&, i] { answers[i] = batcher.Submit(i); });
  }
  AwaitQueued(batcher, kLater);
  release_first_batch.Notify();
  first.join();
  for (std::thread& t : later) t.join();

  EXPECT_EQ(first_answer, 0);
  for (int i = 1; i <= kLater; ++i) EXPECT_EQ(answers[i], -i) << i;
  ASSERT_EQ(batches.size(), 2u);
  EXPECT_EQ(batches[0], std::vector<int>{0});
  EXPECT_EQ(batches[1].size(), static_cast<size_t>(kLater));
  EXPECT_EQ(batcher.counts().requests, kLater + 1);
}

TEST(RequestBatcherTest, BatchesNeverExceedTheirSizeNorTheirConcurrency) {
  constexpr int kMaxBatch = 3, kMaxConcurrent = 2, kCallers = 40;
  std::atomic<int> running{0}, most_running{0}, largest{0};
  IntBatcher batcher({kMaxBatch, kMaxConcurrent},
                     [&](const std::vector<const int*>& requests) {
                       const int now = ++running;
                       int seen = most_running.load();
                       while (now > seen && !most_running.compare_exchange_weak(seen, now)) {
                       }
                       int size = static_cast<int>(requests.size());
                       int big = largest.load();
                       while (size > big && !largest.compare_exchange_weak(big, size)) {
                       }
                       absl::SleepFor(absl::Milliseconds(2));
                       std::vector<int> responses;
                       for (const int* r : requests) responses.push_back(*r + 1);
                       --running;
                       return responses;
                     });
  std::vector<int> answers(kCallers, 0);
  std::vector<std::thread> callers;
  for (int i = 0; i < kCallers; ++i) {
    callers.emplace_back([&, i] { answers[i] = batcher.Submit(i); });
  }
  for (std::thread& t : callers) t.join();
  for (int i = 0; i < kCallers; ++i) EXPECT_EQ(answers[i], i + 1);
  EXPECT_LE(most_running.load(), kMaxConcurrent);
  EXPECT_LE(largest.load(), kMaxBatch);
  EXPECT_EQ(batcher.counts().requests, kCallers);
  EXPECT_GE(batcher.counts().batches, (kCallers + kMaxBatch - 1) / kMaxBatch);
  EXPECT_EQ(batcher.queued(), 0);
}

}  // namespace
}  // namespace order_saga
