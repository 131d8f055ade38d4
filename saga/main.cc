// saga_coordinator: wiring only (flags, construction, server).
#include <gflags/gflags.h>
#include <glog/logging.h>
#include <grpcpp/ext/proto_server_reflection_plugin.h>
#include <grpcpp/create_channel.h>

#include "common/process_clock.h"
#include "common/env_flags.h"
#include "common/flag_validators.h"
#include "common/grpc_channel.h"
#include "common/grpc_server.h"
#include "common/server_flags.h"
#include "common/tls_config.h"
#include "common/trace_context.h"
#include "common/metrics/batch_metrics.h"
#include "saga/coordinator_graph.h"
#include "common/write_coalescing_flags.h"
#include "saga/saga_metrics.h"

DEFINE_string(order_service_address, "127.0.0.1:50052",
              "order service host:port (env ORDER_SERVICE_ADDRESS)");
DEFINE_string(inventory_service_address, "127.0.0.1:50053",
              "inventory service host:port (env INVENTORY_SERVICE_ADDRESS)");
DEFINE_int32(max_reconnect_backoff_ms, 1000,
             "longest wait between reconnect attempts to a service that went "
             "away (env MAX_RECONNECT_BACKOFF_MS)");
DEFINE_int32(keepalive_time_ms, 1000,
             "the coordinator pings each service replica after this long without a ping; "
             "0: no keepalive (env KEEPALIVE_TIME_MS)");
DEFINE_validator(keepalive_time_ms, &order_saga::FlagNotNegative);
DEFINE_int32(keepalive_timeout_ms, 1000,
             "a replica that does not answer a ping within this long is given up and its "
             "calls retried on another replica (env KEEPALIVE_TIMEOUT_MS)");
DEFINE_validator(keepalive_timeout_ms, &order_saga::FlagAtLeastOne);
DEFINE_int32(saga_deadline_ms, 5000,
             "time a saga gets to reach a decision, at most 600000 (env SAGA_DEADLINE_MS)");
DEFINE_validator(saga_deadline_ms, &order_saga::FlagAtMostTenMinutesMs);
DEFINE_int32(compensation_deadline_ms, 5000,
             "time a compensation gets once started, at most 600000 (env "
             "COMPENSATION_DEADLINE_MS)");
DEFINE_validator(compensation_deadline_ms, &order_saga::FlagAtMostTenMinutesMs);
DEFINE_int32(call_timeout_ms, 1000,
             "deadline of each downstream call, at most 600000; it is also the not_after "
             "of each Reserve (env CALL_TIMEOUT_MS)");
DEFINE_validator(call_timeout_ms, &order_saga::FlagAtMostTenMinutesMs);
DEFINE_int32(sold_out_ttl_ms, 2000,
             "how long a product seen sold out is turned away at the door "
             "(env SOLD_OUT_TTL_MS)");
DEFINE_int32(sold_out_recheck_ms, 100,
             "a sold-out entry older than this is confirmed with the inventory "
             "before turning an order away, so a restock is noticed (env "
             "SOLD_OUT_RECHECK_MS)");
DEFINE_int32(max_sagas_per_product, 128,
             "sagas in flight per product in this coordinator; later orders "
             "queue and pass the sold-out door again; 0 = no limit (env "
             "MAX_SAGAS_PER_PRODUCT)");
DEFINE_int32(admission_wait_ms, 2000,
             "longest a PlaceOrder waits for a slot of its products (--max_sagas_per_product) "
             "before it is refused with RESOURCE_EXHAUSTED and nothing written; the saga's "
             "deadline starts after it, at most 600000 (env ADMISSION_WAIT_MS)");
DEFINE_validator(admission_wait_ms, &order_saga::FlagAtMostTenMinutesMs);
DEFINE_int32(max_background_sagas, 1000,
             "sagas that go on after their PlaceOrder was answered "
             "(respond_when_recorded); beyond, such requests are answered with "
             "the decision instead (env MAX_BACKGROUND_SAGAS)");
DEFINE_validator(max_background_sagas, &order_saga::FlagNotNegative);
DEFINE_double(place_order_rate_per_customer, 0,
              "PlaceOrder calls per second one customer (the token's subject, or the "
              "request's customer_id without authentication) may make; beyond, "
              "RESOURCE_EXHAUSTED; 0 = no limit (the Kubernetes manifests set 20) "
              "(env PLACE_ORDER_RATE_PER_CUSTOMER)");
DEFINE_double(place_order_burst_per_customer, 40,
              "PlaceOrder calls one customer may make at once before the rate applies "
              "(env PLACE_ORDER_BURST_PER_CUSTOMER)");
DEFINE_int32(recovery_age_ms, 15000,
             "PENDING orders untouched this long are re-driven (env "
             "RECOVERY_AGE_MS)");
DEFINE_int32(recovery_interval_ms, 2000,
             "pause between recovery sweeps (env RECOVERY_INTERVAL_MS)");
DEFINE_int32(saga_max_attempts, 10,
             "failed attempts to finish an order's saga before it is parked as "
             "stuck for an operator (SagaAdmin) (env SAGA_MAX_ATTEMPTS)");
DEFINE_validator(saga_max_attempts, &order_saga::FlagAtLeastOne);
DEFINE_int32(saga_retry_backoff_ms, 15000,
             "after a failed attempt the recovery sweep waits this long, doubled "
             "with each further failure (env SAGA_RETRY_BACKOFF_MS)");
