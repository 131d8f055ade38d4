#include "common/plaintext_health_server.h"

#include <grpcpp/ext/health_check_service_server_builder_option.h>

#include "absl/strings/str_cat.h"

namespace order_saga {

absl::StatusOr<std::unique_ptr<PlaintextHealthServer>> PlaintextHealthServer::Start(
    const std::string& address) {
  std::unique_ptr<PlaintextHealthServer> health(new PlaintextHealthServer());
  grpc::ServerBuilder builder;
  int port = 0;
  builder.AddListeningPort(address, grpc::InsecureServerCredentials(), &port);
  builder.RegisterService(health.get());
  // Ours instead of gRPC's default health service (which
  // EnableDefaultHealthCheckService turns on for every server).
  builder.SetOption(std::make_unique<grpc::HealthCheckServiceServerBuilderOption>(nullptr));
  builder.AddChannelArgument(GRPC_ARG_ALLOW_REUSEPORT, 0);
  health->server_ = builder.BuildAndStart();
  if (health->server_ == nullptr || port == 0) {
    return absl::UnavailableError(absl::StrCat("health: cannot listen on ", address));
  }
  health->port_ = port;
  return health;
}

PlaintextHealthServer::~PlaintextHealthServer() {
  if (server_ != nullptr) server_->Shutdown(std::chrono::system_clock::now());
}

grpc::Status PlaintextHealthServer::Check(grpc::ServerContext*,
                                          const grpc::health::v1::HealthCheckRequest* request,
                                          grpc::health::v1::HealthCheckResponse* response) {
  if (!request->service().empty()) {
    return grpc::Status(grpc::StatusCode::NOT_FOUND,
                        "service: only the server's overall status (\"\") is served here");
  }
  response->set_status(serving_.load() ? grpc::health::v1::HealthCheckResponse::SERVING
                                       : grpc::health::v1::HealthCheckResponse::NOT_SERVING);
  return grpc::Status::OK;
}

}  // namespace order_saga
