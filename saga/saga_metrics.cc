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
                     .Add({})),
      attempt_failures_(prometheus::BuildCounter()
                            .Name("ordersaga_saga_attempt_failures_total")
                            .Help("Saga drives that ended without a decision, by failed step")
                            .Register(registry)),
      parked_(prometheus::BuildCounter()
                  .Name("ordersaga_sagas_parked_total")
                  .Help("Orders parked as stuck after spending their retry budget")
                  .Register(registry)
                  .Add({})),
      stuck_(prometheus::BuildGauge()
                 .Name("ordersaga_sagas_stuck")
                 .Help("PENDING orders stuck now, waiting for an operator (at most 1000)")
                 .Register(registry)
                 .Add({})),
      admin_actions_(prometheus::BuildCounter()
                         .Name("ordersaga_admin_actions_total")
                         .Help("Operators' saga actions (retry, force_reject)")
                         .Register(registry)) {}

void SagaMetrics::AttemptFailed(const std::string& step, bool parked) {
  attempt_failures_.Add({{"step", step}}).Increment();
  if (parked) parked_.Increment();
}

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
