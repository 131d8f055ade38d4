#include "saga/saga_metrics.h"

#include <string>

namespace order_saga::coordinator {

SagaMetrics::SagaMetrics(prometheus::Registry& registry)
    : sagas_(prometheus::BuildCounter()
                 .Name("ordersaga_sagas_total")
                 .Help("PlaceOrder outcomes by order status and reject reason")
                 .Register(registry)),
      door_rejections_(prometheus::BuildCounter()
                           .Name("ordersaga_door_rejections_total")
                           .Help("Requests turned away SOLD_OUT at the door, no order row")
                           .Register(registry)
                           .Add({})),
      in_flight_(prometheus::BuildGauge()
                     .Name("ordersaga_sagas_in_flight")
                     .Help("PlaceOrder calls being handled now")
                     .Register(registry)
                     .Add({})),
      recovered_(prometheus::BuildCounter()
                     .Name("ordersaga_sagas_recovered_total")
                     .Help("PENDING orders re-driven by the recovery sweep")
                     .Register(registry)
                     .Add({})) {}

void SagaMetrics::Observe(const absl::StatusOr<PlaceOrderOutcome>& outcome) {
  if (!outcome.ok()) return;
  const std::string reason = outcome->reject_reason == RejectReason::kNone
                                 ? "none"
                                 : std::string(RejectReasonName(outcome->reject_reason));
  sagas_.Add({{"status", std::string(OrderStatusName(outcome->status))}, {"reason", reason}})
      .Increment();
  if (outcome->order_id.empty() && outcome->reject_reason == RejectReason::kSoldOut) {
    door_rejections_.Increment();
  }
}

}  // namespace order_saga::coordinator
