// The saga's view of its two participants. Implemented over gRPC
// (GrpcOrderParticipant, GrpcInventoryParticipant) and by test doubles.
// Every call takes the instant by which it must answer; a call that cannot
// answer in time returns DEADLINE_EXCEEDED or UNAVAILABLE, which the saga
// treats as "outcome unknown".
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "common/order_types.h"

namespace order_saga::coordinator {

// What the saga is asked to place.
struct PlaceOrderCommand {
  std::string request_id;
  std::string customer_id;
  std::vector<LineItem> items;
  ShippingAddress shipping_address;
  // The request's trace id (common/trace_context.h); empty: a new one.
  std::string trace_id;
  // How long the caller waits for the answer (its call's deadline, as a
  // duration so that clocks need not agree). A request that arrives with no
  // time left is refused with nothing written; admission waits no longer.
  absl::Duration respond_within = absl::InfiniteDuration();
};

// An order as the order service reports it.
struct OrderSnapshot {
  std::string order_id;
  std::string request_id;
  OrderStatus status = OrderStatus::kPending;
  RejectReason reject_reason = RejectReason::kNone;
  std::string detail;
  bool compensating = false;
  std::vector<LineItem> items;
  // The saga's bookkeeping (order.v1.Order): failed attempts so far,
  // parked for an operator, and the trace id of the PlaceOrder.
  int saga_attempts = 0;
  bool stuck = false;
  std::string trace_id;
};

// A failed attempt to finish a saga (OrderService.RecordSagaFailure).
struct SagaFailureReport {
  // The drive's attempt: the order's saga_attempts when it started, plus
  // one (a repeated report of one attempt is counted once).
  int attempt = 1;
  std::string step;
  std::string error;
  int max_attempts = 10;
  absl::Duration retry_delay;
  absl::Duration max_retry_delay;
};

struct StaleOrderPage {
  std::vector<OrderSnapshot> orders;
  std::string next_page_token;
};

// The order service as the coordinator sees it, in three roles, so that a
// decorator implements only the role it changes (BatchingOrderSagaSteps:
// the saga steps) and each user names the role it needs.

// The saga's steps: record the order, then decide it.
class OrderSagaSteps {
 public:
  virtual ~OrderSagaSteps() = default;
  // Idempotent on request_id: returns the existing order if there is one.
  virtual absl::StatusOr<OrderSnapshot> CreateOrder(const PlaceOrderCommand& command,
                                                    absl::Time deadline) = 0;
  // The transitions return the order as it stands afterwards.
  virtual absl::StatusOr<OrderSnapshot> ApproveOrder(const std::string& order_id,
                                                     absl::Time deadline) = 0;
  // CreateOrder / ApproveOrder for several orders in one exchange where the
  // transport allows: one result per entry, in order, each what the single
  // call would have returned (a failed exchange fails every entry with its
  // status). The defaults call the single method for each.
  virtual std::vector<absl::StatusOr<OrderSnapshot>> CreateOrders(
      const std::vector<const PlaceOrderCommand*>& commands, absl::Time deadline) {
    std::vector<absl::StatusOr<OrderSnapshot>> results;
    for (const PlaceOrderCommand* command : commands) {
      results.push_back(CreateOrder(*command, deadline));
    }
    return results;
  }
  virtual std::vector<absl::StatusOr<OrderSnapshot>> ApproveOrders(
      const std::vector<const std::string*>& order_ids, absl::Time deadline) {
    std::vector<absl::StatusOr<OrderSnapshot>> results;
    for (const std::string* order_id : order_ids) {
      results.push_back(ApproveOrder(*order_id, deadline));
    }
    return results;
  }
  virtual absl::StatusOr<OrderSnapshot> RejectOrder(const std::string& order_id,
                                                    RejectReason reason,
                                                    const std::string& detail,
                                                    absl::Time deadline) = 0;
  virtual absl::StatusOr<OrderSnapshot> MarkCompensating(const std::string& order_id,
                                                         RejectReason reason,
                                                         const std::string& detail,
                                                         absl::Time deadline) = 0;
};

// Reads of one order.
class OrderLookup {
 public:
  virtual ~OrderLookup() = default;
  // The customer's order with this request_id (request ids are scoped to
  // their customer); nullopt if there is none.
  virtual absl::StatusOr<std::optional<OrderSnapshot>> FindByRequestId(
      const std::string& customer_id, const std::string& request_id, absl::Time deadline) = 0;
  // The order as it stands now; nullopt if there is no such order.
  virtual absl::StatusOr<std::optional<OrderSnapshot>> FindOrder(const std::string& order_id,
                                                                 absl::Time deadline) = 0;
};

// The saga's bookkeeping: failed attempts, the sweep's work list, parked
// sagas and an operator's resume.
class SagaBookkeeping {
 public:
  virtual ~SagaBookkeeping() = default;
  // PENDING orders not updated for `min_age` (by the order service's
  // clock, so this coordinator's need not agree) whose saga is active (not
  // stuck, not backing off), one page.
  virtual absl::StatusOr<StaleOrderPage> ListStalePending(absl::Duration min_age,
                                                          const std::string& page_token,
                                                          absl::Time deadline) = 0;
  // Counts a failed attempt; returns the order afterwards (stuck once the
  // budget is spent).
  virtual absl::StatusOr<OrderSnapshot> RecordSagaFailure(const std::string& order_id,
                                                          const SagaFailureReport& report,
                                                          absl::Time deadline) = 0;
  // An operator takes over: clears stuck and the backoff, records `note`.
  // FAILED_PRECONDITION if the order is final.
  virtual absl::StatusOr<OrderSnapshot> ResumeSaga(const std::string& order_id,
                                                   const std::string& note,
                                                   absl::Time deadline) = 0;
  // PENDING orders parked as stuck (at most 1000 counted).
  virtual absl::StatusOr<int64_t> CountStuck(absl::Time deadline) = 0;
};

// The whole order service in one object (over gRPC: GrpcOrderParticipant).
class OrderParticipant : public OrderSagaSteps, public OrderLookup, public SagaBookkeeping {};

// The roles the saga and the sweep use, each possibly decorated on its own
// (main.cc batches the steps and passes the rest straight to gRPC).
struct OrderPorts {
  // Every role from one object.
  OrderPorts(OrderParticipant& all)  // NOLINT: implicit on purpose
      : steps(all), lookup(all), bookkeeping(all) {}
  OrderPorts(OrderSagaSteps& steps, OrderLookup& lookup, SagaBookkeeping& bookkeeping)
      : steps(steps), lookup(lookup), bookkeeping(bookkeeping) {}

