// Flags every server binary has: where it listens and how it shuts down.
#pragma once

#include <string>

#include "absl/status/statusor.h"
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

}  // namespace order_saga
