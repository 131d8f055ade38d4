// Protobuf's canonical JSON mapping, as the gateway serves it: lowerCamelCase
// names, enums by name, int64 as strings, fields with default values
// printed; request bodies in either name style, an unknown field refused.
#pragma once

#include <string>

#include <google/protobuf/message.h>

#include "absl/status/status.h"
#include "absl/strings/string_view.h"

namespace order_saga::gateway {

// One line (no newline inside: strings are escaped), for an SSE data field.
std::string ToJson(const google::protobuf::Message& message);

// INVALID_ARGUMENT naming the body's problem ("body: ..."): not JSON, an
// unknown field (named), a value of the wrong type. `out` is cleared first.
absl::Status ParseJsonBody(absl::string_view body, google::protobuf::Message* out);

// The error body of the contract: {"code": N, "message": "...", "details": []}.
std::string ErrorJson(int grpc_code, absl::string_view message);

}  // namespace order_saga::gateway
