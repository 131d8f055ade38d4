#include "common/grpc_server.h"

#include <pthread.h>
#include <signal.h>

#include <atomic>
#include <limits>
#include <memory>

#include <glog/logging.h>
#include <grpcpp/health_check_service_interface.h>
#include <grpcpp/resource_quota.h>

#include "absl/strings/str_cat.h"
#include "common/metrics/grpc_server_metrics.h"
#include "common/metrics/metrics_exporter.h"
#include "common/plaintext_health_server.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/clock.h"

namespace order_saga {
namespace {

sigset_t TerminationSignals() {
  sigset_t signals;
  sigemptyset(&signals);
  sigaddset(&signals, SIGTERM);
  sigaddset(&signals, SIGINT);
  return signals;
}

}  // namespace

void BlockTerminationSignals() {
  sigset_t signals = TerminationSignals();
  pthread_sigmask(SIG_BLOCK, &signals, nullptr);
}

absl::Status RunGrpcServer(const GrpcServerOptions& options,
                           const std::vector<grpc::Service*>& services,
                           const GrpcServerHooks& hooks) {
  // Debian's Abseil is built with absl::Mutex deadlock detection on, which
  // records a lock graph on every acquisition (a few % of a server's CPU in
  // the benchmark's profile). The tests keep it on; servers turn it off.
  absl::SetMutexDeadlockDetectionMode(absl::OnDeadlockCycle::kIgnore);
  grpc::EnableDefaultHealthCheckService(true);

  grpc::ServerBuilder builder;
  int bound_port = 0;
  builder.AddListeningPort(
      options.listen_address,
      options.credentials ? options.credentials : grpc::InsecureServerCredentials(), &bound_port);
  // gRPC sets SO_REUSEPORT by default: a second server started on the same
  // port would silently share its traffic. Refuse to start instead.
  builder.AddChannelArgument(GRPC_ARG_ALLOW_REUSEPORT, 0);
  // Clients open a new connection every few minutes and so resolve the
  // service's name again: replicas added by an autoscaler get their share of
  // new calls. Calls in progress (a watch stream) keep the old connection.
  builder.AddChannelArgument(GRPC_ARG_MAX_CONNECTION_AGE_MS, 5 * 60 * 1000);
  builder.AddChannelArgument(GRPC_ARG_MAX_CONNECTION_AGE_GRACE_MS,
                             std::numeric_limits<int>::max());
  // Keepalive policy: the coordinators ping their participants every second
  // (common/grpc_channel.h) to notice a vanished or frozen replica; accept
  // that (gRPC's default answers pings more often than every 5 minutes with
  // GOAWAY). The server pings its own clients too, so that a stream of a
  // client that vanished (a watch) is closed within a minute.
  builder.AddChannelArgument(GRPC_ARG_KEEPALIVE_PERMIT_WITHOUT_CALLS, 1);
  builder.AddChannelArgument(GRPC_ARG_HTTP2_MIN_RECV_PING_INTERVAL_WITHOUT_DATA_MS, 500);
  builder.AddChannelArgument(GRPC_ARG_KEEPALIVE_TIME_MS, 30 * 1000);
  builder.AddChannelArgument(GRPC_ARG_KEEPALIVE_TIMEOUT_MS, 20 * 1000);
  grpc::ResourceQuota quota("server");
  quota.SetMaxThreads(options.max_threads);
  builder.SetResourceQuota(quota);
  // gRPC's sync server ends a worker thread whenever more than MAX_POLLERS
  // (default 2) are idle, and starts a new one as soon as work arrives: under
  // load that is a thread created and destroyed per few requests (visible in
  // the benchmark's profile as mmap/munmap and malloc arena teardown).
  // Idle threads stay instead, up to max_threads.
  builder.SetSyncServerOption(grpc::ServerBuilder::SyncServerOption::MAX_POLLERS,
                              options.max_threads);
  builder.SetMaxReceiveMessageSize(options.max_receive_message_bytes);
  builder.AddChannelArgument(GRPC_ARG_MAX_CONCURRENT_STREAMS, options.max_concurrent_streams);
  for (grpc::Service* service : services) builder.RegisterService(service);
  std::unique_ptr<MetricsExporter> exporter;
  if (options.metrics != nullptr) {
    std::vector<std::unique_ptr<grpc::experimental::ServerInterceptorFactoryInterface>>
        interceptors;
    interceptors.push_back(CreateGrpcServerMetricsInterceptorFactory(*options.metrics));
    builder.experimental().SetInterceptorCreators(std::move(interceptors));
    if (!options.metrics_address.empty()) {
      absl::StatusOr<std::unique_ptr<MetricsExporter>> started =
          MetricsExporter::Start(options.metrics_address, options.metrics);
      if (!started.ok()) return started.status();
      exporter = *std::move(started);
      LOG(INFO) << "metrics on http://" << options.metrics_address << "/metrics (port "
                << exporter->port() << ")";
    }
  }

  std::unique_ptr<grpc::Server> server = builder.BuildAndStart();
  if (server == nullptr || bound_port == 0) {
    return absl::UnavailableError(
        absl::StrCat("cannot listen on ", options.listen_address));
  }
  std::unique_ptr<PlaintextHealthServer> health_port;
  if (!options.health_listen_address.empty()) {
    absl::StatusOr<std::unique_ptr<PlaintextHealthServer>> started =
        PlaintextHealthServer::Start(options.health_listen_address);
    if (!started.ok()) return started.status();
    health_port = *std::move(started);
    LOG(INFO) << "plaintext health checks on " << options.health_listen_address;
  }
  grpc::HealthCheckServiceInterface* health = server->GetHealthCheckService();
  PlaintextHealthServer* mirror = health_port.get();
  // Once shutting down, NOT_SERVING for good (a database monitor must not
  // report SERVING again while the server drains).
  auto shutting_down = std::make_shared<std::atomic<bool>>(false);
  auto set_serving = [health, mirror, shutting_down](bool serving) {
    if (serving && shutting_down->load()) return;
    health->SetServingStatus(serving);
    if (mirror != nullptr) mirror->SetServing(serving);
  };
  set_serving(true);
  LOG(INFO) << "listening on " << options.listen_address << " (port "
            << bound_port << ")";
  if (hooks.after_start) hooks.after_start(set_serving);

  sigset_t signals = TerminationSignals();
  int signal_number = 0;
  sigwait(&signals, &signal_number);
  LOG(INFO) << "signal " << signal_number << " received, shutting down";

  // First of all: load balancers and the coordinators' health checks stop
  // sending calls here.
  shutting_down->store(true);
  set_serving(false);
  if (hooks.before_shutdown) hooks.before_shutdown();
  if (options.shutdown_drain > absl::ZeroDuration()) {
    LOG(INFO) << "NOT_SERVING; draining for " << options.shutdown_drain;
    absl::SleepFor(options.shutdown_drain);
  }
  server->Shutdown(std::chrono::system_clock::now() +
                   absl::ToChronoMilliseconds(options.shutdown_grace));
  if (hooks.after_grace) hooks.after_grace();
  server->Wait();
  LOG(INFO) << "stopped";
  return absl::OkStatus();
}

}  // namespace order_saga
