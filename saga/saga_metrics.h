// The coordinator's saga metrics:
//   ordersaga_sagas_total{status, reason}   PlaceOrder outcomes (status
//       APPROVED, REJECTED or PENDING; reason the reject reason or "none")
//   ordersaga_door_rejections_total         requests turned away SOLD_OUT at
//       the door (no order row)
//   ordersaga_sagas_in_flight               PlaceOrder calls being handled
//   ordersaga_sagas_recovered_total         PENDING orders re-driven by the
//       recovery sweep
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

 private:
  prometheus::Family<prometheus::Counter>& sagas_;
  prometheus::Counter& door_rejections_;
  prometheus::Gauge& in_flight_;
  prometheus::Counter& recovered_;
};

}  // namespace order_saga::coordinator
