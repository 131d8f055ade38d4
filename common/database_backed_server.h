// The server of a service that owns a database: RunGrpcServer whose health
// follows the database's reachability. It joins the two layers below it
// (common/grpc_server.h and common/mysql/), which know nothing of each other.
#pragma once

#include <functional>
#include <vector>

#include <grpcpp/grpcpp.h>

#include "absl/status/status.h"
#include "absl/time/time.h"
#include "common/grpc_server.h"
#include "common/mysql/mysql_connection_pool.h"

namespace order_saga {

// RunGrpcServer with the health status following the database: probed every
// `health_interval` on a connection made from `pool_options`, NOT_SERVING
// while it cannot be reached. `before_shutdown`, if set, runs on SIGTERM
// before the server stops.
absl::Status RunDatabaseBackedGrpcServer(const GrpcServerOptions& options,
                                         const std::vector<grpc::Service*>& services,
                                         const MysqlConnectionPool::Options& pool_options,
                                         absl::Duration health_interval,
                                         std::function<void()> before_shutdown = nullptr);

}  // namespace order_saga
