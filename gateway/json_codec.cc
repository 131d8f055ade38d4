#include "gateway/json_codec.h"

#include <google/protobuf/stubs/common.h>
#include <google/protobuf/struct.pb.h>
#include <google/protobuf/util/json_util.h>

#include "absl/strings/str_cat.h"

namespace order_saga::gateway {

std::string ToJson(const google::protobuf::Message& message) {
  google::protobuf::util::JsonPrintOptions options;
  options.always_print_primitive_fields = true;
  options.preserve_proto_field_names = false;
  options.add_whitespace = false;
  std::string out;
  // Printing a valid message cannot fail (no Any with an unknown type here).
  (void)google::protobuf::util::MessageToJsonString(message, &out, options);
  return out;
}

absl::Status ParseJsonBody(absl::string_view body, google::protobuf::Message* out) {
  out->Clear();
  if (body.empty()) return absl::InvalidArgumentError("body: empty; a JSON object is required");
  google::protobuf::util::JsonParseOptions options;
  options.ignore_unknown_fields = false;
  options.case_insensitive_enum_parsing = false;
  const auto status = google::protobuf::util::JsonStringToMessage(
      google::protobuf::StringPiece(body.data(), body.size()), out, options);
  if (status.ok()) return absl::OkStatus();
  out->Clear();
  return absl::InvalidArgumentError(
      absl::StrCat("body: ", std::string(status.message().data(), status.message().size())));
}

std::string ErrorJson(int grpc_code, absl::string_view message) {
  // The keys in the contract's order; the message escaped by protobuf.
  std::string text(message);
  if (!google::protobuf::internal::IsStructurallyValidUTF8(text.data(),
                                                           static_cast<int>(text.size()))) {
    // A message quoting what a client sent: the bytes outside ASCII become
    // '?', so the body stays JSON (protobuf would drop them, and log).
    for (char& c : text) {
      if (static_cast<unsigned char>(c) >= 0x80) c = '?';
    }
  }
  google::protobuf::Value value;
  value.set_string_value(std::move(text));
  return absl::StrCat("{\"code\":", grpc_code, ",\"message\":", ToJson(value),
                      ",\"details\":[]}");
}

}  // namespace order_saga::gateway
