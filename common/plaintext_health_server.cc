#include "common/plaintext_health_server.h"

#include "absl/strings/str_cat.h"

namespace order_saga {

absl::StatusOr<std::unique_ptr<PlaintextHealthServer>> PlaintextHealthServer::Start(
    const std::string& address) {
  std::unique_ptr<PlaintextHealthServer> health(new PlaintextHealthServer());
  grpc::ServerBuilder builder;
  int port = 0;
  builder.AddListeningPort(address, grpc::InsecureServerCredentials(), &port);
  builder.RegisterService(health.get());
  // gRPC also adds its default health service here and logs "duplicate
  // registration for /grpc.health.v1.Health/Check"; ours is registered
  // first and answers. Disabling the default one
  // (HealthCheckServiceServerBuilderOption(nullptr)) was tried and undone
  // while chasing intermittent timeouts in the container test (issue 14);
  // it was not shown to be their cause.
  health->server_ = builder.BuildAndStart();
  if (health->server_ == nullptr || port == 0) {
    return absl::UnavailableError(absl::StrCat("health: cannot listen on ", address));
  }
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
