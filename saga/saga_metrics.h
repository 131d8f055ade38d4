// The coordinator's saga metrics:
//   ordersaga_sagas_total{status, reason}   PlaceOrder outcomes (status
//       APPROVED, REJECTED or PENDING; reason the reject reason or "none")
//   ordersaga_door_rejections_total         requests turned away SOLD_OUT at
//       the door (no order row)
//   ordersaga_sagas_in_flight               PlaceOrder calls being handled
//   ordersaga_sagas_recovered_total         PENDING orders re-driven by the
//       recovery sweep
//   ordersaga_saga_attempt_failures_total{step}  drives that ended without a
//       decision, by the step that failed
//   ordersaga_sagas_parked_total            orders parked as stuck
//   ordersaga_sagas_stuck                   orders stuck now (at most 1000
//       counted; set after each sweep)
//   ordersaga_admin_actions_total{action}   operators' retries and forced
//       rejections
// Thread-safe.
#pragma once

#include <prometheus/counter.h>
#include <prometheus/gauge.h>
#include <prometheus/registry.h>

#include "absl/status/statusor.h"
#include "saga/place_order_saga.h"

namespace order_saga::coordinator {

class SagaMetrics {
 public:
  // `registry` must outlive this.
  explicit SagaMetrics(prometheus::Registry& registry);

  // Counts one PlaceOrder in flight for as long as it lives.
  class InFlight {
   public:
    explicit InFlight(SagaMetrics& metrics) : gauge_(metrics.in_flight_) {
      gauge_.Increment();
    }
    ~InFlight() { gauge_.Decrement(); }
    InFlight(const InFlight&) = delete;
    InFlight& operator=(const InFlight&) = delete;

   private:
    prometheus::Gauge& gauge_;
  };

  // Records how a PlaceOrder ended (errors are counted by the gRPC metrics).
  void Observe(const absl::StatusOr<PlaceOrderOutcome>& outcome);
  void Recovered(int orders) { recovered_.Increment(orders); }
  void AttemptFailed(const std::string& step, bool parked);
  void StuckNow(int64_t orders) { stuck_.Set(static_cast<double>(orders)); }
  void AdminAction(const std::string& action) { admin_actions_.Add({{"action", action}}).Increment(); }

 private:
  prometheus::Family<prometheus::Counter>& sagas_;
  prometheus::Counter& door_rejections_;
  prometheus::Gauge& in_flight_;
  prometheus::Counter& recovered_;
  prometheus::Family<prometheus::Counter>& attempt_failures_;
  prometheus::Counter& parked_;
  prometheus::Gauge& stuck_;
  prometheus::Family<prometheus::Counter>& admin_actions_;
};

}  // namespace order_saga::coordinator
