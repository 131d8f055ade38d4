// Domain vocabulary of the order service. Free of protobuf and SQL.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "absl/time/time.h"
#include "common/order_types.h"

namespace order_saga::orders {

struct NewOrder {
  std::string request_id;
  std::string customer_id;
  std::vector<LineItem> items;
  ShippingAddress shipping_address;
  std::string trace_id;  // of the PlaceOrder that creates it; may be empty
};

// A new order and the id it gets, as one item of a batch.
struct OrderToCreate {
  NewOrder order;
  std::string order_id;
};

struct Order {
  // Storage sequence: creation order, used as the paging key. Not public.
  int64_t sequence = 0;
  std::string order_id;
  std::string request_id;
  std::string customer_id;
  std::vector<LineItem> items;  // ascending product id
  ShippingAddress shipping_address;
  OrderStatus status = OrderStatus::kPending;
  RejectReason reject_reason = RejectReason::kNone;
  std::string detail;
  bool compensating = false;
  absl::Time create_time;
  absl::Time update_time;
  // The saga's bookkeeping (schema 003_saga_state.sql): failed attempts
  // since the start (or an operator's retry), the last error, whether the
  // order is parked as stuck, and when the recovery sweep may try again.
  int saga_attempts = 0;
  std::string saga_last_error;
  bool stuck = false;
  std::optional<absl::Time> retry_after;
  std::string trace_id;
};

// Where an order's saga stands (order.v1.SagaState; SagaStateOf in
// order_decisions.h).
enum class SagaState { kActive, kBackingOff, kStuck, kFinished };

// A failed attempt to finish a saga, as the coordinator reports it.
struct SagaFailure {
  // Which failed attempt this is: the order's count of failed attempts
  // when the drive started, plus one. A report whose attempt is counted
  // already changes nothing (a retried or rerun report).
  int attempt = 1;
  std::string step;
  std::string error;
  std::string trace_id;
  // The order is parked as stuck at this many failed attempts.
  int max_attempts = 10;
  // The sweep leaves the order alone after its n-th failure for
  // retry_delay x 2^(n-1), at most max_retry_delay.
  absl::Duration retry_delay;
  absl::Duration max_retry_delay;
};

// One entry of an order's saga history (failed attempts, parking, operator
// actions).
struct SagaStep {
  std::string step;
  int attempt = 0;
  std::string detail;
  std::string trace_id;
  absl::Time time;
};

// A saga step that changes an order's state.
struct OrderTransition {
  enum class Kind { kApprove, kReject, kMarkCompensating };
  Kind kind;
  RejectReason reject_reason = RejectReason::kNone;
  std::string detail;
};

// One approval of a batch.
struct OrderApproval {
  std::string order_id;
  std::string detail;
};

// One rejection of a batch.
struct OrderRejection {
  std::string order_id;
  RejectReason reason = RejectReason::kNone;
  std::string detail;
};

struct OrderFilter {
  std::optional<OrderStatus> status;
  std::string customer_id;  // empty: any
  std::optional<absl::Time> updated_before;
  // Not updated for at least this long, by the storage's clock.
  std::optional<absl::Duration> min_age;
  std::optional<SagaState> saga_state;
  int64_t after_sequence = 0;
  int limit = 100;
};

// One change of an order as recorded in the outbox (schema
// 002_order_events.sql): the order as it stood right after the change.
// Event ids are gap-free and ascending in commit order.
struct OrderEvent {
  int64_t event_id = 0;
  Order order;  // update_time is the time of the change
};

// Which events to read: those after `after_event_id`, optionally of one
// customer or one order, ascending, at most `limit`.
struct OrderEventFilter {
  int64_t after_event_id = 0;
  std::string customer_id;  // empty: any
  std::string order_id;     // empty: any
  int limit = 500;
};

struct OrderCounts {
  int64_t pending = 0;
  int64_t approved = 0;
  int64_t rejected = 0;
};

}  // namespace order_saga::orders
