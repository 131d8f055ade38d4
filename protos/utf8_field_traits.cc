#include "utf8_field_traits.h"

#include <map>

#include <google/protobuf/io/coded_stream.h>
#include <google/protobuf/stubs/common.h>
#include <google/protobuf/wire_format_lite.h>

#include "absl/strings/str_cat.h"

namespace order_saga {
namespace {

using google::protobuf::FieldDescriptor;
using google::protobuf::internal::WireFormatLite;

std::string FindIn(absl::string_view bytes, const google::protobuf::Descriptor& type,
                   const std::string& prefix) {
  google::protobuf::io::CodedInputStream in(reinterpret_cast<const uint8_t*>(bytes.data()),
                                            static_cast<int>(bytes.size()));
  std::map<int, int> occurrences;  // field number -> elements seen
  while (const uint32_t tag = in.ReadTag()) {
    const FieldDescriptor* field =
        type.FindFieldByNumber(WireFormatLite::GetTagFieldNumber(tag));
    const bool walk = field != nullptr &&
                      WireFormatLite::GetTagWireType(tag) ==
                          WireFormatLite::WIRETYPE_LENGTH_DELIMITED &&
                      (field->type() == FieldDescriptor::TYPE_STRING ||
                       field->type() == FieldDescriptor::TYPE_MESSAGE);
    if (!walk) {
      if (!WireFormatLite::SkipField(&in, tag)) return "";
      continue;
    }
    uint32_t length = 0;
    std::string payload;
    if (!in.ReadVarint32(&length) || !in.ReadString(&payload, static_cast<int>(length))) {
      return "";
    }
    std::string name = prefix + field->name();
    if (field->is_repeated()) absl::StrAppend(&name, "[", occurrences[field->number()]++, "]");
    if (field->type() == FieldDescriptor::TYPE_STRING) {
      if (!google::protobuf::internal::IsStructurallyValidUTF8(
              payload.data(), static_cast<int>(payload.size()))) {
        return name;
      }
    } else if (std::string inner = FindIn(payload, *field->message_type(), name + ".");
               !inner.empty()) {
      return inner;
    }
  }
  return "";
}

}  // namespace

std::string FirstInvalidUtf8Field(absl::string_view bytes,
                                  const google::protobuf::Descriptor& type) {
  return FindIn(bytes, type, "");
}

grpc::Status DeserializeNamingInvalidUtf8(grpc::ByteBuffer* buffer,
                                          google::protobuf::MessageLite* message) {
  // grpc::GenericDeserialize, except that the buffer is cleared only after
  // a failed parse has been explained: nothing extra on the success path.
  if (buffer == nullptr) return grpc::Status(grpc::StatusCode::INTERNAL, "No payload");
  bool parsed = false;
  {
    grpc::ProtoBufferReader reader(buffer);
    if (!reader.status().ok()) {
      buffer->Clear();
      return reader.status();
    }
    parsed = message->ParseFromZeroCopyStream(&reader);
  }
  grpc::Status status = grpc::Status::OK;
  if (!parsed) {
    status = grpc::Status(grpc::StatusCode::INTERNAL, message->InitializationErrorString());
    // Only full messages (ours) have the descriptor to find the field by.
    const auto* full = dynamic_cast<const google::protobuf::Message*>(message);
    grpc::Slice bytes;
    if (full != nullptr && buffer->DumpToSingleSlice(&bytes).ok()) {
      const std::string field = FirstInvalidUtf8Field(
          absl::string_view(reinterpret_cast<const char*>(bytes.begin()), bytes.size()),
          *full->GetDescriptor());
      if (!field.empty()) {
        status = grpc::Status(grpc::StatusCode::INVALID_ARGUMENT,
                              field + ": is not valid UTF-8");
      }
    }
  }
  buffer->Clear();
  return status;
}

}  // namespace order_saga
