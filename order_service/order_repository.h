// Storage of orders, behind the role it plays.
#pragma once

#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "order_service/order.h"

namespace order_saga::orders {

// Implementations: MysqlOrderRepository (production) and
// InMemoryOrderRepository (unit tests); one typed test suite runs against
// both. All methods are thread-safe. Inputs are already validated.
class OrderRepository {
 public:
  virtual ~OrderRepository() = default;

  // Records a PENDING order under `order_id`. If an order with the same
  // request_id exists, returns it unchanged instead (idempotency).
  virtual absl::StatusOr<Order> Create(const NewOrder& order,
                                       const std::string& order_id) = 0;

  // Applies `transition` if TransitionApplies (atomically with the check)
  // and returns the order as it stands afterwards. NOT_FOUND if unknown.
  virtual absl::StatusOr<Order> Transition(const std::string& order_id,
                                           const OrderTransition& transition) = 0;

  // NOT_FOUND if unknown.
  virtual absl::StatusOr<Order> Get(const std::string& order_id) = 0;
  virtual absl::StatusOr<Order> GetByRequestId(const std::string& request_id) = 0;

  // Orders matching `filter`, by ascending sequence, at most filter.limit.
  virtual absl::StatusOr<std::vector<Order>> List(const OrderFilter& filter) = 0;

  // Orders per status, of one customer or (empty) of all.
  virtual absl::StatusOr<OrderCounts> Count(const std::string& customer_id) = 0;
};

}  // namespace order_saga::orders
