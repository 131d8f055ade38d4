// The part of grpcurl that scripts/grpcurl/ uses, for machines without
// grpcurl (Debian 12 does not package it): a unary or server-streaming call
//   grpcurl_stand_in -plaintext -d JSON HOST:PORT package.Service/Method
//   grpcurl_stand_in -cacert CA [-cert CERT -key KEY] [-H "name: value"] -d JSON ...
// with the request and the answers as protobuf JSON (each streamed message
// printed as it arrives), the method looked up in
// the project's own descriptors (grpcurl asks the server by reflection; the
// reflection service itself is tested in e2e_tests). Exit 0 and the answer
// on stdout, or exit 1 and "ERROR: <code>: <message>" on stderr. Test-only.
#include <iostream>
#include <memory>
#include <string>
#include <vector>

#include <google/protobuf/descriptor.h>
#include <google/protobuf/dynamic_message.h>
#include <google/protobuf/util/json_util.h>
#include <grpcpp/generic/generic_stub.h>
#include <grpcpp/grpcpp.h>

#include "absl/synchronization/notification.h"
#include "common/tls_config.h"
#include "grpc/health/v1/health.pb.h"
#include "inventory/v1/inventory.pb.h"
#include "order/v1/order.pb.h"
#include "saga/v1/saga.pb.h"

namespace {

// Prints a message as indented JSON, or returns false if `bytes` is not one.
bool PrintMessage(const std::string& bytes, google::protobuf::Message& message) {
  if (!message.ParseFromString(bytes)) {
    std::cerr << "ERROR: cannot parse the answer as " << message.GetDescriptor()->full_name()
              << "\n";
    return false;
  }
  std::string out;
  google::protobuf::util::JsonPrintOptions options;
  options.add_whitespace = true;
  (void)google::protobuf::util::MessageToJsonString(message, &out, options);
  std::cout << out << std::flush;
  return true;
}

std::string Bytes(const grpc::ByteBuffer& buffer) {
  std::vector<grpc::Slice> slices;
  std::string bytes;
  if (!buffer.Dump(&slices).ok()) return bytes;
  for (const grpc::Slice& s : slices) {
    bytes.append(reinterpret_cast<const char*>(s.begin()), s.size());
  }
  return bytes;
}

// A server-streaming call through the generic stub: one request, then every
// answer printed until the server ends the stream.
class StreamPrinter final : public grpc::ClientBidiReactor<grpc::ByteBuffer, grpc::ByteBuffer> {
 public:
  StreamPrinter(grpc::ByteBuffer request, google::protobuf::Message& message)
      : request_(std::move(request)), message_(message) {}
  void Start() {
    StartWriteLast(&request_, grpc::WriteOptions());
    StartRead(&response_);
    StartCall();
  }
  void OnReadDone(bool ok) override {
    if (!ok) return;
    if (!PrintMessage(Bytes(response_), message_)) return;
    StartRead(&response_);
  }
  void OnDone(const grpc::Status& status) override {
    status_ = status;
    done_.Notify();
  }
  grpc::Status Wait() {
    done_.WaitForNotification();
    return status_;
  }

 private:
  grpc::ByteBuffer request_, response_;
  google::protobuf::Message& message_;
  grpc::Status status_;
  absl::Notification done_;
};

}  // namespace

