// OrderRepository in memory, for unit tests of the layers above storage.
// Same contract as MysqlOrderRepository (the typed suite checks both).
#pragma once

#include <map>
#include <string>
#include <vector>

#include "absl/synchronization/mutex.h"
#include "common/clock.h"
#include "order_service/order_repository.h"

namespace order_saga::orders {

class InMemoryOrderRepository final : public OrderRepository {
 public:
  // `clock` stamps create/update times; it must outlive the repository.
  explicit InMemoryOrderRepository(Clock& clock) : clock_(clock) {}

  absl::StatusOr<Order> Create(const NewOrder& order,
                               const std::string& order_id) override;
  absl::StatusOr<Order> Transition(const std::string& order_id,
                                   const OrderTransition& transition) override;
  absl::StatusOr<Order> Get(const std::string& order_id) override;
  absl::StatusOr<Order> GetByRequestId(const std::string& customer_id,
                                       const std::string& request_id) override;
  absl::StatusOr<std::vector<Order>> List(const OrderFilter& filter) override;
  absl::StatusOr<OrderCounts> Count(const std::string& customer_id) override;
  absl::StatusOr<std::vector<OrderEvent>> Events(const OrderEventFilter& filter) override;
  absl::StatusOr<int64_t> LastEventId() override;
  absl::StatusOr<int64_t> OldestEventId() override;
  absl::StatusOr<Order> RecordSagaFailure(const std::string& order_id,
                                          const SagaFailure& failure) override;
  absl::StatusOr<Order> ResumeSaga(const std::string& order_id, const std::string& note,
                                   const std::string& trace_id) override;
  absl::StatusOr<std::vector<SagaStep>> SagaSteps(const std::string& order_id) override;
  absl::StatusOr<int64_t> DeleteEventsBefore(absl::Time cutoff, int limit) override;
  absl::StatusOr<int64_t> DeleteFinishedSagaStepsBefore(absl::Time cutoff,
                                                        int limit) override;

 private:
  Order* Find(const std::string& order_id) ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);

  Clock& clock_;
  absl::Mutex mu_;
  std::map<int64_t, Order> by_sequence_ ABSL_GUARDED_BY(mu_);
  std::map<std::string, int64_t> by_order_id_ ABSL_GUARDED_BY(mu_);
  // (customer id, request id) -> sequence: request ids are per customer.
  std::map<std::pair<std::string, std::string>, int64_t> by_request_id_ ABSL_GUARDED_BY(mu_);
  std::vector<OrderEvent> events_ ABSL_GUARDED_BY(mu_);  // event i has id i + 1
  int64_t deleted_through_ ABSL_GUARDED_BY(mu_) = 0;    // events up to this id are gone
  std::map<std::string, std::vector<SagaStep>> steps_ ABSL_GUARDED_BY(mu_);
};

}  // namespace order_saga::orders
