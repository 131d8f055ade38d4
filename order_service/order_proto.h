// The order service's domain types as order.v1 messages (the adapters' one
// conversion; the rules that decide what a field says are in
// order_decisions.h).
#pragma once

#include "absl/time/time.h"
#include "order/v1/order.pb.h"
#include "order_service/order.h"

namespace order_saga::orders {

::order::v1::SagaState SagaStateToProto(SagaState state);

// Fills `out` from `order`, its saga state as it stands at `now` (the
// service's clock). A stuck order's detail says that it waits for an
// operator (DetailShown; the stored detail is kept for the decision).
void OrderToProto(const Order& order, absl::Time now, ::order::v1::Order* out);

void SagaStepToProto(const SagaStep& step, ::order::v1::SagaStep* out);

}  // namespace order_saga::orders
