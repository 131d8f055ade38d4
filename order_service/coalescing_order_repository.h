// Request coalescing for the order service: an OrderRepository decorator
// that hands concurrent Create calls, and concurrent approvals, to the
// wrapped repository's CreateBatch / ApproveBatch together, so many sagas
// share one transaction and one commit. Each order keeps its own result
// (see OrderRepository::CreateBatch). Everything else is passed through.
// Thread-safe.
#pragma once

#include "common/request_batcher.h"
#include "order_service/order_repository.h"

namespace order_saga::orders {

class CoalescingOrderRepository final : public OrderRepository {
 public:
  using CreateBatcher = RequestBatcher<OrderToCreate, absl::StatusOr<Order>>;
  using ApproveBatcher = RequestBatcher<OrderApproval, absl::StatusOr<Order>>;
  using RejectBatcher = RequestBatcher<OrderRejection, absl::StatusOr<Order>>;
  // `inner` must outlive this.
  CoalescingOrderRepository(OrderRepository& inner, BatchOptions options);

  absl::StatusOr<Order> Create(const NewOrder& order, const std::string& order_id) override;
  // Approvals and rejections go through batches; marking an order
  // compensating passes through.
  absl::StatusOr<Order> Transition(const std::string& order_id,
                                   const OrderTransition& transition) override;
  std::vector<absl::StatusOr<Order>> CreateBatch(
      const std::vector<const OrderToCreate*>& orders) override {
    return inner_.CreateBatch(orders);
  }
  std::vector<absl::StatusOr<Order>> ApproveBatch(
      const std::vector<const OrderApproval*>& approvals) override {
    return inner_.ApproveBatch(approvals);
  }
  std::vector<absl::StatusOr<Order>> RejectBatch(
      const std::vector<const OrderRejection*>& rejections) override {
    return inner_.RejectBatch(rejections);
  }
  absl::StatusOr<Order> Get(const std::string& order_id) override {
    return inner_.Get(order_id);
  }
  absl::StatusOr<Order> GetByRequestId(const std::string& customer_id,
                                       const std::string& request_id) override {
    return inner_.GetByRequestId(customer_id, request_id);
  }
  absl::StatusOr<std::vector<Order>> List(const OrderFilter& filter) override {
    return inner_.List(filter);
  }
  absl::StatusOr<OrderCounts> Count(const std::string& customer_id) override {
    return inner_.Count(customer_id);
  }
  absl::StatusOr<std::vector<OrderEvent>> Events(const OrderEventFilter& filter) override {
    return inner_.Events(filter);
  }
  absl::StatusOr<int64_t> LastEventId() override { return inner_.LastEventId(); }
  absl::StatusOr<int64_t> OldestEventId() override { return inner_.OldestEventId(); }
  absl::StatusOr<Order> RecordSagaFailure(const std::string& order_id,
                                          const SagaFailure& failure) override {
    return inner_.RecordSagaFailure(order_id, failure);
  }
  absl::StatusOr<Order> ResumeSaga(const std::string& order_id, const std::string& note,
                                   const std::string& trace_id) override {
    return inner_.ResumeSaga(order_id, note, trace_id);
  }
  absl::StatusOr<std::vector<SagaStep>> SagaSteps(const std::string& order_id) override {
    return inner_.SagaSteps(order_id);
  }
  absl::StatusOr<int64_t> DeleteEventsBefore(absl::Time cutoff, int limit) override {
    return inner_.DeleteEventsBefore(cutoff, limit);
  }
  absl::StatusOr<int64_t> DeleteFinishedSagaStepsBefore(absl::Time cutoff,
                                                        int limit) override {
    return inner_.DeleteFinishedSagaStepsBefore(cutoff, limit);
  }

  // Batches run so far and the writes they carried, all kinds together.
  CreateBatcher::Counts counts();

 private:
  OrderRepository& inner_;
  CreateBatcher creates_;
  ApproveBatcher approvals_;
  RejectBatcher rejections_;
};

}  // namespace order_saga::orders