int main(int argc, char** argv) {
  // Link every service's descriptors into the generated pool.
  const google::protobuf::Descriptor* linked[] = {
      saga::v1::PlaceOrderRequest::descriptor(), order::v1::Order::descriptor(),
      inventory::v1::Product::descriptor(), grpc::health::v1::HealthCheckRequest::descriptor()};
  (void)linked;

  std::string json, address, full_method, ca_file, cert_file, key_file;
  std::vector<std::string> positional, headers;
  for (int i = 1; i < argc; ++i) {
    const std::string arg = argv[i];
    if (arg == "-plaintext") continue;
    if (arg == "-H" && i + 1 < argc) {  // "name: value"
      headers.push_back(argv[++i]);
      continue;
    }
    if (i + 1 < argc && (arg == "-d" || arg == "-cacert" || arg == "-cert" || arg == "-key")) {
      (arg == "-d" ? json : arg == "-cacert" ? ca_file : arg == "-cert" ? cert_file : key_file) =
          argv[++i];
      continue;
    }
    positional.push_back(arg);
  }
  if (positional.size() != 2) {
    std::cerr << "usage: grpcurl_stand_in -plaintext -d JSON HOST:PORT package.Service/Method\n";
    return 2;
  }
  address = positional[0];
  full_method = positional[1];
  std::string dotted = full_method;
  const size_t slash = dotted.rfind('/');
  if (slash == std::string::npos) {
    std::cerr << "ERROR: method must be package.Service/Method, got " << full_method << "\n";
    return 2;
  }
  dotted[slash] = '.';
  const google::protobuf::MethodDescriptor* method =
      google::protobuf::DescriptorPool::generated_pool()->FindMethodByName(dotted);
  if (method == nullptr) {
    std::cerr << "ERROR: unknown method " << full_method << "\n";
    return 1;
  }
  google::protobuf::DynamicMessageFactory factory;
  std::unique_ptr<google::protobuf::Message> request(
      factory.GetPrototype(method->input_type())->New());
  std::unique_ptr<google::protobuf::Message> response(
      factory.GetPrototype(method->output_type())->New());
  if (!google::protobuf::util::JsonStringToMessage(json.empty() ? "{}" : json, request.get())
           .ok()) {
    std::cerr << "ERROR: the request is not valid JSON for " << method->input_type()->full_name()
              << ": " << json << "\n";
    return 1;
  }

  std::shared_ptr<grpc::ChannelCredentials> credentials = grpc::InsecureChannelCredentials();
  if (!ca_file.empty()) {  // like grpcurl: -cacert [-cert -key] instead of -plaintext
    absl::StatusOr<order_saga::TlsConfig> tls =
        order_saga::TlsConfigFromFiles(cert_file, key_file, ca_file);
    if (!tls.ok()) {
      std::cerr << "ERROR: " << tls.status().message() << "\n";
      return 2;
    }
    credentials = order_saga::MakeChannelCredentials(*tls);
  }
  grpc::GenericStub stub(grpc::CreateChannel(address, credentials));
  grpc::ClientContext context;
  for (const std::string& header : headers) {
    const size_t colon = header.find(':');
    if (colon == std::string::npos) continue;
    std::string value = header.substr(colon + 1);
    while (!value.empty() && value.front() == ' ') value.erase(0, 1);
    context.AddMetadata(header.substr(0, colon), value);
  }
  const std::string serialized = request->SerializeAsString();
  grpc::Slice slice(serialized);
  grpc::ByteBuffer request_buffer(&slice, 1);
  grpc::Status status;
  if (method->server_streaming()) {
    StreamPrinter printer(request_buffer, *response);
    stub.PrepareBidiStreamingCall(&context, "/" + full_method, grpc::StubOptions(), &printer);
    printer.Start();
    status = printer.Wait();
  } else {
    context.set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(30));
    grpc::ByteBuffer response_buffer;
    absl::Notification done;
    stub.UnaryCall(&context, "/" + full_method, grpc::StubOptions(), &request_buffer,
                   &response_buffer, [&](grpc::Status s) {
                     status = std::move(s);
                     done.Notify();
                   });
    done.WaitForNotification();
    if (status.ok() && !PrintMessage(Bytes(response_buffer), *response)) return 1;
  }
  if (!status.ok()) {
    std::cerr << "ERROR:\n  Code: " << status.error_code()
              << "\n  Message: " << status.error_message() << "\n";
    return 1;
  }
  return 0;
}
