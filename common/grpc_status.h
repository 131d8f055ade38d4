// The one conversion between absl::Status and grpc::Status.
#pragma once

#include <grpcpp/support/status.h>

#include "absl/status/status.h"

namespace order_saga {

// Maps an absl::Status onto the gRPC status with the same code and message.
grpc::Status ToGrpcStatus(const absl::Status& status);

// Maps a gRPC status (from a client call) onto an absl::Status.
absl::Status FromGrpcStatus(const grpc::Status& status);

}  // namespace order_saga
