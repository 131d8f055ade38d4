// OrderRepository on MySQL/MariaDB (schema order_service/schema/). The only
// file with SQL for the order service.
#pragma once

#include "common/mysql/mysql_transaction_runner.h"
#include "order_service/order_repository.h"

namespace order_saga::orders {

class MysqlOrderRepository final : public OrderRepository {
 public:
  // `runner` must outlive the repository.
  explicit MysqlOrderRepository(MysqlTransactionRunner& runner) : runner_(runner) {}

  absl::StatusOr<Order> Create(const NewOrder& order,
                               const std::string& order_id) override;
  absl::StatusOr<Order> Transition(const std::string& order_id,
                                   const OrderTransition& transition) override;
  absl::StatusOr<Order> Get(const std::string& order_id) override;
  absl::StatusOr<Order> GetByRequestId(const std::string& request_id) override;
  absl::StatusOr<std::vector<Order>> List(const OrderFilter& filter) override;
  absl::StatusOr<OrderCounts> Count(const std::string& customer_id) override;

 private:
  // The order whose `column` (order_id or request_id) equals `value`, in a
  // transaction of its own.
  absl::StatusOr<Order> GetBy(const char* column, const std::string& value);

  MysqlTransactionRunner& runner_;
};

}  // namespace order_saga::orders
