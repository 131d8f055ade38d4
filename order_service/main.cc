// order_service: wiring only (flags, construction, server).
#include <gflags/gflags.h>
#include <glog/logging.h>

#include "common/clock.h"
#include "common/env_flags.h"
#include "common/grpc_server.h"
#include "common/mysql/mysql_flags.h"
#include "common/mysql/schema_migrator.h"
#include "common/server_flags.h"
#include "order_service/mysql_order_repository.h"
#include "order_service/order_grpc_service.h"
#include "order_service/order_lifecycle.h"

namespace order_saga {
std::vector<SchemaMigration> OrderSchemaMigrations();
}  // namespace order_saga

int main(int argc, char** argv) {
  using namespace order_saga;
  BlockTerminationSignals();
  SetDefaultListenAddress("127.0.0.1:50052");
  ParseFlagsWithEnvironment(&argc, &argv, "order_service: the orders and their states");
  google::InitGoogleLogging(argv[0]);
  FLAGS_logtostderr = true;

  absl::StatusOr<MysqlConnectionPool::Options> pool_options = MysqlPoolOptionsFromFlags();
  if (!pool_options.ok()) {
    LOG(ERROR) << "--mysql_dsn: " << pool_options.status().message();
    return 2;
  }
  MysqlConnectionPool pool(*pool_options);
  if (absl::Status migrated = ApplySchemaMigrations(pool, OrderSchemaMigrations());
      !migrated.ok()) {
    LOG(ERROR) << migrated;
    return 1;
  }
  MysqlTransactionRunner runner(pool, RealClock());
  orders::MysqlOrderRepository repository(runner);
  orders::OrderLifecycle lifecycle(repository);
  orders::OrderGrpcService service(lifecycle);

  absl::Status served = RunGrpcServer(GrpcServerOptionsFromFlags(), {&service});
  if (!served.ok()) {
    LOG(ERROR) << served;
    return 1;
  }
  return 0;
}
