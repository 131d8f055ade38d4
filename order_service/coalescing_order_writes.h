// Request coalescing for the order service: a decorator of OrderWrites
// that hands concurrent Create calls, concurrent approvals and concurrent
// rejections to the wrapped writes' CreateBatch / ApproveBatch /
// RejectBatch together, so many sagas share one transaction and one commit.
// Each order keeps its own result (see OrderWrites::CreateBatch). Marking
// an order compensating, and batches handed in whole, pass through; reads,
// the saga's records, the outbox and retention are not decorated at all
// (OrderStorage). Thread-safe.
#pragma once

#include "common/request_batcher.h"
#include "order_service/order_repository.h"

namespace order_saga::orders {

class CoalescingOrderWrites final : public OrderWrites {
 public:
  using CreateBatcher = RequestBatcher<OrderToCreate, absl::StatusOr<Order>>;
  using ApproveBatcher = RequestBatcher<OrderApproval, absl::StatusOr<Order>>;
  using RejectBatcher = RequestBatcher<OrderRejection, absl::StatusOr<Order>>;
  // `inner` must outlive this.
  CoalescingOrderWrites(OrderWrites& inner, BatchOptions options);

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

  // Batches run so far and the writes they carried, all kinds together.
  CreateBatcher::Counts counts();

 private:
  OrderWrites& inner_;
  CreateBatcher creates_;
  ApproveBatcher approvals_;
  RejectBatcher rejections_;
};

}  // namespace order_saga::orders
