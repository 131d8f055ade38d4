// In-process servers for adapter tests: the production bootstrap
// (StartGrpcServer) on a loopback port of its own choosing, and a channel
// to it.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include <grpcpp/grpcpp.h>

#include "common/grpc_server.h"

namespace order_saga::testing {

inline absl::StatusOr<std::unique_ptr<RunningGrpcServer>> StartOnLoopback(
    const std::vector<grpc::Service*>& services) {
  GrpcServerOptions options;
  options.listen_address = "127.0.0.1:0";
  return StartGrpcServer(options, services);
}

inline std::shared_ptr<grpc::Channel> LoopbackChannel(const RunningGrpcServer& server) {
  return grpc::CreateChannel("127.0.0.1:" + std::to_string(server.port()),
                             grpc::InsecureChannelCredentials());
}

}  // namespace order_saga::testing
