#include "common/database_backed_server.h"

#include <utility>

#include "common/mysql/database_health_monitor.h"

namespace order_saga {

absl::Status RunDatabaseBackedGrpcServer(const GrpcServerOptions& options,
                                         const std::vector<grpc::Service*>& services,
                                         const MysqlConnectionPool::Options& pool_options,
                                         absl::Duration health_interval,
                                         std::function<void()> before_shutdown) {
  DatabaseHealthMonitor monitor(pool_options, health_interval);
  GrpcServerHooks hooks;
  hooks.after_start = [&monitor](std::function<void(bool)> set_serving) {
    monitor.Start(std::move(set_serving));
  };
  hooks.before_shutdown = [&monitor, &before_shutdown] {
    if (before_shutdown) before_shutdown();
    monitor.Stop();
  };
  return RunGrpcServer(options, services, hooks);
}

}  // namespace order_saga
