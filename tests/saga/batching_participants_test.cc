// The coordinator's batching of Reserve calls under deadline pressure
// (issue 13, defect 3): a member whose deadline passed while it queued is
// answered DEADLINE_EXCEEDED and not sent; the batch goes with the latest
// deadline of the others, each entry with its own as not_after, so one
// member about to expire cannot fail the rest.
#include <thread>

#include <gtest/gtest.h>

#include "absl/synchronization/mutex.h"
#include "absl/synchronization/notification.h"
#include "absl/time/clock.h"
#include "common/fake_clock.h"
#include "saga/batching_participants.h"

namespace order_saga::coordinator {
namespace {

// Records each batch; the first one waits until released.
class RecordingInventory final : public InventoryParticipant {
 public:
  struct Batch {
    std::vector<std::string> order_ids;
    std::vector<absl::Time> not_afters;
    absl::Time deadline;
  };

  absl::StatusOr<ReserveAnswer> Reserve(const std::string&, const std::vector<LineItem>&,
                                        absl::Time) override {
    return ReserveAnswer{ReserveOutcome::kReserved, {}, "reserved"};
  }
  std::vector<absl::StatusOr<ReserveAnswer>> ReserveBatch(
      const std::vector<const ReserveCall*>& calls, absl::Time deadline) override {
    Batch batch;
    for (const ReserveCall* call : calls) {
      batch.order_ids.push_back(call->order_id);
      batch.not_afters.push_back(call->not_after);
    }
    batch.deadline = deadline;
    bool first;
    {
      absl::MutexLock lock(&mu_);
      first = batches_.empty();
      batches_.push_back(batch);
    }
    if (first) release_first.WaitForNotification();
    return std::vector<absl::StatusOr<ReserveAnswer>>(
        calls.size(), ReserveAnswer{ReserveOutcome::kReserved, {}, "reserved"});
  }
  absl::Status Release(const std::string&, absl::Time) override { return absl::OkStatus(); }
  absl::StatusOr<std::vector<int64_t>> SoldOutAmong(const std::vector<LineItem>&,
                                                    absl::Time) override {
    return std::vector<int64_t>();
  }

  std::vector<Batch> batches() {
    absl::MutexLock lock(&mu_);
    return batches_;
  }
  absl::Notification release_first;

 private:
  absl::Mutex mu_;
  std::vector<Batch> batches_;
};

TEST(BatchingParticipantsTest, AMemberThatExpiredWhileQueuedIsNotSentAndCannotFailTheOthers) {
  FakeClock clock(absl::Now());
  const absl::Time t0 = clock.Now();
  RecordingInventory inner;
  BatchingInventoryParticipant batching(inner, BatchOptions{16, 1, {}}, clock);
  absl::StatusOr<ReserveAnswer> first, short_lived, long_lived;
  std::thread leader([&] { first = batching.Reserve("first", {{1, 1}}, t0 + absl::Seconds(5)); });
  while (inner.batches().empty()) absl::SleepFor(absl::Milliseconds(1));
  // Two more queue behind the running batch: one with 1 s left, one with 5 s.
  std::thread a([&] { short_lived = batching.Reserve("short", {{1, 1}}, t0 + absl::Seconds(1)); });
  std::thread b([&] { long_lived = batching.Reserve("long", {{1, 1}}, t0 + absl::Seconds(5)); });
  absl::SleepFor(absl::Milliseconds(200));  // both queued
  clock.Advance(absl::Seconds(2));          // "short" expires while it waits
  inner.release_first.Notify();
  leader.join();
  a.join();
  b.join();

  ASSERT_TRUE(first.ok()) << first.status();
  EXPECT_TRUE(absl::IsDeadlineExceeded(short_lived.status())) << short_lived.status();
  ASSERT_TRUE(long_lived.ok()) << long_lived.status();
  const std::vector<RecordingInventory::Batch> batches = inner.batches();
  ASSERT_EQ(batches.size(), 2u);
  EXPECT_EQ(batches[1].order_ids, std::vector<std::string>{"long"});
  EXPECT_EQ(batches[1].deadline, t0 + absl::Seconds(5));
  EXPECT_EQ(batches[1].not_afters, std::vector<absl::Time>{t0 + absl::Seconds(5)});
}

// The batch deadline is the latest of its members', and each entry keeps
// its own as not_after (an entry about to expire is refused alone by the
// inventory if it arrives late, instead of failing its batch).
TEST(BatchingParticipantsTest, ABatchGoesWithTheLatestDeadlineAndEachEntryWithItsOwn) {
  FakeClock clock(absl::Now());
  const absl::Time t0 = clock.Now();
  RecordingInventory inner;
  BatchingInventoryParticipant batching(inner, BatchOptions{16, 1, {}}, clock);
  std::thread leader([&] { (void)batching.Reserve("first", {{1, 1}}, t0 + absl::Seconds(5)); });
  while (inner.batches().empty()) absl::SleepFor(absl::Milliseconds(1));
  std::thread a([&] { (void)batching.Reserve("soon", {{1, 1}}, t0 + absl::Milliseconds(300)); });
  std::thread b([&] { (void)batching.Reserve("later", {{1, 1}}, t0 + absl::Seconds(4)); });
  absl::SleepFor(absl::Milliseconds(200));
  inner.release_first.Notify();
  leader.join();
  a.join();
  b.join();
  const std::vector<RecordingInventory::Batch> batches = inner.batches();
  ASSERT_EQ(batches.size(), 2u);
  ASSERT_EQ(batches[1].order_ids.size(), 2u);
  EXPECT_EQ(batches[1].deadline, t0 + absl::Seconds(4));
  for (size_t i = 0; i < 2; ++i) {
    EXPECT_EQ(batches[1].not_afters[i], batches[1].order_ids[i] == "soon"
                                            ? t0 + absl::Milliseconds(300)
                                            : t0 + absl::Seconds(4));
  }
}

}  // namespace
}  // namespace order_saga::coordinator
