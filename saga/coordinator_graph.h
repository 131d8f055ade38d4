// The saga coordinator below its gRPC server, wired in one place: the
// participants over gRPC (the saga steps and reservations possibly batched),
// the sold-out door and admission, the saga, the recovery sweep, the
// inspector and the two gRPC adapters. main.cc and the fault-injection
// tests build this same graph, so none of them wires it differently.
#pragma once

#include <memory>

#include <grpcpp/channel.h>

#include "common/auth/authenticator.h"
#include "common/clock.h"
#include "common/request_batcher.h"
#include "saga/background_sagas.h"
#include "saga/batching_participants.h"
#include "saga/customer_rate_limiter.h"
#include "saga/grpc_inspection_ports.h"
#include "saga/grpc_participants.h"
#include "saga/place_order_saga.h"
#include "saga/product_admission.h"
#include "saga/recovery_sweeper.h"
#include "saga/saga_admin_service.h"
#include "saga/saga_grpc_service.h"
#include "saga/saga_inspector.h"
#include "saga/saga_metrics.h"
#include "saga/sold_out_cache.h"

namespace order_saga::coordinator {

class CoordinatorGraph {
 public:
  struct Options {
    PlaceOrderSaga::Options saga;
    // recovery_age and interval; the deadlines are the saga's.
    RecoverySweeper::Options sweeper;
    // Batch the saga steps and the reservations (BatchingOrderSagaSteps,
    // BatchingInventoryParticipant); off: one RPC per call.
    bool batch_calls = true;
    BatchOptions order_batches;
    BatchOptions inventory_batches;
    absl::Duration sold_out_ttl = absl::Seconds(2);
    absl::Duration sold_out_recheck = absl::Milliseconds(100);
    int max_sagas_per_product = 128;
    int max_background_sagas = 1000;
    double place_order_rate_per_customer = 0;
    double place_order_burst_per_customer = 40;
    // Both optional; they must outlive the graph.
    SagaMetrics* metrics = nullptr;
    const Authenticator* authenticator = nullptr;
  };

  // `clock` must outlive the graph. The two channels may be one (a test
  // serving both services on one server).
  CoordinatorGraph(std::shared_ptr<grpc::Channel> order_service,
                   std::shared_ptr<grpc::Channel> inventory_service, Clock& clock,
                   Options options);
  CoordinatorGraph(const CoordinatorGraph&) = delete;
  CoordinatorGraph& operator=(const CoordinatorGraph&) = delete;

  // Starts the background recovery sweep.
  void Start() { sweeper_.Start(); }
  // Draining: new PlaceOrder calls are refused and the sweep stops between
  // two orders.
  void StopAccepting();
  // Past the grace period: sagas still running start no further call (they
  // end PENDING, for a running coordinator's sweep).
  void StopSagas() { saga_.Stop(); }

  SagaGrpcService& service() { return service_; }
  SagaAdminService& admin() { return admin_; }
  PlaceOrderSaga& saga() { return saga_; }
  OrderPorts order_ports() const { return orders_; }
  InventoryParticipant& inventory() { return inventory_; }
  BackgroundSagas& background() { return background_; }
  // Calls and batch RPCs so far; zero when batch_calls is off.
  BatchCounts order_batch_counts() const;
  BatchCounts inventory_batch_counts() const;

 private:
  static PlaceOrderSaga::Options WithMetrics(PlaceOrderSaga::Options options,
                                             SagaMetrics* metrics);
  static RecoverySweeper::Options SweeperOptions(const Options& options);

  const Options options_;
  GrpcOrderParticipant grpc_orders_;
  GrpcInventoryParticipant grpc_inventory_;
  BatchingOrderSagaSteps batching_orders_;
  BatchingInventoryParticipant batching_inventory_;
  // Only the saga steps are batched; reads and bookkeeping go straight.
  const OrderPorts orders_;
  InventoryParticipant& inventory_;
  SoldOutCache sold_out_;
  ProductAdmission admission_;
  PlaceOrderSaga saga_;
  RecoverySweeper sweeper_;
  GrpcSagaRecordsReader records_reader_;
  GrpcReservationReader reservation_reader_;
  SagaInspector inspector_;
  // After everything its sagas use: destroyed first, it waits for them
  // (each ends within the saga and compensation deadlines).
  BackgroundSagas background_;
  CustomerRateLimiter rate_limiter_;
  SagaGrpcService service_;
  SagaAdminService admin_;
};

}  // namespace order_saga::coordinator
