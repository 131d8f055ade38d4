// The one conversion between absl::Status and grpc::Status.
#pragma once

#include <grpcpp/support/status.h>

#include "absl/status/status.h"
#include "common/v1/common.pb.h"

namespace order_saga {

// Maps an absl::Status onto the gRPC status with the same code and message.
grpc::Status ToGrpcStatus(const absl::Status& status);

// Maps a gRPC status (from a client call) onto an absl::Status.
absl::Status FromGrpcStatus(const grpc::Status& status);

// The error of entry `index` of a batch call: the status's code, and its
// message prefixed with the entry ("requests[2]." + "items[0].quantity: ...").
void ToEntryError(const absl::Status& status, int index, ::common::v1::EntryError* out);

// The status an entry error stands for: what the single call would have
// answered, so the entry prefix ToEntryError added ("requests[2].") is
// taken off again and the message names the field as the single call's
// would ("items[0].quantity: ...").
absl::Status FromEntryError(const ::common::v1::EntryError& error);

}  // namespace order_saga
