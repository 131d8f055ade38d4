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

int WaitForTerminationSignal() {
  sigset_t signals = TerminationSignals();
  int signal_number = 0;
  sigwait(&signals, &signal_number);
  return signal_number;
}

absl::StatusOr<std::unique_ptr<RunningGrpcServer>> StartGrpcServer(
    const GrpcServerOptions& options, const std::vector<grpc::Service*>& services) {
  grpc::EnableDefaultHealthCheckService(true);

  std::unique_ptr<RunningGrpcServer> running(new RunningGrpcServer());
  running->options_ = options;
  grpc::ServerBuilder builder;
  builder.AddListeningPort(
      options.listen_address,
      options.credentials ? options.credentials : grpc::InsecureServerCredentials(),
      &running->port_);
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
  if (options.metrics != nullptr) {
    std::vector<std::unique_ptr<grpc::experimental::ServerInterceptorFactoryInterface>>
        interceptors;
    interceptors.push_back(CreateGrpcServerMetricsInterceptorFactory(*options.metrics));
    builder.experimental().SetInterceptorCreators(std::move(interceptors));
    if (!options.metrics_address.empty()) {
      absl::StatusOr<std::unique_ptr<MetricsExporter>> started =
          MetricsExporter::Start(options.metrics_address, options.metrics);
      if (!started.ok()) return started.status();
      running->exporter_ = *std::move(started);
      LOG(INFO) << "metrics on http://" << options.metrics_address << "/metrics (port "
                << running->exporter_->port() << ")";
    }
  }

  // The health port first (NOT_SERVING until the server is up): a start
  // that fails returns before the main server exists, with nothing to drain.
  if (!options.health_listen_address.empty()) {
    absl::StatusOr<std::unique_ptr<PlaintextHealthServer>> started =
        PlaintextHealthServer::Start(options.health_listen_address);
    if (!started.ok()) return started.status();
    running->health_port_ = *std::move(started);
    LOG(INFO) << "plaintext health checks on " << options.health_listen_address << " (port "
              << running->health_port_->port() << ")";
  }
  running->server_ = builder.BuildAndStart();
  if (running->server_ == nullptr || running->port_ == 0) {
    running->server_.reset();
    return absl::UnavailableError(absl::StrCat("cannot listen on ", options.listen_address));
  }
  running->SetServing(true);
  LOG(INFO) << "listening on " << options.listen_address << " (port " << running->port_ << ")";
  return running;
}

void RunningGrpcServer::SetServing(bool serving) {
  // Once shutting down, NOT_SERVING for good (a database monitor must not
  // report SERVING again while the server drains).
  if (serving && shutting_down_.load()) return;
  server_->GetHealthCheckService()->SetServingStatus(serving);
  if (health_port_ != nullptr) health_port_->SetServing(serving);
}

void RunningGrpcServer::Shutdown(const GrpcServerHooks& hooks) {
  if (shutting_down_.exchange(true)) return;
  // First of all: load balancers and the coordinators' health checks stop
  // sending calls here.
  SetServing(false);
  if (hooks.before_shutdown) hooks.before_shutdown();
  if (options_.shutdown_drain > absl::ZeroDuration()) {
    LOG(INFO) << "NOT_SERVING; draining for " << options_.shutdown_drain;
    absl::SleepFor(options_.shutdown_drain);
  }
  server_->Shutdown(std::chrono::system_clock::now() +
                    absl::ToChronoMilliseconds(options_.shutdown_grace));
  if (hooks.after_grace) hooks.after_grace();
  server_->Wait();
}

RunningGrpcServer::~RunningGrpcServer() {
  if (server_ != nullptr) Shutdown();
}

absl::Status RunGrpcServer(const GrpcServerOptions& options,
                           const std::vector<grpc::Service*>& services,
                           const GrpcServerHooks& hooks) {
  // Debian's Abseil is built with absl::Mutex deadlock detection on, which
  // records a lock graph on every acquisition (a few % of a server's CPU in
  // the benchmark's profile). Server binaries turn it off; tests that start
  // servers in process (StartGrpcServer) keep it on.
  absl::SetMutexDeadlockDetectionMode(absl::OnDeadlockCycle::kIgnore);
  absl::StatusOr<std::unique_ptr<RunningGrpcServer>> server = StartGrpcServer(options, services);
  if (!server.ok()) return server.status();
  RunningGrpcServer* running = server->get();
  if (hooks.after_start) {
    hooks.after_start([running](bool serving) { running->SetServing(serving); });
  }
  const int signal_number = WaitForTerminationSignal();
  LOG(INFO) << "signal " << signal_number << " received, shutting down";
  running->Shutdown(hooks);
  LOG(INFO) << "stopped";
  return absl::OkStatus();
}

}  // namespace order_saga
