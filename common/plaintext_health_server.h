// A second, plaintext listener that serves only grpc.health.v1.Health/Check,
// mirroring the main server's status: Kubernetes' native gRPC probes cannot
// speak TLS, so a server with TLS on its main port is probed here
// (--health_listen_address). It exposes nothing but SERVING/NOT_SERVING.
#pragma once

#include <atomic>
#include <memory>
#include <string>

#include <grpcpp/grpcpp.h>

#include "absl/status/statusor.h"
#include "grpc/health/v1/health.grpc.pb.h"

namespace order_saga {

class PlaintextHealthServer final : public grpc::health::v1::Health::Service {
 public:
  // Listens on `address` (host:port); NOT_SERVING until SetServing(true).
  static absl::StatusOr<std::unique_ptr<PlaintextHealthServer>> Start(const std::string& address);
  ~PlaintextHealthServer() override;

  void SetServing(bool serving) { serving_.store(serving); }
  // The bound port (the chosen one for port 0).
  int port() const { return port_; }

  grpc::Status Check(grpc::ServerContext* context,
                     const grpc::health::v1::HealthCheckRequest* request,
                     grpc::health::v1::HealthCheckResponse* response) override;

 private:
  PlaintextHealthServer() = default;

  std::atomic<bool> serving_{false};
  int port_ = 0;
  std::unique_ptr<grpc::Server> server_;
};

}  // namespace order_saga
