#include "order_service/order_proto.h"

#include "common/proto_conversion.h"
#include "order_service/order_decisions.h"

namespace order_saga::orders {

::order::v1::SagaState SagaStateToProto(SagaState state) {
  switch (state) {
    case SagaState::kActive: return ::order::v1::SAGA_STATE_ACTIVE;
    case SagaState::kBackingOff: return ::order::v1::SAGA_STATE_BACKING_OFF;
    case SagaState::kStuck: return ::order::v1::SAGA_STATE_STUCK;
    case SagaState::kFinished: return ::order::v1::SAGA_STATE_FINISHED;
  }
  return ::order::v1::SAGA_STATE_UNSPECIFIED;
}

void OrderToProto(const Order& order, absl::Time now, ::order::v1::Order* out) {
  const SagaState state = SagaStateOf(order, now);
  out->set_order_id(order.order_id);
  out->set_request_id(order.request_id);
  out->set_customer_id(order.customer_id);
  LineItemsToProto(order.items, out->mutable_items());
  ShippingAddressToProto(order.shipping_address, out->mutable_shipping_address());
  out->set_status(OrderStatusToProto(order.status));
  out->set_reject_reason(RejectReasonToProto(order.reject_reason));
  out->set_detail(DetailShown(order, state));
  out->set_compensating(order.compensating);
  *out->mutable_create_time() = TimeToProto(order.create_time);
  *out->mutable_update_time() = TimeToProto(order.update_time);
  out->set_saga_state(SagaStateToProto(state));
  out->set_saga_attempts(order.saga_attempts);
  out->set_saga_last_error(order.saga_last_error);
  if (state == SagaState::kBackingOff) {
    *out->mutable_saga_retry_time() = TimeToProto(*order.retry_after);
  }
  out->set_trace_id(order.trace_id);
}

void SagaStepToProto(const SagaStep& step, ::order::v1::SagaStep* out) {
  out->set_step(step.step);
  out->set_attempt(step.attempt);
  out->set_detail(step.detail);
  out->set_trace_id(step.trace_id);
  *out->mutable_time() = TimeToProto(step.time);
}

}  // namespace order_saga::orders
