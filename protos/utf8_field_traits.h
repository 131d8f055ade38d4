// gRPC serialization traits that name the field when a request's string
// field holds invalid UTF-8. Protobuf refuses such a message
// while parsing, before any handler runs, and gRPC would answer INTERNAL
// with no message; with these traits the caller gets INVALID_ARGUMENT
// "shipping_address.zip_code: is not valid UTF-8", like every other bad
// field. Included into every generated *.grpc.pb.h (grpc_cpp_plugin's
// additional_header_includes), so the specialisations are seen wherever the
// services and stubs are.
#pragma once

#include <grpcpp/impl/codegen/proto_buffer_reader.h>
#include <grpcpp/impl/codegen/proto_buffer_writer.h>
#include <grpcpp/impl/codegen/proto_utils.h>
#include <grpcpp/support/byte_buffer.h>
#include <grpcpp/support/status.h>

#include <string>

#include <google/protobuf/message.h>

#include "absl/strings/string_view.h"

namespace order_saga {

// The path of the first string field in `bytes` (a serialized `type`)
// whose value is not valid UTF-8, like "items[2].name"; empty if none.
std::string FirstInvalidUtf8Field(absl::string_view bytes,
                                  const google::protobuf::Descriptor& type);

// Parses `buffer` into `message` (consuming it). If that fails because of
// invalid UTF-8, INVALID_ARGUMENT naming the field; otherwise what gRPC's
// own deserialization would answer.
grpc::Status DeserializeNamingInvalidUtf8(grpc::ByteBuffer* buffer,
                                          google::protobuf::MessageLite* message);

}  // namespace order_saga

namespace grpc {
// The generated handlers and stubs (de)serialize through
// SerializationTraits<protobuf::MessageLite>; this replaces gRPC's generic
// protobuf traits for them. Serializing is unchanged.
template <>
class SerializationTraits<protobuf::MessageLite, void> {
 public:
  static Status Serialize(const protobuf::MessageLite& message, ByteBuffer* buffer,
                          bool* own_buffer) {
    return GenericSerialize<ProtoBufferWriter, protobuf::MessageLite>(message, buffer,
                                                                      own_buffer);
  }
  static Status Deserialize(ByteBuffer* buffer, protobuf::MessageLite* message) {
    return ::order_saga::DeserializeNamingInvalidUtf8(buffer, message);
  }
};
}  // namespace grpc
