// inventory_service: wiring only (flags, construction, server).
#include <gflags/gflags.h>
#include <glog/logging.h>

#include "common/clock.h"
#include "common/env_flags.h"
#include "common/grpc_server.h"
#include "common/mysql/mysql_flags.h"
#include "common/mysql/schema_migrator.h"
#include "common/server_flags.h"
#include "inventory_service/inventory_grpc_service.h"
#include "inventory_service/mysql_inventory_repository.h"
#include "inventory_service/stock_ledger.h"

namespace order_saga {
std::vector<SchemaMigration> InventorySchemaMigrations();
}  // namespace order_saga

int main(int argc, char** argv) {
  using namespace order_saga;
  BlockTerminationSignals();
  SetDefaultListenAddress("127.0.0.1:50053");
  ParseFlagsWithEnvironment(&argc, &argv,
                            "inventory_service: products, stock and reservations");
  google::InitGoogleLogging(argv[0]);
  FLAGS_logtostderr = true;

  absl::StatusOr<MysqlConnectionPool::Options> pool_options = MysqlPoolOptionsFromFlags();
  if (!pool_options.ok()) {
    LOG(ERROR) << "--mysql_dsn: " << pool_options.status().message();
    return 2;
  }
  MysqlConnectionPool pool(*pool_options);
  if (absl::Status migrated = ApplySchemaMigrations(pool, InventorySchemaMigrations());
      !migrated.ok()) {
    LOG(ERROR) << migrated;
    return 1;
  }
  MysqlTransactionRunner runner(pool, RealClock());
  order_saga::inventory::MysqlInventoryRepository repository(runner);
  order_saga::inventory::StockLedger ledger(repository);
  order_saga::inventory::InventoryGrpcService service(ledger);

  absl::Status served = RunGrpcServer(GrpcServerOptionsFromFlags(), {&service});
  if (!served.ok()) {
    LOG(ERROR) << served;
    return 1;
  }
  return 0;
}