DEFINE_validator(saga_retry_backoff_ms, &order_saga::FlagNotNegative);
DEFINE_int32(saga_max_retry_backoff_ms, 600000,
             "longest wait between attempts (env SAGA_MAX_RETRY_BACKOFF_MS)");
DEFINE_validator(saga_max_retry_backoff_ms, &order_saga::FlagNotNegative);

int main(int argc, char** argv) {
  using namespace order_saga;
  BlockTerminationSignals();
  SetDefaultListenAddress("127.0.0.1:50051");
  SetDefaultMetricsAddress("127.0.0.1:9091");
  ParseFlagsWithEnvironment(&argc, &argv,
                            "saga_coordinator: places orders with the order saga");
  InitLoggingWithTraceIds(argv[0]);
  FLAGS_logtostderr = true;
  grpc::reflection::InitProtoReflectionServerBuilderPlugin();  // for grpcurl

  const WriteCoalescingOptions coalescing = WriteCoalescingOptionsFromFlags();
  ServerSetup setup = ServerSetupFromFlagsOrExit();
  GrpcServerOptions& server_options = setup.options;
  BatchMetrics batch_metrics(*server_options.metrics);
  coordinator::SagaMetrics saga_metrics(*server_options.metrics);
  // Keepalive and client-side health checking: a replica that vanishes,
  // freezes, drains or loses its database leaves the rotation within about
  // two seconds (ServiceChannelOptions).
  ServiceChannelOptions channel_options;
  channel_options.max_reconnect_backoff = absl::Milliseconds(FLAGS_max_reconnect_backoff_ms);
  channel_options.keepalive_time = absl::Milliseconds(FLAGS_keepalive_time_ms);
  channel_options.keepalive_timeout = absl::Milliseconds(FLAGS_keepalive_timeout_ms);
  channel_options.health_checked = true;
  // The same identity and CA as the server side (already checked there).
  const std::shared_ptr<grpc::ChannelCredentials> to_services =
      MakeChannelCredentials(*TlsConfigFromFlags());
  const std::shared_ptr<grpc::Channel> order_channel =
      CreateServiceChannel(FLAGS_order_service_address, channel_options, to_services);
  const std::shared_ptr<grpc::Channel> inventory_channel =
      CreateServiceChannel(FLAGS_inventory_service_address, channel_options, to_services);
  coordinator::CoordinatorGraph::Options graph;
  graph.saga.saga_deadline = absl::Milliseconds(FLAGS_saga_deadline_ms);
  graph.saga.compensation_deadline = absl::Milliseconds(FLAGS_compensation_deadline_ms);
  graph.saga.admission_wait = absl::Milliseconds(FLAGS_admission_wait_ms);
  graph.saga.retry.call_timeout = absl::Milliseconds(FLAGS_call_timeout_ms);
  graph.saga.max_attempts = FLAGS_saga_max_attempts;
  graph.saga.attempt_backoff = absl::Milliseconds(FLAGS_saga_retry_backoff_ms);
  graph.saga.max_attempt_backoff = absl::Milliseconds(FLAGS_saga_max_retry_backoff_ms);
  graph.sweeper.recovery_age = absl::Milliseconds(FLAGS_recovery_age_ms);
  graph.sweeper.interval = absl::Milliseconds(FLAGS_recovery_interval_ms);
  graph.batch_calls = coalescing.enabled;
  graph.order_batches = coalescing.batch;
  graph.order_batches.observe_batch_size = batch_metrics.Observer("coordinator_order_calls");
  graph.inventory_batches = coalescing.batch;
  graph.inventory_batches.observe_batch_size =
      batch_metrics.Observer("coordinator_reservations");
  graph.sold_out_ttl = absl::Milliseconds(FLAGS_sold_out_ttl_ms);
  graph.sold_out_recheck = absl::Milliseconds(FLAGS_sold_out_recheck_ms);
  graph.max_sagas_per_product = FLAGS_max_sagas_per_product;
  graph.max_background_sagas = FLAGS_max_background_sagas;
  graph.place_order_rate_per_customer = FLAGS_place_order_rate_per_customer;
  graph.place_order_burst_per_customer = FLAGS_place_order_burst_per_customer;
  graph.metrics = &saga_metrics;
  graph.authenticator = setup.authenticator.get();
  coordinator::CoordinatorGraph coordinator(order_channel, inventory_channel, ProcessClock(),
                                            std::move(graph));
  coordinator.Start();

  GrpcServerHooks hooks;
  hooks.before_shutdown = [&coordinator] { coordinator.StopAccepting(); };
  hooks.after_grace = [&coordinator] { coordinator.StopSagas(); };
  absl::Status served =
      RunGrpcServer(server_options, {&coordinator.service(), &coordinator.admin()}, hooks);
  if (const int running = coordinator.background().running(); running > 0) {
    LOG(INFO) << "finishing " << running << " background sagas";
  }
  if (coalescing.enabled) {
    const BatchCounts to_orders = coordinator.order_batch_counts();
    const BatchCounts to_inventory = coordinator.inventory_batch_counts();
    LOG(INFO) << "call coalescing: " << to_orders.requests << " order calls in "
              << to_orders.batches << " batch RPCs, " << to_inventory.requests
              << " reservations in " << to_inventory.batches << " batch RPCs";
  }
  if (!served.ok()) {
    LOG(ERROR) << served;
    return 1;
  }
  return 0;
}