  OrderSagaSteps& steps;
  OrderLookup& lookup;
  SagaBookkeeping& bookkeeping;
};

enum class ReserveOutcome { kReserved, kOutOfStock, kUnknownProduct, kReleased };

// One Reserve of a batch.
struct ReserveCall {
  std::string order_id;
  std::vector<LineItem> items;
  // The latest instant this entry may take stock (its own call's deadline);
  // unset: the batch's deadline.
  absl::Time not_after = absl::InfiniteFuture();
};

struct ReserveAnswer {
  ReserveOutcome outcome = ReserveOutcome::kOutOfStock;
  std::vector<int64_t> sold_out_product_ids;
  std::string detail;
};

class InventoryParticipant {
 public:
  virtual ~InventoryParticipant() = default;
  // All items or none; idempotent on order_id.
  virtual absl::StatusOr<ReserveAnswer> Reserve(const std::string& order_id,
                                                const std::vector<LineItem>& items,
                                                absl::Time deadline) = 0;
  // Reserve for several orders in one exchange where the transport allows
  // (see OrderSagaSteps::CreateOrders). The default calls Reserve for each.
  virtual std::vector<absl::StatusOr<ReserveAnswer>> ReserveBatch(
      const std::vector<const ReserveCall*>& calls, absl::Time deadline) {
    std::vector<absl::StatusOr<ReserveAnswer>> results;
    for (const ReserveCall* call : calls) {
      results.push_back(Reserve(call->order_id, call->items, std::min(deadline, call->not_after)));
    }
    return results;
  }
  // Gives stock back at most once; tombstones an order never reserved.
  virtual absl::Status Release(const std::string& order_id, absl::Time deadline) = 0;
  // The products of `items` whose stock is 0 now (a plain read; unknown
  // products are not listed).
  virtual absl::StatusOr<std::vector<int64_t>> SoldOutAmong(
      const std::vector<LineItem>& items, absl::Time deadline) = 0;
};

}  // namespace order_saga::coordinator
