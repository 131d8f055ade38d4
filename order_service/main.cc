// order_service: wiring only (flags, construction, server).
#include <gflags/gflags.h>
#include <glog/logging.h>
#include <grpcpp/ext/proto_server_reflection_plugin.h>

#include "order_service/order_schema.h"
#include "common/clock.h"
#include "common/process_clock.h"
#include "common/retention_sweeper.h"
#include "common/trace_context.h"
#include "common/env_flags.h"
#include "common/flag_validators.h"
#include "common/grpc_server.h"
#include "common/database_backed_server.h"
#include "common/mysql/mysql_flags.h"
#include "common/auth/saga_step_callers.h"
#include "common/server_flags.h"
#include "common/metrics/batch_metrics.h"
#include "common/metrics/database_metrics.h"
#include "common/write_coalescing_flags.h"
#include "order_service/coalescing_order_writes.h"
#include "order_service/order_service_graph.h"
#include "order_service/mysql_order_repository.h"

DEFINE_int32(watch_poll_interval_ms, 50,
             "how often the outbox is read for watch streams: the longest a change made "
             "through another replica takes to reach this replica's watchers "
             "(env WATCH_POLL_INTERVAL_MS)");
DEFINE_int32(watch_window_events, 10000,
             "order events kept in memory so that watchers that reconnect are served "
             "without reading the database (env WATCH_WINDOW_EVENTS)");
DEFINE_int32(max_watch_streams, 1000,
             "open WatchOrder/WatchOrders streams per process; more get "
             "RESOURCE_EXHAUSTED (env MAX_WATCH_STREAMS)");
DEFINE_int32(max_watch_streams_per_customer, 10,
             "open watch streams per authenticated customer; more get RESOURCE_EXHAUSTED; "
             "0 = no per-customer limit (env MAX_WATCH_STREAMS_PER_CUSTOMER)");
DEFINE_int32(watch_max_queued_events, 10000,
             "events waiting for one slow watcher before its stream ends with "
             "RESOURCE_EXHAUSTED; it reconnects with its last event id "
             "(env WATCH_MAX_QUEUED_EVENTS)");
DEFINE_bool(read_only, false,
            "serve only the client-facing reads and watches (GetOrder, ListOrders, "
            "CountOrders, WatchOrder, WatchOrders) and refuse the saga's participant RPCs "
            "with PERMISSION_DENIED: the replicas clients reach (env READ_ONLY)");
DEFINE_validator(watch_poll_interval_ms, &order_saga::FlagAtLeastOne);
DEFINE_validator(watch_window_events, &order_saga::FlagNotNegative);
DEFINE_validator(max_watch_streams, &order_saga::FlagAtLeastOne);
DEFINE_validator(watch_max_queued_events, &order_saga::FlagAtLeastOne);

int main(int argc, char** argv) {
  using namespace order_saga;
  BlockTerminationSignals();
  SetDefaultListenAddress("127.0.0.1:50052");
  SetDefaultMetricsAddress("127.0.0.1:9092");
  ParseFlagsWithEnvironment(&argc, &argv, "order_service: the orders and their states");
  InitLoggingWithTraceIds(argv[0]);
  FLAGS_logtostderr = true;
  grpc::reflection::InitProtoReflectionServerBuilderPlugin();  // for grpcurl

  const WriteCoalescingOptions coalescing = WriteCoalescingOptionsFromFlags();
  ServerSetup setup = ServerSetupFromFlagsOrExit();
  // A read-only replica refuses every saga step anyway.
  std::optional<SagaStepCallers> saga_step_callers;
  if (!FLAGS_read_only) {
    saga_step_callers.emplace(SagaStepCallers::FromFlagsOrExit(
        setup.authenticator.get(), setup.client_certificates_required));
  }
  GrpcServerOptions& server_options = setup.options;
  BatchMetrics batch_metrics(*server_options.metrics);
  BatchOptions batches = coalescing.batch;
  batches.observe_batch_size = batch_metrics.Observer("order_writes");
  DatabaseMetrics database_metrics(*server_options.metrics);
  absl::StatusOr<std::unique_ptr<MysqlConnectionPool>> pool =
      OpenServiceDatabaseFromFlags(OrderSchemaMigrations(), ProcessClock(), &database_metrics);
  if (!pool.ok()) {
    LOG(ERROR) << pool.status();
    return absl::IsInvalidArgument(pool.status()) ? 2 : 1;
  }
  MysqlTransactionRunner runner(**pool, ProcessClock());
  orders::MysqlOrderRepository mysql_repository(runner);
  // Only the writes are coalesced; every other role goes straight to MySQL.
  orders::CoalescingOrderWrites coalescing_writes(mysql_repository, batches);
  orders::OrderServiceGraph::Options graph_options;
  graph_options.feed.poll_interval = absl::Milliseconds(FLAGS_watch_poll_interval_ms);
  graph_options.feed.window_events = static_cast<size_t>(FLAGS_watch_window_events);
  graph_options.streams = {FLAGS_max_watch_streams, FLAGS_max_watch_streams_per_customer,
                           static_cast<size_t>(FLAGS_watch_max_queued_events)};
  graph_options.read_only = FLAGS_read_only;
  graph_options.authenticator = setup.authenticator.get();
  graph_options.saga_step_callers = saga_step_callers ? &*saga_step_callers : nullptr;
  graph_options.metrics = server_options.metrics.get();
  orders::OrderServiceGraph graph(mysql_repository,
                                  coalescing.enabled ? &coalescing_writes : nullptr,
                                  ProcessClock(), graph_options);
  if (absl::Status started = graph.Start(); !started.ok()) {
    LOG(ERROR) << "cannot read the outbox: " << started;
    return 1;
  }

  // Retention (not on read-only replicas): on its own connection as the
  // schema owner.
  absl::StatusOr<std::unique_ptr<MaintenanceDatabase>> maintenance_db =
      OpenMaintenanceDatabaseFromFlags(ProcessClock());
  if (!maintenance_db.ok()) {
    LOG(ERROR) << maintenance_db.status();
    return 2;
  }
  orders::MysqlOrderRepository maintenance((*maintenance_db)->runner);
  RetentionSweeper retention(RetentionOptionsFromFlags(), ProcessClock(),
                             server_options.metrics.get());
  retention.Add("order_events", [&maintenance](absl::Time cutoff, int limit) {
    return maintenance.DeleteEventsBefore(cutoff, limit);
  });
  retention.Add("saga_steps", [&maintenance](absl::Time cutoff, int limit) {
    return maintenance.DeleteFinishedSagaStepsBefore(cutoff, limit);
  });
  if (!FLAGS_read_only) retention.Start();

  absl::Status served = RunDatabaseBackedGrpcServer(
      server_options, {&graph.service()}, (*pool)->options(), DatabaseHealthIntervalFromFlags(),
      [&graph, &retention] {
        // Open watch streams end now, so that shutdown need not wait for
        // them; clients resume elsewhere with their last event id.
        graph.StopWatches();
        retention.Stop();
      });
  if (coalescing.enabled) {
    const auto counts = coalescing_writes.counts();
    LOG(INFO) << "write coalescing: " << counts.requests << " creations and approvals in "
              << counts.batches << " batches";
  }
  if (!served.ok()) {
    LOG(ERROR) << served;
    return 1;
  }
  return 0;
}
