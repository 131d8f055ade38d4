// The order service's rules above storage: validation, id assignment,
// transitions, paging. Thread-safe if the repository is.
#pragma once

#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "order_service/order_event_feed.h"
#include "order_service/order_repository.h"

namespace order_saga::orders {

// The step name of a saga history entry (schema 003_saga_state.sql); its
// error or note is a detail (kMaxDetailBytes).
inline constexpr size_t kMaxSagaStepBytes = 32;

struct OrderPage {
  std::vector<Order> orders;
  std::string next_page_token;
};

// An order with its saga history and its outbox events (still retained).
struct OrderHistory {
  Order order;
  std::vector<SagaStep> steps;
  std::vector<OrderEvent> events;
};

// A random UUID (version 4) string.
std::string RandomOrderId();

class OrderLifecycle {
 public:
  // `storage`'s roles must outlive the lifecycle (an OrderRepository
  // converts: every role from one object); `new_order_id` names new orders.
  explicit OrderLifecycle(OrderStorage storage,
                          std::function<std::string()> new_order_id = RandomOrderId)
      : storage_(storage), new_order_id_(std::move(new_order_id)) {}

  // INVALID_ARGUMENT naming the field; otherwise the new PENDING order, or
  // the customer's existing one with the same request_id if it has the same
  // content (INVALID_ARGUMENT naming request_id if not; nothing written).
  absl::StatusOr<Order> CreateOrder(NewOrder order);
  // CreateOrder and ApproveOrder for several orders in one repository batch
  // each: one result per entry, in order (a bad entry gets its
  // INVALID_ARGUMENT and takes no part in the batch).
  std::vector<absl::StatusOr<Order>> CreateOrders(std::vector<NewOrder> orders);
  std::vector<absl::StatusOr<Order>> ApproveOrders(const std::vector<std::string>& order_ids,
                                                   const std::string& detail);
  // Conditional transitions; each returns the order as it stands afterwards
  // (the winner if it was already decided). NOT_FOUND if unknown.
  absl::StatusOr<Order> ApproveOrder(const std::string& order_id,
                                     const std::string& detail);
  absl::StatusOr<Order> RejectOrder(const std::string& order_id,
                                    RejectReason reason, const std::string& detail);
  absl::StatusOr<Order> MarkCompensating(const std::string& order_id,
                                         RejectReason reason,
                                         const std::string& detail);
  // Exactly one of order_id and request_id must be set; a request id is
  // looked up among `customer_id`'s orders. NOT_FOUND if unknown.
  absl::StatusOr<Order> GetOrder(const std::string& order_id,
                                 const std::string& request_id,
                                 const std::string& customer_id = "");
  absl::StatusOr<OrderPage> ListOrders(std::optional<OrderStatus> status,
                                       const std::string& customer_id,
                                       int32_t page_size,
                                       const std::string& page_token,
                                       std::optional<absl::Time> updated_before,
                                       std::optional<SagaState> saga_state = std::nullopt,
                                       std::optional<absl::Duration> min_age = std::nullopt);
  absl::StatusOr<OrderCounts> CountOrders(const std::string& customer_id);

  // The saga's bookkeeping and operators' actions (SagaRecords), with
  // INVALID_ARGUMENT naming the field.
  absl::StatusOr<Order> RecordSagaFailure(const std::string& order_id,
                                          const SagaFailure& failure);
  absl::StatusOr<Order> ResumeSaga(const std::string& order_id, const std::string& note,
                                   const std::string& trace_id);
  absl::StatusOr<OrderHistory> History(const std::string& order_id);

  // What a watch stream subscribes to (OrderEventFeed), or INVALID_ARGUMENT
  // naming the field. One order's watch starts from its first event (the
  // stream sends only the newest of those it finds); a watch of all orders
  // starts after `after_event_id`, or after `head` (the feed's) if unset.
  absl::StatusOr<OrderEventSubscription> WatchOrder(const std::string& order_id);
  absl::StatusOr<OrderEventSubscription> WatchOrders(const std::string& customer_id,
                                                     std::optional<int64_t> after_event_id,
                                                     int64_t head);

 private:
  absl::StatusOr<Order> Decide(const std::string& order_id,
                               OrderTransition transition);

  const OrderStorage storage_;
  std::function<std::string()> new_order_id_;
};

}  // namespace order_saga::orders
