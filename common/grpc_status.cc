#include "common/grpc_status.h"

#include <string>

#include "absl/strings/str_cat.h"
#include "absl/strings/strip.h"

namespace order_saga {

// absl::StatusCode and grpc::StatusCode share their numbering (both follow
// google.rpc.Code), so the mapping is a cast.
grpc::Status ToGrpcStatus(const absl::Status& status) {
  if (status.ok()) return grpc::Status::OK;
  return grpc::Status(static_cast<grpc::StatusCode>(status.code()),
                      std::string(status.message()));
}

absl::Status FromGrpcStatus(const grpc::Status& status) {
  if (status.ok()) return absl::OkStatus();
  return absl::Status(static_cast<absl::StatusCode>(status.error_code()),
                      status.error_message());
}

void ToEntryError(const absl::Status& status, int index, ::common::v1::EntryError* out) {
  out->set_code(static_cast<int>(status.code()));
  out->set_message(absl::StrCat("requests[", index, "].", status.message()));
}

absl::Status FromEntryError(const ::common::v1::EntryError& error) {
  // A code outside google.rpc.Code (from a broken peer) reads as UNKNOWN.
  const int code = error.code();
  absl::string_view message = error.message();
  if (absl::ConsumePrefix(&message, "requests[")) {
    const size_t end = message.find("].");
    if (end != absl::string_view::npos && end > 0 &&
        message.substr(0, end).find_first_not_of("0123456789") == absl::string_view::npos) {
      message.remove_prefix(end + 2);
    } else {
      message = error.message();
    }
  }
  return absl::Status(code > 0 && code <= 16 ? static_cast<absl::StatusCode>(code)
                                             : absl::StatusCode::kUnknown,
                      message);
}

}  // namespace order_saga
