#include "common/server_flags.h"

#include <cstdlib>

#include <gflags/gflags.h>
#include <glog/logging.h>

#include "common/tls_config.h"

DECLARE_bool(tls_require_client_cert);

DEFINE_string(listen_address, "127.0.0.1:0",
              "host:port the gRPC server listens on (env LISTEN_ADDRESS)");
DEFINE_int32(max_threads, 256,
             "maximum threads serving RPCs (env MAX_THREADS)");
DEFINE_int32(shutdown_drain_ms, 0,
             "after SIGTERM, report NOT_SERVING and keep answering this long "
             "before refusing new calls, so load balancers can stop routing "
             "here (env SHUTDOWN_DRAIN_MS)");
DEFINE_int32(shutdown_grace_ms, 5000,
             "time in-flight RPCs get to finish after SIGTERM (env "
             "SHUTDOWN_GRACE_MS)");
DEFINE_string(metrics_address, "127.0.0.1:0",
              "host:port serving Prometheus metrics at /metrics; empty: none "
              "(env METRICS_ADDRESS)");
DEFINE_string(health_listen_address, "",
              "host:port serving only the plaintext gRPC health check, for probes that "
              "cannot speak TLS (Kubernetes); empty: none (env HEALTH_LISTEN_ADDRESS)");
DEFINE_int32(max_concurrent_streams, 100,
             "calls one client connection may have open at once (HTTP/2 streams); more "
             "wait for a free one (env MAX_CONCURRENT_STREAMS)");
DEFINE_int32(max_receive_message_bytes, 4 * 1024 * 1024,
             "largest request accepted (env MAX_RECEIVE_MESSAGE_BYTES)");

namespace order_saga {

void SetDefaultListenAddress(const std::string& address) {
  gflags::SetCommandLineOptionWithMode("listen_address", address.c_str(),
                                       gflags::SET_FLAGS_DEFAULT);
}

void SetDefaultMetricsAddress(const std::string& address) {
  gflags::SetCommandLineOptionWithMode("metrics_address", address.c_str(),
                                       gflags::SET_FLAGS_DEFAULT);
}

absl::StatusOr<GrpcServerOptions> GrpcServerOptionsFromFlags() {
  absl::StatusOr<TlsConfig> tls = TlsConfigFromFlags();
  if (!tls.ok()) return tls.status();
  GrpcServerOptions options;
  options.metrics = std::make_shared<prometheus::Registry>();
  absl::StatusOr<std::shared_ptr<grpc::ServerCredentials>> credentials =
      MakeServerCredentials(*tls, options.metrics.get());
  if (!credentials.ok()) return credentials.status();
  options.credentials = *std::move(credentials);
  options.listen_address = FLAGS_listen_address;
  options.max_threads = FLAGS_max_threads;
  options.shutdown_drain = absl::Milliseconds(FLAGS_shutdown_drain_ms);
  options.shutdown_grace = absl::Milliseconds(FLAGS_shutdown_grace_ms);
  options.max_receive_message_bytes = FLAGS_max_receive_message_bytes;
  options.metrics_address = FLAGS_metrics_address;
  options.health_listen_address = FLAGS_health_listen_address;
  options.max_concurrent_streams = FLAGS_max_concurrent_streams;
  return options;
}

ServerSetup ServerSetupFromFlagsOrExit() {
  absl::StatusOr<GrpcServerOptions> options = GrpcServerOptionsFromFlags();
  if (!options.ok()) {
    LOG(ERROR) << options.status();
    std::exit(2);
  }
  absl::StatusOr<std::unique_ptr<Authenticator>> authenticator =
      Authenticator::FromFlags(options->metrics.get());
  if (!authenticator.ok()) {
    LOG(ERROR) << authenticator.status();
    std::exit(2);
  }
  if (*authenticator == nullptr) LOG(INFO) << "authentication off (no --auth_token_key_file)";
  return {*std::move(options), *std::move(authenticator), FLAGS_tls_require_client_cert};
}

}  // namespace order_saga
