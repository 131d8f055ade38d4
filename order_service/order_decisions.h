// The order rules, as pure functions: both repositories lock and load the
// orders a unit of work touches, ask these what becomes of them, and store
// the result by primary key (the way inventory_service/reservation_decision.h
// serves the stock). No SQL states a rule; the typed storage suite runs the
// MySQL and the in-memory repository against the same expectations.
#pragma once

#include <map>
#include <optional>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "order_service/order.h"

namespace order_saga::orders {

// Whether `order` (stored under the caller's request id) is what `request`
// asks for: the same items and quantities and the same shipping address.
// The same key with other content is refused (docs/ARCHITECTURE.md,
// "Idempotency keys").
bool SameContent(const Order& order, const NewOrder& request);

// Where an order's saga stands at `now` (the storage's clock).
SagaState SagaStateOf(const Order& order, absl::Time now);

// The detail an order shows its readers in `state`: a stuck order's says
// that it waits for an operator (with its attempts and last error); any
// other's is the stored one.
std::string DetailShown(const Order& order, SagaState state);

// The stored columns every order in `state` has, so that storage can
// narrow a listing by column values before SagaStateOf decides: its status
// is PENDING or not; when set, its stuck flag is this; when set, whether
// its retry time has come (`retry_after` unset or not after now, by the
// storage's clock). Together they select exactly the orders in `state`
// (tests/unit check that against SagaStateOf).
struct SagaStateCandidates {
  bool pending;
  std::optional<bool> stuck;
  std::optional<bool> retry_due;
};
SagaStateCandidates CandidatesFor(SagaState state);

// The backoff after an order's `failures`-th failed attempt (>= 1):
// retry_delay x 2^(failures-1), at most max_retry_delay.
absl::Duration SagaRetryDelay(const SagaFailure& failure, int failures);

// The transition rule: every transition needs a PENDING order; approval and
// MarkCompensating also need it not to be compensating already (rejection
// may finish a compensation; the first compensation's reason stands).
// Anything else is a no-op that leaves the winner in place.
bool TransitionApplies(const Order& order, OrderTransition::Kind kind);

// What a unit of work makes of one order: the order as it stands afterwards
// and whether it changed (a change is stored, and gets an outbox event).
struct OrderChange {
  Order order;
  bool changed = false;
};

// `transition` on `current` at `now`: applied if TransitionApplies
// (update_time becomes `now`), else the order unchanged.
OrderChange DecideTransition(const Order& current, const OrderTransition& transition,
                             absl::Time now);

// Several transitions decided one after another against `orders` (by order
// id; the caller loaded them, locked), each seeing the ones before it: an
// order named twice is decided by its first entry when both are of one
// kind. `orders` is updated to the state after all of them. One result per
// transition, in order; NOT_FOUND for an order id missing from `orders`.
struct NamedTransition {
  const std::string* order_id;
  OrderTransition transition;
};
std::vector<absl::StatusOr<OrderChange>> DecideTransitions(
    const std::vector<NamedTransition>& transitions, std::map<std::string, Order>& orders,
    absl::Time now);

// A failed attempt reported for `current` at `now`. Counted only for a
// PENDING, not stuck order whose count is failure.attempt - 1 (else a
// repeat, or the order moved on: nothing changes). Counting it sets the
// backoff and the last error and appends the attempt to the history; the
// max_attempts-th failure also parks the order as stuck, which is a visible
// change (update_time moves, an outbox event).
struct SagaFailureDecision {
  Order order;
  bool counted = false;
  bool parked = false;
  std::vector<SagaStep> new_steps;  // history entries to append, in order
};
SagaFailureDecision DecideSagaFailure(const Order& current, const SagaFailure& failure,
                                      absl::Time now);

// An operator takes over `current` at `now`: clears stuck, the attempt count
// and the backoff, and records `note`. Un-parking is a visible change.
// FAILED_PRECONDITION if the order is final.
struct ResumeDecision {
  Order order;
  bool was_stuck = false;
  SagaStep step;
};
absl::StatusOr<ResumeDecision> DecideResume(const Order& current, const std::string& note,
                                            const std::string& trace_id, absl::Time now);

// The NOT_FOUND every repository gives for an unknown order id.
absl::Status OrderNotFound(const std::string& order_id);

}  // namespace order_saga::orders
