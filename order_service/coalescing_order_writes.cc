#include "order_service/coalescing_order_writes.h"

namespace order_saga::orders {

CoalescingOrderWrites::CoalescingOrderWrites(OrderWrites& inner,
                                                     BatchOptions options)
    : inner_(inner),
      creates_(options,
               [this](const std::vector<const OrderToCreate*>& orders) {
                 return inner_.CreateBatch(orders);
               }),
      approvals_(options,
                 [this](const std::vector<const OrderApproval*>& approvals) {
                   return inner_.ApproveBatch(approvals);
                 }),
      rejections_(options, [this](const std::vector<const OrderRejection*>& rejections) {
        return inner_.RejectBatch(rejections);
      }) {}

absl::StatusOr<Order> CoalescingOrderWrites::Create(const NewOrder& order,
                                                        const std::string& order_id) {
  return creates_.Submit(OrderToCreate{order, order_id});
}

absl::StatusOr<Order> CoalescingOrderWrites::Transition(
    const std::string& order_id, const OrderTransition& transition) {
  switch (transition.kind) {
    case OrderTransition::Kind::kApprove:
      return approvals_.Submit(OrderApproval{order_id, transition.detail});
    case OrderTransition::Kind::kReject:
      return rejections_.Submit(
          OrderRejection{order_id, transition.reject_reason, transition.detail});
    case OrderTransition::Kind::kMarkCompensating:
      break;
  }
  return inner_.Transition(order_id, transition);
}

CoalescingOrderWrites::CreateBatcher::Counts CoalescingOrderWrites::counts() {
  const CreateBatcher::Counts creates = creates_.counts();
  const ApproveBatcher::Counts approvals = approvals_.counts();
  const RejectBatcher::Counts rejections = rejections_.counts();
  return {creates.batches + approvals.batches + rejections.batches,
          creates.requests + approvals.requests + rejections.requests};
}

}  // namespace order_saga::orders
