// inventory_service: wiring only (flags, construction, server).
#include <gflags/gflags.h>
#include <glog/logging.h>
#include <grpcpp/ext/proto_server_reflection_plugin.h>
#include <prometheus/counter.h>

#include "inventory_service/inventory_schema.h"
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
#include "inventory_service/coalescing_inventory_repository.h"
#include "inventory_service/inventory_service_graph.h"
#include "inventory_service/mysql_inventory_repository.h"

DEFINE_int32(reserve_deadline_limit_ms, 60000,
             "a Reserve whose not_after is further ahead than this is refused "
             "(INVALID_ARGUMENT); keep it above the coordinator's --call_timeout_ms "
             "(env RESERVE_DEADLINE_LIMIT_MS)");
DEFINE_validator(reserve_deadline_limit_ms, &order_saga::FlagAtMostTenMinutesMs);
DEFINE_int32(reserve_clock_skew_ms, 60000,
             "how far the coordinator's clock may be from this server's: a Reserve "
             "is late once now > not_after + this (env RESERVE_CLOCK_SKEW_MS)");
DEFINE_validator(reserve_clock_skew_ms, &order_saga::FlagAtMostTenMinutesMs);

int main(int argc, char** argv) {
  using namespace order_saga;
  BlockTerminationSignals();
  SetDefaultListenAddress("127.0.0.1:50053");
  SetDefaultMetricsAddress("127.0.0.1:9093");
  ParseFlagsWithEnvironment(&argc, &argv,
                            "inventory_service: products, stock and reservations");
  InitLoggingWithTraceIds(argv[0]);
  FLAGS_logtostderr = true;
  grpc::reflection::InitProtoReflectionServerBuilderPlugin();  // for grpcurl

  const WriteCoalescingOptions coalescing = WriteCoalescingOptionsFromFlags();
  ServerSetup setup = ServerSetupFromFlagsOrExit();
  const SagaStepCallers saga_step_callers = SagaStepCallers::FromFlagsOrExit(
      setup.authenticator.get(), setup.client_certificates_required);
  GrpcServerOptions& server_options = setup.options;
  BatchMetrics batch_metrics(*server_options.metrics);
  BatchOptions batches = coalescing.batch;
  batches.observe_batch_size = batch_metrics.Observer("inventory_reservations");
  DatabaseMetrics database_metrics(*server_options.metrics);
  absl::StatusOr<std::unique_ptr<MysqlConnectionPool>> pool =
      OpenServiceDatabaseFromFlags(InventorySchemaMigrations(), ProcessClock(), &database_metrics);
  if (!pool.ok()) {
    LOG(ERROR) << pool.status();
    return absl::IsInvalidArgument(pool.status()) ? 2 : 1;
  }
  MysqlTransactionRunner runner(**pool, ProcessClock());
  prometheus::Counter& stock_outs =
      prometheus::BuildCounter()
          .Name("ordersaga_stock_outs_total")
          .Help("Times a reservation took a product's stock to zero")
          .Register(*server_options.metrics)
          .Add({});
  order_saga::inventory::MysqlInventoryRepository mysql_repository(
      runner, [&stock_outs](int64_t product_id) {
        stock_outs.Increment();
        LOG(INFO) << "product " << product_id << " sold out";
      });
  order_saga::inventory::CoalescingInventoryRepository coalescing_repository(
      mysql_repository, batches);
  order_saga::inventory::InventoryRepository& repository =
      coalescing.enabled
          ? static_cast<order_saga::inventory::InventoryRepository&>(coalescing_repository)
          : mysql_repository;
  order_saga::inventory::InventoryServiceGraph graph(
      repository, ProcessClock(),
      {{absl::Milliseconds(FLAGS_reserve_deadline_limit_ms),
        absl::Milliseconds(FLAGS_reserve_clock_skew_ms)},
       setup.authenticator.get(),
       &saga_step_callers});

  // Retention of records that hold nothing, on its own connection as the
  // schema owner. --retention_hours >= 2 is far above the latest a Reserve
  // can still be accepted (not_after <= arrival + 10 minutes, + skew).
  absl::StatusOr<std::unique_ptr<MaintenanceDatabase>> maintenance_db =
      OpenMaintenanceDatabaseFromFlags(ProcessClock());
  if (!maintenance_db.ok()) {
    LOG(ERROR) << maintenance_db.status();
    return 2;
  }
  order_saga::inventory::MysqlInventoryRepository maintenance((*maintenance_db)->runner);
  RetentionSweeper retention(RetentionOptionsFromFlags(), ProcessClock(),
                             server_options.metrics.get());
  retention.Add("reservations", [&maintenance](absl::Time cutoff, int limit) {
    return maintenance.DeleteFinishedReservationsBefore(cutoff, limit);
  });
  retention.Start();

  absl::Status served = RunDatabaseBackedGrpcServer(
      server_options, {&graph.service()}, (*pool)->options(), DatabaseHealthIntervalFromFlags(),
      [&retention] { retention.Stop(); });
  if (coalescing.enabled) {
    const auto counts = coalescing_repository.counts();
    LOG(INFO) << "reservation coalescing: " << counts.requests << " reservations in "
              << counts.batches << " batches";
  }
  if (!served.ok()) {
    LOG(ERROR) << served;
    return 1;
  }
  return 0;
}
