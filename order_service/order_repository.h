// Storage of orders, behind the role it plays.
#pragma once

#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "order_service/order.h"

namespace order_saga::orders {

// Storage of orders in five roles, so that a decorator implements only the
// role it changes (CoalescingOrderWrites: the writes) and each user names
// the roles it needs. OrderRepository is all of them in one object:
// MysqlOrderRepository (production) and InMemoryOrderRepository (unit
// tests); one typed test suite runs against both. All methods are
// thread-safe. Inputs are already validated.

// Recording orders and deciding them.
class OrderWrites {
 public:
  virtual ~OrderWrites() = default;

  // Records a PENDING order under `order_id`. If the customer already has an
  // order with the same request_id, returns it unchanged instead
  // (idempotency; OrderLifecycle compares its content with the request).
  virtual absl::StatusOr<Order> Create(const NewOrder& order,
                                       const std::string& order_id) = 0;

  // Applies `transition` if DecideTransition lets it (atomically with the
  // check) and returns the order as it stands afterwards. NOT_FOUND if
  // unknown.
  virtual absl::StatusOr<Order> Transition(const std::string& order_id,
                                           const OrderTransition& transition) = 0;

  // Create, approval and rejection for several orders at once: in one
  // transaction where the storage can, with the same result for each as
  // calling Create (or Transition with kApprove / kReject) for each in the
  // given order. One result per item, in order. The defaults call the
  // single-order method for each.
  virtual std::vector<absl::StatusOr<Order>> CreateBatch(
      const std::vector<const OrderToCreate*>& orders) {
    std::vector<absl::StatusOr<Order>> results;
    results.reserve(orders.size());
    for (const OrderToCreate* o : orders) results.push_back(Create(o->order, o->order_id));
    return results;
  }
  virtual std::vector<absl::StatusOr<Order>> ApproveBatch(
      const std::vector<const OrderApproval*>& approvals) {
    std::vector<absl::StatusOr<Order>> results;
    results.reserve(approvals.size());
    for (const OrderApproval* a : approvals) {
      results.push_back(Transition(
          a->order_id, {OrderTransition::Kind::kApprove, RejectReason::kNone, a->detail}));
    }
    return results;
  }
  virtual std::vector<absl::StatusOr<Order>> RejectBatch(
      const std::vector<const OrderRejection*>& rejections) {
    std::vector<absl::StatusOr<Order>> results;
    results.reserve(rejections.size());
    for (const OrderRejection* r : rejections) {
      results.push_back(
          Transition(r->order_id, {OrderTransition::Kind::kReject, r->reason, r->detail}));
    }
    return results;
  }
};

// Reading orders.
class OrderReads {
 public:
  virtual ~OrderReads() = default;

  // NOT_FOUND if unknown.
  virtual absl::StatusOr<Order> Get(const std::string& order_id) = 0;
  // Request ids are scoped to their customer.
  virtual absl::StatusOr<Order> GetByRequestId(const std::string& customer_id,
                                               const std::string& request_id) = 0;

  // Orders matching `filter`, by ascending sequence, at most filter.limit.
  virtual absl::StatusOr<std::vector<Order>> List(const OrderFilter& filter) = 0;

  // Orders per status, of one customer or (empty) of all.
  virtual absl::StatusOr<OrderCounts> Count(const std::string& customer_id) = 0;
};

// The saga's bookkeeping on its orders.
class SagaRecords {
 public:
  virtual ~SagaRecords() = default;

  // The saga's bookkeeping of a PENDING, not stuck order whose count of
  // failed attempts is failure.attempt - 1 (else the order is returned
  // unchanged: that attempt is counted already, or the order moved on):
  // counts the failed attempt, records it in the history, sets the
  // backoff, and parks the order as stuck (with an event) once
  // failure.max_attempts is reached. NOT_FOUND if unknown.
  virtual absl::StatusOr<Order> RecordSagaFailure(const std::string& order_id,
                                                  const SagaFailure& failure) = 0;
  // An operator takes over a PENDING order: clears stuck (with an event if
  // it was), the attempt count and the backoff, and records `note` (once,
  // also when the storage reruns the unit of work).
  // FAILED_PRECONDITION if the order is final; NOT_FOUND if unknown.
  virtual absl::StatusOr<Order> ResumeSaga(const std::string& order_id,
                                           const std::string& note,
                                           const std::string& trace_id) = 0;
  // The order's saga history, oldest first.
  virtual absl::StatusOr<std::vector<SagaStep>> SagaSteps(const std::string& order_id) = 0;
};

// The outbox. Every change made by the writes and the saga records appends
// one OrderEvent in the same transaction; a call that changes nothing (an
// idempotent repeat, a transition that does not apply) appends none.
class OrderOutbox {
 public:
  virtual ~OrderOutbox() = default;

  virtual absl::StatusOr<std::vector<OrderEvent>> Events(const OrderEventFilter& filter) = 0;
  // The id of the newest event; 0 if there is none.
  virtual absl::StatusOr<int64_t> LastEventId() = 0;
  // The id of the oldest event still kept (retention deletes from the
  // oldest, so every id from it to LastEventId() is kept); LastEventId() + 1
  // if none is.
  virtual absl::StatusOr<int64_t> OldestEventId() = 0;
};

// Retention (docs/OPERATIONS.md).
class OrderRetention {
 public:
  virtual ~OrderRetention() = default;

  // Deletes at most `limit` of the oldest outbox events, in event-id order,
  // up to the first that occurred at or after `cutoff`: it cuts at an event
  // id, so what remains is always one unbroken range of ids (no hole behind
  // a reader's cursor). Returns how many. Likewise (by age alone) the
  // history of orders that are final.
  virtual absl::StatusOr<int64_t> DeleteEventsBefore(absl::Time cutoff, int limit) = 0;
  virtual absl::StatusOr<int64_t> DeleteFinishedSagaStepsBefore(absl::Time cutoff,
                                                                int limit) = 0;
};

class OrderRepository : public OrderWrites,
                        public OrderReads,
                        public SagaRecords,
                        public OrderOutbox,
                        public OrderRetention {};

// The roles OrderLifecycle uses, the writes possibly decorated (main.cc
// coalesces them; everything else goes straight to the repository).
struct OrderStorage {
  OrderStorage(OrderRepository& all)  // NOLINT: implicit on purpose
      : OrderStorage(all, all) {}
  OrderStorage(OrderWrites& writes, OrderRepository& rest)
      : writes(writes), reads(rest), saga_records(rest), outbox(rest) {}

  OrderWrites& writes;
  OrderReads& reads;
  SagaRecords& saga_records;
  OrderOutbox& outbox;
};

}  // namespace order_saga::orders
