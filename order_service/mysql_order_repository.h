// OrderRepository on MySQL/MariaDB (schema order_service/schema/). The only
// file with SQL for the order service.
#pragma once

#include <atomic>

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
  // One transaction per batch with a few multi-row statements. A batch that
  // fails for a reason other than the database being unreachable or busy
  // (a request_id that exists already, say) writes nothing, and its orders
  // are then handled one by one (counted by split_batches()).
  std::vector<absl::StatusOr<Order>> CreateBatch(
      const std::vector<const OrderToCreate*>& orders) override;
  std::vector<absl::StatusOr<Order>> ApproveBatch(
      const std::vector<const OrderApproval*>& approvals) override;
  std::vector<absl::StatusOr<Order>> RejectBatch(
      const std::vector<const OrderRejection*>& rejections) override;
  int64_t split_batches() const { return split_batches_.load(std::memory_order_relaxed); }

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
  // One approval or rejection of a batch.
  struct Decision {
    const std::string* order_id;
    RejectReason reason;
    const std::string* detail;
  };
  // ApproveBatch and RejectBatch: `kind` applied to every decision that
  // Transition(kind) would apply, in one transaction.
  std::vector<absl::StatusOr<Order>> DecideBatch(OrderTransition::Kind kind,
                                                 const std::vector<Decision>& decisions);
  // Whether a failed batch is retried one order at a time (see CreateBatch).
  bool SplitAfter(const absl::Status& status, size_t batch_size);

  MysqlTransactionRunner& runner_;
  std::atomic<int64_t> split_batches_{0};
};

}  // namespace order_saga::orders
