// The order saga (DESIGN.md): validate, turn away known sold-out items at the
// door, record the order, reserve all items at once, then approve, or reject
// and compensate. Every step is idempotent, so the same order may be driven
// by several callers (a retrying client, the recovery sweep of any
// coordinator) and still ends in one state. Thread-safe.
//
// Who may release stock: only a caller that has made the order unapprovable
// first (MarkCompensating won, or ApproveOrder found the order rejected or
// compensating). So an APPROVED order always keeps its reservation, and an
// order is REJECTED only once nothing is held for it.
#pragma once

#include <atomic>
#include <functional>
#include <string>

#include "absl/status/statusor.h"
#include "common/clock.h"
#include "saga/participants.h"
#include "saga/product_admission.h"
#include "saga/retry.h"
#include "saga/sold_out_cache.h"

namespace order_saga::coordinator {

struct PlaceOrderOutcome {
  std::string order_id;  // empty when turned away at the door
  OrderStatus status = OrderStatus::kPending;
  RejectReason reject_reason = RejectReason::kNone;
  std::string detail;
};

class PlaceOrderSaga {
 public:
  struct Options {
    // Time a saga gets from admission to a decision.
    absl::Duration saga_deadline = absl::Seconds(5);
    // Longest wait for an admission slot (ProductAdmission), before and
    // apart from the saga deadline; past it, RESOURCE_EXHAUSTED and
    // nothing written.
    absl::Duration admission_wait = absl::Seconds(2);
    // Extra time a compensation (mark, release, reject) gets once started.
    absl::Duration compensation_deadline = absl::Seconds(5);
    RetryPolicy retry;
    // A drive that ends without a decision counts as a failed attempt
    // (SagaBookkeeping::RecordSagaFailure); at `max_attempts` the order is
    // parked as stuck. The recovery sweep leaves it alone for
    // attempt_backoff x 2^(n-1) after the n-th failure, at most
    // max_attempt_backoff (each jittered by +-20%).
    int max_attempts = 10;
    absl::Duration attempt_backoff = absl::Seconds(15);
    absl::Duration max_attempt_backoff = absl::Minutes(10);
    // Told of each failed attempt (the step) and whether it parked the
    // order (metrics).
    std::function<void(const std::string& step, bool parked)> on_attempt_failed;
  };

  // Collaborators must outlive the saga.
  PlaceOrderSaga(OrderPorts orders, InventoryParticipant& inventory,
                 SoldOutCache& sold_out, ProductAdmission& admission, Clock& clock,
                 Options options)
      : orders_(orders),
        inventory_(inventory),
        sold_out_(sold_out),
        admission_(admission),
        clock_(clock),
        options_(options) {}

  // Runs the saga for a client request. INVALID_ARGUMENT naming the field
  // for bad input (nothing is written); DEADLINE_EXCEEDED if the caller's
  // time was up on arrival, RESOURCE_EXHAUSTED if no admission slot
  // (ProductAdmission) freed up within the admission wait (both: overload,
  // nothing written, retry with the same request_id); UNAVAILABLE if the
  // order could not be recorded before the deadline (retry likewise).
  // Otherwise the outcome: APPROVED, REJECTED with a reason, or PENDING if a
  // participant stayed silent past the deadline (the sweep finishes it).
  // `on_recorded`, if set, is called once the order is recorded and still
  // PENDING, before the rest of the saga runs (a client that asked to be
  // answered then).
  absl::StatusOr<PlaceOrderOutcome> PlaceOrder(
      const PlaceOrderCommand& command,
      const std::function<void(const PlaceOrderOutcome&)>& on_recorded = nullptr);

  // Drives a recorded order from the Reserve step (or from its compensation
  // if one was started) to a decision. Used by PlaceOrder, by recovery and
  // by operators. Logs carry the order's trace id. Once `cancel` (if set) is
  // true, no further participant call is started: the drive ends PENDING
  // within the call in flight's timeout, and nothing is counted against
  // the order (a recovery sweep that stops).
  PlaceOrderOutcome Drive(const OrderSnapshot& order, absl::Time deadline,
                          const std::atomic<bool>* cancel = nullptr);

  // An operator's rejection (SagaAdmin/ForceRejectOrder): compensates the
  // order with REJECTED_BY_OPERATOR and `note`. An order approved first
  // stays approved.
  PlaceOrderOutcome ForceReject(const OrderSnapshot& order, const std::string& note);

  const Options& options() const { return options_; }

  // The coordinator stops: every saga in flight starts no further
  // participant call and ends PENDING (for another coordinator's sweep)
  // within the call in flight's timeout. Irreversible.
  void Stop() { stopping_.store(true); }

 private:
  // RetryUntil with this saga's policy, stopped by Stop() or `cancel`.
  template <typename Call>
  auto Retry(absl::Time deadline, const std::atomic<bool>* cancel, Call call) {
    return RetryUntil(clock_, deadline, options_.retry, call,
                      [this, cancel] { return Stopped(cancel); });
  }
  bool Stopped(const std::atomic<bool>* cancel) const;

  // The outcome of a drive that could not finish `step`: the failure is
  // recorded (counted, backed off, parked at the budget) and the order
  // stays PENDING for the sweep or an operator.
  // A drive stopped by its coordinator's shutdown is not counted.
  PlaceOrderOutcome Unfinished(const OrderSnapshot& order, const std::string& step,
                               const absl::Status& why, const std::atomic<bool>* cancel);

  PlaceOrderOutcome Approve(const OrderSnapshot& order, absl::Time deadline,
                            const std::atomic<bool>* cancel);
  PlaceOrderOutcome Reject(const OrderSnapshot& order, RejectReason reason,
                           const std::string& detail, absl::Time deadline,
                           const std::atomic<bool>* cancel);
  // With `final_say`, the rejection takes `reason` and `detail` even if a
  // compensation with another reason was started before (an operator's).
  PlaceOrderOutcome Compensate(const OrderSnapshot& order, RejectReason reason,
                               const std::string& detail, bool final_say,
                               const std::atomic<bool>* cancel);
  PlaceOrderOutcome Decided(const OrderSnapshot& order) const;

  const OrderPorts orders_;
  InventoryParticipant& inventory_;
  SoldOutCache& sold_out_;
  ProductAdmission& admission_;
  Clock& clock_;
  const Options options_;
  std::atomic<bool> stopping_{false};
};

}  // namespace order_saga::coordinator
