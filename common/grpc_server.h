// The shape every server of the project shares: health service, a bounded
// thread pool, and a clean shutdown on SIGTERM/SIGINT. Server reflection is
// enabled by each binary's main() (grpc::reflection::
// InitProtoReflectionServerBuilderPlugin), which alone links
// gRPC::grpc++_reflection.
#pragma once

#include <atomic>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include <grpcpp/grpcpp.h>
#include <prometheus/registry.h>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/time/time.h"

namespace order_saga {

class MetricsExporter;
class PlaintextHealthServer;

struct GrpcServerOptions {
  // host:port to listen on ("127.0.0.1:50052", "0.0.0.0:0").
  std::string listen_address;
  // Upper bound on threads serving synchronous handlers.
  int max_threads = 64;
  // After a termination signal the server reports NOT_SERVING and keeps
  // answering for this long, so that load balancers (Kubernetes readiness)
  // stop sending it calls before it stops listening.
  absl::Duration shutdown_drain = absl::ZeroDuration();
  // Then in-flight calls get this long to finish.
  absl::Duration shutdown_grace = absl::Seconds(5);
  // Calls one client connection may have open at once.
  int max_concurrent_streams = 100;
  // Largest request accepted, in bytes.
  int max_receive_message_bytes = 4 * 1024 * 1024;
  // Where Prometheus metrics are served (http://<address>/metrics); empty:
  // not served.
  std::string metrics_address;
  // The process's metrics; gRPC per-method metrics are added to it. Null:
  // no metrics at all.
  std::shared_ptr<prometheus::Registry> metrics;
  // Also serve the health status, and only that, in plaintext here
  // (Kubernetes' gRPC probes cannot speak TLS); empty: not.
  std::string health_listen_address;
  // Transport security (common/tls_config.h); null: plaintext.
  std::shared_ptr<grpc::ServerCredentials> credentials;
};

// What a binary runs around the server's life.
struct GrpcServerHooks {
  // Called once the server is serving, with a function that sets the health
  // status of the whole server; it may be called until before_shutdown
  // returns (a database monitor, say).
  std::function<void(std::function<void(bool serving)> set_serving)> after_start;
  // Called on SIGTERM/SIGINT, once the server reports NOT_SERVING and
  // before it drains and shuts down: stop background work here (briefly:
  // the process must exit within its grace period).
  std::function<void()> before_shutdown;
  // Called when the grace period is over (in-flight calls are cancelled),
  // before waiting for the handlers still running to return: make them
  // return now.
  std::function<void()> after_grace;
};

// Blocks SIGTERM and SIGINT in the calling thread and every thread it starts
// afterwards, so WaitForTerminationSignal (and RunGrpcServer) can wait for
// them. Call first thing in main().
void BlockTerminationSignals();

// Waits until SIGTERM or SIGINT arrives (blocked by BlockTerminationSignals)
// and returns its number.
int WaitForTerminationSignal();

// A started server: the production bootstrap (health service, thread quota,
// limits, keepalive policy, metrics interceptor, SO_REUSEPORT off), running
// until Shutdown. main() and the in-process tests start servers the same
// way.
class RunningGrpcServer {
 public:
  RunningGrpcServer(const RunningGrpcServer&) = delete;
  RunningGrpcServer& operator=(const RunningGrpcServer&) = delete;
  ~RunningGrpcServer();

  // The port options.listen_address is bound to (the chosen one for port 0).
  int port() const { return port_; }
  // Sets the health status of the whole server (every service name); after
  // Shutdown has begun, SERVING is ignored.
  void SetServing(bool serving);
  // Marks health NOT_SERVING for good, calls hooks.before_shutdown, waits
  // the drain period, shuts down with the grace period (new calls refused,
  // in-flight ones given the grace to finish), calls hooks.after_grace and
  // waits for the handlers. Idempotent; the destructor calls it with no
  // hooks.
  void Shutdown(const GrpcServerHooks& hooks = {});

 private:
  friend absl::StatusOr<std::unique_ptr<RunningGrpcServer>> StartGrpcServer(
      const GrpcServerOptions& options, const std::vector<grpc::Service*>& services);
  RunningGrpcServer() = default;

  GrpcServerOptions options_;
  int port_ = 0;
  std::unique_ptr<MetricsExporter> exporter_;
  std::unique_ptr<grpc::Server> server_;
  std::unique_ptr<PlaintextHealthServer> health_port_;
  // Set once Shutdown begins: SERVING is ignored from then on.
  std::atomic<bool> shutting_down_{false};
};

// Builds and starts a server with `services` and the standard health service
// (SERVING once started); serves the metrics if configured; logs the bound
// ports ("listening on ADDRESS (port N)"). UNAVAILABLE if an address cannot
// be bound.
absl::StatusOr<std::unique_ptr<RunningGrpcServer>> StartGrpcServer(
    const GrpcServerOptions& options, const std::vector<grpc::Service*>& services);

// StartGrpcServer, then hooks.after_start with a setter of the health
// status, WaitForTerminationSignal, and Shutdown(hooks): the life of a
// server binary.
absl::Status RunGrpcServer(const GrpcServerOptions& options,
                           const std::vector<grpc::Service*>& services,
                           const GrpcServerHooks& hooks = {});

}  // namespace order_saga
