#include "order_service/order_decisions.h"

#include <algorithm>

#include "absl/strings/str_cat.h"

namespace order_saga::orders {

bool SameContent(const Order& order, const NewOrder& request) {
  // Stored items are sorted by product id; a request may list them in any
  // order (the same order either way).
  return order.items == SortedByProductId(request.items) &&
         order.shipping_address == request.shipping_address;
}

SagaState SagaStateOf(const Order& order, absl::Time now) {
  if (order.status != OrderStatus::kPending) return SagaState::kFinished;
  if (order.stuck) return SagaState::kStuck;
  if (order.retry_after.has_value() && *order.retry_after > now) return SagaState::kBackingOff;
  return SagaState::kActive;
}

std::string DetailShown(const Order& order, SagaState state) {
  if (state != SagaState::kStuck) return order.detail;
  return absl::StrCat("not decided yet: the order could not be completed after ",
                      order.saga_attempts, " attempts and waits for an operator (last error: ",
                      order.saga_last_error, ")");
}

SagaStateCandidates CandidatesFor(SagaState state) {
  switch (state) {
    case SagaState::kActive:
      return {true, false, true};
    case SagaState::kBackingOff:
      return {true, false, false};
    case SagaState::kStuck:
      return {true, true, std::nullopt};
    case SagaState::kFinished:
      return {false, std::nullopt, std::nullopt};
  }
  return {true, std::nullopt, std::nullopt};
}

absl::Duration SagaRetryDelay(const SagaFailure& failure, int failures) {
  absl::Duration delay = failure.retry_delay;
  for (int i = 1; i < failures && delay < failure.max_retry_delay; ++i) delay *= 2;
  return std::min(delay, failure.max_retry_delay);
}

bool TransitionApplies(const Order& order, OrderTransition::Kind kind) {
  if (order.status != OrderStatus::kPending) return false;
  return kind == OrderTransition::Kind::kReject || !order.compensating;
}

OrderChange DecideTransition(const Order& current, const OrderTransition& transition,
                             absl::Time now) {
  OrderChange change{current, false};
  if (!TransitionApplies(current, transition.kind)) return change;
  Order& order = change.order;
  switch (transition.kind) {
    case OrderTransition::Kind::kApprove:
      order.status = OrderStatus::kApproved;
      order.reject_reason = RejectReason::kNone;
      break;
    case OrderTransition::Kind::kReject:
      order.status = OrderStatus::kRejected;
      order.reject_reason = transition.reject_reason;
      order.compensating = false;
      break;
    case OrderTransition::Kind::kMarkCompensating:
      order.compensating = true;
      order.reject_reason = transition.reject_reason;
      break;
  }
  order.detail = transition.detail;
  order.update_time = now;
  change.changed = true;
  return change;
}

std::vector<absl::StatusOr<OrderChange>> DecideTransitions(
    const std::vector<NamedTransition>& transitions, std::map<std::string, Order>& orders,
    absl::Time now) {
  std::vector<absl::StatusOr<OrderChange>> results;
  results.reserve(transitions.size());
  for (const NamedTransition& named : transitions) {
    auto it = orders.find(*named.order_id);
    if (it == orders.end()) {
      results.push_back(OrderNotFound(*named.order_id));
      continue;
    }
    OrderChange change = DecideTransition(it->second, named.transition, now);
    if (change.changed) it->second = change.order;
    results.push_back(std::move(change));
  }
  return results;
}

SagaFailureDecision DecideSagaFailure(const Order& current, const SagaFailure& failure,
                                      absl::Time now) {
  SagaFailureDecision decision;
  decision.order = current;
  if (current.status != OrderStatus::kPending || current.stuck ||
      current.saga_attempts != failure.attempt - 1) {
    return decision;
  }
  Order& order = decision.order;
  decision.counted = true;
  ++order.saga_attempts;
  order.saga_last_error = failure.error;
  order.retry_after = now + SagaRetryDelay(failure, order.saga_attempts);
  decision.new_steps.push_back(
      {failure.step, order.saga_attempts, failure.error, failure.trace_id, now});
  if (order.saga_attempts >= failure.max_attempts) {
    decision.parked = true;
    order.stuck = true;
    order.update_time = now;
    decision.new_steps.push_back({"stuck", order.saga_attempts,
                                  absl::StrCat("parked after ", order.saga_attempts,
                                               " failed attempts; an operator decides"),
                                  failure.trace_id, now});
  }
  return decision;
}

absl::StatusOr<ResumeDecision> DecideResume(const Order& current, const std::string& note,
                                            const std::string& trace_id, absl::Time now) {
  if (current.status != OrderStatus::kPending) {
    return absl::FailedPreconditionError(absl::StrCat("order_id: order '", current.order_id,
                                                      "' is already ",
                                                      OrderStatusName(current.status)));
  }
  ResumeDecision decision{current, current.stuck, {"operator", 0, note, trace_id, now}};
  Order& order = decision.order;
  order.stuck = false;
  order.saga_attempts = 0;
  order.retry_after.reset();
  if (decision.was_stuck) order.update_time = now;
  return decision;
}

absl::Status OrderNotFound(const std::string& order_id) {
  return absl::NotFoundError(absl::StrCat("order_id: no order with order_id '", order_id, "'"));
}

}  // namespace order_saga::orders
