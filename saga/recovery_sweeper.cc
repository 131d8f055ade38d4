#include "saga/recovery_sweeper.h"

#include <glog/logging.h>

namespace order_saga::coordinator {

absl::StatusOr<int> RecoverySweeper::SweepOnce() {
  int recovered = 0;
  std::string page_token;
  do {
    absl::StatusOr<StaleOrderPage> page = orders_.bookkeeping.ListStalePending(
        options_.recovery_age, page_token, clock_.Now() + options_.call_timeout);
    if (!page.ok()) return page.status();
    for (const OrderSnapshot& listed : page->orders) {
      // Stop() ends the sweep between orders, and cuts the drive in flight
      // short (it starts no further call).
      if (cancel_.load()) return recovered;
      // Read the order again right before driving it: the page may be
      // minutes old by now (each order before it took up to a saga and a
      // compensation deadline), and a Reserve must only ever follow a
      // fresh read of a PENDING order that is not compensating (the proof
      // that retention is long enough rests on it; OPERATIONS.md).
      const absl::Time deadline = clock_.Now() + options_.saga_deadline;
      absl::StatusOr<std::optional<OrderSnapshot>> fresh =
          orders_.lookup.FindOrder(listed.order_id, clock_.Now() + options_.call_timeout);
      if (!fresh.ok()) return fresh.status();
      if (!fresh->has_value() || (*fresh)->status != OrderStatus::kPending) continue;
      const OrderSnapshot& order = **fresh;
      PlaceOrderOutcome outcome = saga_.Drive(order, deadline, &cancel_);
      LOG(INFO) << "order " << order.order_id << " recovered: "
                << OrderStatusName(outcome.status) << " "
                << RejectReasonName(outcome.reject_reason);
      ++recovered;
    }
    page_token = page->next_page_token;
  } while (!page_token.empty() && !cancel_.load());
  return recovered;
}

void RecoverySweeper::Start() {
  absl::MutexLock lock(&mu_);
  stopping_ = false;
  cancel_.store(false);
  if (!thread_.joinable()) thread_ = std::thread([this] { Loop(); });
}

void RecoverySweeper::Stop() {
  cancel_.store(true);
  {
    absl::MutexLock lock(&mu_);
    stopping_ = true;
  }
  if (thread_.joinable()) thread_.join();
}

void RecoverySweeper::Loop() {
  while (true) {
    {
      absl::MutexLock lock(&mu_);
      auto stopping = [this]() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) { return stopping_; };
      if (mu_.AwaitWithTimeout(absl::Condition(&stopping), options_.interval)) return;
    }
    absl::StatusOr<int> recovered = SweepOnce();
    if (!recovered.ok()) {
      LOG(WARNING) << "recovery sweep failed: " << recovered.status();
    } else if (options_.on_recovered) {
      options_.on_recovered(*recovered);
    }
    if (options_.on_stuck_count && !cancel_.load()) {
      absl::StatusOr<int64_t> stuck = orders_.bookkeeping.CountStuck(clock_.Now() + options_.call_timeout);
      if (stuck.ok()) options_.on_stuck_count(*stuck);
    }
  }
}

}  // namespace order_saga::coordinator
