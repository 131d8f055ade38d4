#include "saga/coordinator_graph.h"

namespace order_saga::coordinator {

PlaceOrderSaga::Options CoordinatorGraph::WithMetrics(PlaceOrderSaga::Options options,
                                                      SagaMetrics* metrics) {
  if (metrics != nullptr && !options.on_attempt_failed) {
    options.on_attempt_failed = [metrics](const std::string& step, bool parked) {
      metrics->AttemptFailed(step, parked);
    };
  }
  return options;
}

RecoverySweeper::Options CoordinatorGraph::SweeperOptions(const Options& options) {
  RecoverySweeper::Options sweeper = options.sweeper;
  sweeper.saga_deadline = options.saga.saga_deadline;
  sweeper.call_timeout = options.saga.retry.call_timeout;
  if (SagaMetrics* metrics = options.metrics; metrics != nullptr) {
    if (!sweeper.on_recovered) {
      sweeper.on_recovered = [metrics](int orders) { metrics->Recovered(orders); };
    }
    if (!sweeper.on_stuck_count) {
      sweeper.on_stuck_count = [metrics](int64_t orders) { metrics->StuckNow(orders); };
    }
  }
  return sweeper;
}

CoordinatorGraph::CoordinatorGraph(std::shared_ptr<grpc::Channel> order_service,
                                   std::shared_ptr<grpc::Channel> inventory_service,
                                   Clock& clock, Options options)
    : options_(std::move(options)),
      grpc_orders_(order_service, clock),
      grpc_inventory_(inventory_service, clock),
      batching_orders_(grpc_orders_, options_.order_batches, clock),
      batching_inventory_(grpc_inventory_, options_.inventory_batches, clock),
      orders_(options_.batch_calls ? static_cast<OrderSagaSteps&>(batching_orders_)
                                   : grpc_orders_,
              grpc_orders_, grpc_orders_),
      inventory_(options_.batch_calls
                     ? static_cast<InventoryParticipant&>(batching_inventory_)
                     : grpc_inventory_),
      sold_out_(options_.sold_out_ttl, options_.sold_out_recheck),
      admission_(options_.max_sagas_per_product),
      saga_(orders_, inventory_, sold_out_, admission_, clock,
            WithMetrics(options_.saga, options_.metrics)),
      sweeper_(orders_, saga_, clock, SweeperOptions(options_)),
      records_reader_(order_service, clock),
      reservation_reader_(inventory_service, clock),
      inspector_(records_reader_, reservation_reader_, clock, options_.saga.retry.call_timeout),
      background_(options_.max_background_sagas),
      rate_limiter_(options_.place_order_rate_per_customer,
                    options_.place_order_burst_per_customer, clock),
      service_(saga_, options_.metrics, &background_, options_.authenticator, &rate_limiter_),
      admin_(saga_, grpc_orders_, inspector_, clock, options_.metrics, options_.authenticator) {}

void CoordinatorGraph::StopAccepting() {
  service_.StopAccepting();
  sweeper_.Stop();  // between two orders; the drive in flight starts no further call
}

BatchCounts CoordinatorGraph::order_batch_counts() const {
  return options_.batch_calls ? batching_orders_.counts() : BatchCounts();
}

BatchCounts CoordinatorGraph::inventory_batch_counts() const {
  return options_.batch_calls ? batching_inventory_.counts() : BatchCounts();
}

}  // namespace order_saga::coordinator
