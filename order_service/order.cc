#include "order_service/order.h"

#include <algorithm>

namespace order_saga::orders {

bool SameContent(const Order& order, const NewOrder& request) {
  // Stored items are sorted by product id; a request may list them in any
  // order (the same order either way).
  return order.items == SortedByProductId(request.items) &&
         order.shipping_address == request.shipping_address;
}

bool TransitionApplies(const Order& order, OrderTransition::Kind kind) {
  if (order.status != OrderStatus::kPending) return false;
  // Rejection may finish a compensation; approval and a second compensation
  // may not (the first compensation's reason stands).
  return kind == OrderTransition::Kind::kReject || !order.compensating;
}

void ApplyTransition(const OrderTransition& transition, Order& order) {
  switch (transition.kind) {
    case OrderTransition::Kind::kApprove:
      order.status = OrderStatus::kApproved;
      order.reject_reason = RejectReason::kNone;
      order.detail = transition.detail;
      break;
    case OrderTransition::Kind::kReject:
      order.status = OrderStatus::kRejected;
      order.reject_reason = transition.reject_reason;
      order.detail = transition.detail;
      order.compensating = false;
      break;
    case OrderTransition::Kind::kMarkCompensating:
      order.compensating = true;
      order.reject_reason = transition.reject_reason;
      order.detail = transition.detail;
      break;
  }
}

absl::Duration SagaRetryDelay(const SagaFailure& failure, int failures) {
  absl::Duration delay = failure.retry_delay;
  for (int i = 1; i < failures && delay < failure.max_retry_delay; ++i) delay *= 2;
  return std::min(delay, failure.max_retry_delay);
}

SagaState SagaStateOf(const Order& order, absl::Time now) {
  if (order.status != OrderStatus::kPending) return SagaState::kFinished;
  if (order.stuck) return SagaState::kStuck;
  if (order.retry_after.has_value() && *order.retry_after > now) return SagaState::kBackingOff;
  return SagaState::kActive;
}

}  // namespace order_saga::orders
