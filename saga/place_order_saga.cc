#include "saga/place_order_saga.h"

#include <algorithm>

#include <glog/logging.h>

#include "absl/strings/str_cat.h"
#include "common/request_validation.h"
#include "absl/random/random.h"
#include "common/status_macros.h"
#include "common/trace_context.h"

namespace order_saga::coordinator {

PlaceOrderOutcome PlaceOrderSaga::Unfinished(const OrderSnapshot& order,
                                             const std::string& step, const absl::Status& why,
                                             const std::atomic<bool>* cancel) {
  const std::string& order_id = order.order_id;
  if (IsStoppedError(why) || Stopped(cancel)) {
    // Not the order's failure: this coordinator stops. Nothing is counted;
    // the recovery sweep of a coordinator that runs goes on from here.
    LOG(INFO) << "order " << order_id << " PENDING: " << step
              << " not finished, the coordinator is shutting down";
    return {order_id, OrderStatus::kPending, RejectReason::kNone,
            "decision not completed yet (the coordinator shut down); it will be completed by "
            "recovery"};
  }
  absl::BitGen random;
  SagaFailureReport report;
  // The attempt this drive made: reported again (or rerun by the order
  // service after a lost COMMIT), it is counted once.
  report.attempt = order.saga_attempts + 1;
  report.step = step;
  report.error = TruncateUtf8(why.ToString(), kMaxDetailBytes);
  report.max_attempts = options_.max_attempts;
  report.retry_delay = options_.attempt_backoff * absl::Uniform(random, 0.8, 1.2);
  report.max_retry_delay = std::max(report.retry_delay, options_.max_attempt_backoff);
  absl::StatusOr<OrderSnapshot> recorded =
      orders_.bookkeeping.RecordSagaFailure(order_id, report, clock_.Now() + options_.retry.call_timeout);
  const bool parked = recorded.ok() && recorded->stuck;
  if (!recorded.ok()) {
    LOG(WARNING) << "order " << order_id << " PENDING: " << step << " failed: " << why
                 << " (the failure could not be recorded: " << recorded.status() << ")";
  } else if (parked) {
    LOG(ERROR) << "order " << order_id << " STUCK after " << recorded->saga_attempts
               << " failed attempts; last: " << step << ": " << why
               << "; an operator decides (SagaAdmin)";
  } else {
    LOG(WARNING) << "order " << order_id << " PENDING: " << step << " failed (attempt "
                 << recorded->saga_attempts << " of " << options_.max_attempts << "): " << why
                 << "; the recovery sweep retries it";
  }
  if (options_.on_attempt_failed) options_.on_attempt_failed(step, parked);
  return {order_id, OrderStatus::kPending, RejectReason::kNone,
          parked ? absl::StrCat("not decided: the order could not be completed (",
                                why.message(), ") and waits for an operator")
                 : absl::StrCat("decision not completed yet (", why.message(),
                                "); it will be completed by recovery")};
}

PlaceOrderOutcome PlaceOrderSaga::Decided(const OrderSnapshot& order) const {
  return {order.order_id, order.status, order.reject_reason, order.detail};
}

absl::StatusOr<PlaceOrderOutcome> PlaceOrderSaga::PlaceOrder(
    const PlaceOrderCommand& command,
    const std::function<void(const PlaceOrderOutcome&)>& on_recorded) {
  RETURN_IF_ERROR(ValidateNewOrder(command.request_id, command.customer_id,
                                   command.items, command.shipping_address));
  ScopedTraceId trace(command.trace_id.empty() ? NewTraceId() : command.trace_id);
  // Overload is refused with nothing written, before the saga's clock runs:
  // a saga that waited for its slot still has its whole deadline (it used
  // to reach Reserve with none left and be compensated as
  // INVENTORY_UNAVAILABLE although the inventory was never asked).
  if (command.respond_within <= absl::ZeroDuration()) {
    return absl::DeadlineExceededError(
        "the call's deadline passed before the order was looked at; nothing was recorded");
  }
  ASSIGN_OR_RETURN(
      ProductAdmission::Ticket ticket,
      admission_.Admit(command.items, std::min(options_.admission_wait, command.respond_within)));
  const absl::Time deadline = clock_.Now() + options_.saga_deadline;

  std::optional<int64_t> sold_out = sold_out_.FirstSoldOut(command.items, clock_.Now());
  if (sold_out.has_value() && sold_out_.NeedsRecheck(*sold_out, clock_.Now())) {
    // The hint is getting old: ask the inventory (a restock may have come).
    absl::StatusOr<std::vector<int64_t>> now_sold_out = inventory_.SoldOutAmong(
        command.items, std::min(deadline, clock_.Now() + options_.retry.call_timeout));
    if (now_sold_out.ok()) {
      sold_out_.Observe(command.items, *now_sold_out, clock_.Now());
      sold_out = sold_out_.FirstSoldOut(command.items, clock_.Now());
    }
  }
  if (sold_out.has_value()) {
    // A retry of a request that already has an order must get that order.
    absl::StatusOr<std::optional<OrderSnapshot>> existing = orders_.lookup.FindByRequestId(
        command.customer_id, command.request_id,
        std::min(deadline, clock_.Now() + options_.retry.call_timeout));
    if (existing.ok() && !existing->has_value()) {
      LOG(INFO) << "request " << command.request_id
                << " REJECTED at the door: SOLD_OUT (product " << *sold_out << ")";
      return PlaceOrderOutcome{"", OrderStatus::kRejected, RejectReason::kSoldOut,
                               absl::StrCat("product ", *sold_out, " is sold out")};
    }
  }

  absl::StatusOr<OrderSnapshot> order =
      Retry(deadline, /*cancel=*/nullptr, [&](absl::Time call_deadline) {
        return orders_.steps.CreateOrder(command, call_deadline);
      });
  if (!order.ok()) {
    if (absl::IsInvalidArgument(order.status())) return order.status();
    return absl::UnavailableError(
        absl::StrCat("the order could not be recorded (", order.status().message(),
                     "); retry with the same request_id"));
  }
  if (order->status != OrderStatus::kPending) return Decided(*order);
  if (on_recorded) {
    on_recorded({order->order_id, OrderStatus::kPending, RejectReason::kNone,
                 "recorded; the decision follows (WatchOrder)"});
  }
  return Drive(*order, deadline);
}

bool PlaceOrderSaga::Stopped(const std::atomic<bool>* cancel) const {
  return stopping_.load() || (cancel != nullptr && cancel->load());
}

PlaceOrderOutcome PlaceOrderSaga::Drive(const OrderSnapshot& order, absl::Time deadline,
                                        const std::atomic<bool>* cancel) {
  if (order.status != OrderStatus::kPending) return Decided(order);
  ScopedTraceIdUnlessSet trace(order.trace_id);
  if (order.compensating) {
    return Compensate(order, order.reject_reason, order.detail, /*final_say=*/false, cancel);
  }
  // Whether the inventory was asked at all: a Reserve that never left this
  // process (the deadline passed first, under overload) is no sign of an
  // unavailable inventory, and must not be compensated as one.
  bool asked = false;
  // And the inventory gets at least one full call timeout to answer, however
  // much of the deadline the steps before took (under overload, CreateOrder
  // may take nearly all of it): a Reserve sent with no time left would time
  // out on a healthy inventory and be compensated as its unavailability.
  const absl::Time reserve_deadline = std::max(deadline, clock_.Now() + options_.retry.call_timeout);
  absl::StatusOr<ReserveAnswer> answer =
      Retry(reserve_deadline, cancel, [&](absl::Time call_deadline) {
        absl::StatusOr<ReserveAnswer> attempt =
            inventory_.Reserve(order.order_id, order.items, call_deadline);
        asked = asked || !IsNotSentError(attempt.status());
        return attempt;
      });
  if (IsStoppedError(answer.status())) return Unfinished(order, "reserve", answer.status(), cancel);
  if (!answer.ok() && !asked) {
    // PENDING, for the recovery sweep (Reserve is idempotent).
    return Unfinished(order, "reserve",
                      absl::DeadlineExceededError(
                          "the saga deadline passed before the inventory could be asked"),
                      cancel);
  }
  if (!answer.ok()) {
    return Compensate(order, RejectReason::kInventoryUnavailable,
                      absl::StrCat("inventory did not answer: ", answer.status().message()),
                      /*final_say=*/false, cancel);
  }
  sold_out_.Observe(order.items, answer->sold_out_product_ids, clock_.Now());
  switch (answer->outcome) {
    case ReserveOutcome::kReserved:
      return Approve(order, deadline, cancel);
    case ReserveOutcome::kOutOfStock:
      return Reject(order, RejectReason::kOutOfStock, answer->detail, deadline, cancel);
    case ReserveOutcome::kUnknownProduct:
      return Reject(order, RejectReason::kUnknownProduct, answer->detail, deadline, cancel);
    case ReserveOutcome::kReleased:
      // Someone compensated this order already; finish that compensation.
      return Compensate(order, RejectReason::kInventoryUnavailable,
                        "reservation was released before it could be made",
                        /*final_say=*/false, cancel);
  }
  return Unfinished(order, "reserve", absl::InternalError("unknown reserve outcome"), cancel);
}

PlaceOrderOutcome PlaceOrderSaga::Approve(const OrderSnapshot& order, absl::Time deadline,
                                          const std::atomic<bool>* cancel) {
  absl::StatusOr<OrderSnapshot> approved =
      Retry(deadline, cancel, [&](absl::Time call_deadline) {
        return orders_.steps.ApproveOrder(order.order_id, call_deadline);
      });
  if (!approved.ok()) return Unfinished(order, "approve", approved.status(), cancel);
  if (approved->status == OrderStatus::kApproved) {
    LOG(INFO) << "order " << order.order_id << " APPROVED";
    return Decided(*approved);
  }
  // Lost to a rejection (or one in progress): our reservation must go back.
  const RejectReason reason = approved->reject_reason == RejectReason::kNone
                                  ? RejectReason::kInventoryUnavailable
                                  : approved->reject_reason;
  return Compensate(order, reason, approved->detail, /*final_say=*/false, cancel);
}

PlaceOrderOutcome PlaceOrderSaga::Reject(const OrderSnapshot& order, RejectReason reason,
                                         const std::string& detail, absl::Time deadline,
                                         const std::atomic<bool>* cancel) {
  const std::string& order_id = order.order_id;
  absl::StatusOr<OrderSnapshot> rejected =
      Retry(deadline, cancel, [&](absl::Time call_deadline) {
        return orders_.steps.RejectOrder(order_id, reason, detail, call_deadline);
      });
  if (!rejected.ok()) return Unfinished(order, "reject", rejected.status(), cancel);
  LOG(INFO) << "order " << order_id << " " << OrderStatusName(rejected->status) << " "
            << RejectReasonName(rejected->reject_reason) << ": " << rejected->detail;
  return Decided(*rejected);
}

PlaceOrderOutcome PlaceOrderSaga::Compensate(const OrderSnapshot& order,
                                             RejectReason reason, const std::string& detail,
                                             bool final_say, const std::atomic<bool>* cancel) {
  const std::string& order_id = order.order_id;
  const absl::Time deadline = clock_.Now() + options_.compensation_deadline;
  // 1. Make the order unapprovable; if it was approved first, it keeps its
  //    reservation and there is nothing to compensate.
  absl::StatusOr<OrderSnapshot> marked =
      Retry(deadline, cancel, [&](absl::Time call_deadline) {
        return orders_.steps.MarkCompensating(order_id, reason, detail, call_deadline);
      });
  if (!marked.ok()) return Unfinished(order, "mark_compensating", marked.status(), cancel);
  if (marked->status == OrderStatus::kApproved) {
    LOG(INFO) << "order " << order_id << " APPROVED (approval won over compensation)";
    return Decided(*marked);
  }
  // 2. Give the stock back (a tombstone if Reserve never ran).
  absl::Status released =
      Retry(deadline, cancel, [&](absl::Time call_deadline) {
        return inventory_.Release(order_id, call_deadline);
      });
  if (!released.ok()) return Unfinished(order, "release", released, cancel);
  // 3. Only now is the order REJECTED: nothing is held for it.
  if (final_say) return Reject(order, reason, detail, deadline, cancel);
  const RejectReason final_reason =
      marked->reject_reason == RejectReason::kNone ? reason : marked->reject_reason;
  return Reject(order, final_reason, marked->detail, deadline, cancel);
}

PlaceOrderOutcome PlaceOrderSaga::ForceReject(const OrderSnapshot& order,
                                              const std::string& note) {
  if (order.status != OrderStatus::kPending) return Decided(order);
  ScopedTraceIdUnlessSet trace(order.trace_id);
  LOG(WARNING) << "order " << order.order_id << " force-rejected by an operator: " << note;
  return Compensate(order, RejectReason::kRejectedByOperator,
                    absl::StrCat("rejected by an operator: ", note), /*final_say=*/true,
                    /*cancel=*/nullptr);
}

}  // namespace order_saga::coordinator
