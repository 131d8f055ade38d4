// order_service: wiring only (flags, construction, server).
#include <gflags/gflags.h>
#include <glog/logging.h>
#include <grpcpp/ext/proto_server_reflection_plugin.h>

#include "order_service/order_schema.h"
#include "common/clock.h"
#include "common/env_flags.h"
#include "common/grpc_server.h"
#include "common/mysql/mysql_flags.h"
#include "common/server_flags.h"
#include "common/metrics/batch_metrics.h"
#include "common/metrics/database_metrics.h"
#include "common/write_coalescing_flags.h"
#include "order_service/coalescing_order_repository.h"
#include "order_service/mysql_order_repository.h"
#include "order_service/order_grpc_service.h"
#include "order_service/order_lifecycle.h"

int main(int argc, char** argv) {
  using namespace order_saga;
  BlockTerminationSignals();
  SetDefaultListenAddress("127.0.0.1:50052");
  SetDefaultMetricsAddress("127.0.0.1:9092");
  ParseFlagsWithEnvironment(&argc, &argv, "order_service: the orders and their states");
  google::InitGoogleLogging(argv[0]);
  FLAGS_logtostderr = true;
  grpc::reflection::InitProtoReflectionServerBuilderPlugin();  // for grpcurl

  const WriteCoalescingOptions coalescing = WriteCoalescingOptionsFromFlags();
  GrpcServerOptions server_options = GrpcServerOptionsFromFlags();
  BatchMetrics batch_metrics(*server_options.metrics);
  BatchOptions batches = coalescing.batch;
  batches.observe_batch_size = batch_metrics.Observer("order_writes");
  DatabaseMetrics database_metrics(*server_options.metrics);
  absl::StatusOr<std::unique_ptr<MysqlConnectionPool>> pool =
      OpenServiceDatabaseFromFlags(OrderSchemaMigrations(), &database_metrics);
  if (!pool.ok()) {
    LOG(ERROR) << pool.status();
    return absl::IsInvalidArgument(pool.status()) ? 2 : 1;
  }
  MysqlTransactionRunner runner(**pool, RealClock());
  orders::MysqlOrderRepository mysql_repository(runner);
  orders::CoalescingOrderRepository coalescing_repository(
      mysql_repository, batches);
  orders::OrderRepository& repository =
      coalescing.enabled ? static_cast<orders::OrderRepository&>(coalescing_repository)
                          : mysql_repository;
  orders::OrderLifecycle lifecycle(repository);
  orders::OrderGrpcService service(lifecycle);

  absl::Status served =
      RunDatabaseBackedGrpcServer(server_options, {&service}, (*pool)->options());
  if (coalescing.enabled) {
    const auto counts = coalescing_repository.counts();
    LOG(INFO) << "write coalescing: " << counts.requests << " creations and approvals in "
              << counts.batches << " batches";
  }
  if (!served.ok()) {
    LOG(ERROR) << served;
    return 1;
  }
  return 0;
}
