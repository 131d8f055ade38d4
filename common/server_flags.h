// Flags every server binary has: where it listens and how it shuts down.
#pragma once

#include <string>

#include "absl/status/statusor.h"
#include "common/auth/authenticator.h"
#include "common/grpc_server.h"

namespace order_saga {

// Sets the default of --listen_address for this binary (before parsing).
void SetDefaultListenAddress(const std::string& address);

// Sets the default of --metrics_address for this binary (before parsing).
void SetDefaultMetricsAddress(const std::string& address);

// GrpcServerOptions from --listen_address, --max_threads,
// --shutdown_drain_ms, --shutdown_grace_ms, --max_receive_message_bytes,
// --metrics_address and the --tls_* flags, with a new metrics registry for
// the process. INVALID_ARGUMENT naming the flag for a bad TLS setting.
absl::StatusOr<GrpcServerOptions> GrpcServerOptionsFromFlags();

// What every server binary takes from its flags: the server options (TLS
// included) and the bearer-token authenticator (null: authentication off).
struct ServerSetup {
  GrpcServerOptions options;
  std::unique_ptr<Authenticator> authenticator;
  // Callers must present a certificate of the CA (mutual TLS).
  bool client_certificates_required = false;
};
// A bad flag ends the process with exit status 2 and a message naming it.
ServerSetup ServerSetupFromFlagsOrExit();


}  // namespace order_saga
