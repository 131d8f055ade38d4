// libFuzzer target: arbitrary bytes as an HTTP request (method, target,
// Content-Type, Idempotency-Key, Last-Event-ID, body) through the gateway's
// request-to-gRPC mapping. Checks that it never crashes, that every refusal
// is a 4xx whose message names what it refuses ("field: ..."), that a static
// path never leaves the web root, and that an accepted PlaceOrder carries
// the Idempotency-Key as its request_id when the body has none.
//
//   scripts/test --fuzz   (builds with clang in build-fuzz/ and runs it)
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>
#include <vector>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/str_split.h"
#include "gateway/json_codec.h"
#include "gateway/request_mapping.h"

namespace {

void Require(bool condition) {
  if (!condition) std::abort();
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace order_saga::gateway;
  if (size == 0) return 0;
  static const char* kMethods[] = {"GET", "POST", "DELETE", "OPTIONS", "PUT", "HEAD", "PATCH"};
  const std::string input(reinterpret_cast<const char*>(data) + 1, size - 1);
  std::vector<std::string> parts = absl::StrSplit(input, '\0');
  parts.resize(5);
  HttpRequestView request;
  request.method = kMethods[data[0] % 7];
  request.target = (data[0] & 0x80) ? "/v1/" + parts[0] : parts[0];
  request.content_type = (data[0] & 0x40) ? "application/json" : parts[1];
  if (data[0] & 0x20) request.idempotency_key = parts[2];
  if (data[0] & 0x10) request.last_event_id = parts[3];
  request.body = parts[4];

  MappingResult result = MapRequest(request);
  if (const HttpError* error = std::get_if<HttpError>(&result)) {
    Require(error->http_status >= 400 && error->http_status < 500);
    Require(!error->message.empty());
    // "name: ..." with a name of letters, digits and -_.
    const size_t colon = error->message.find(':');
    Require(colon != std::string::npos && colon > 0 && colon <= 40);
    for (size_t i = 0; i < colon; ++i) {
      const char c = error->message[i];
      Require(absl::ascii_isalnum(c) || c == '-' || c == '_' || c == '.');
    }
    // The error body is JSON whatever the message quotes.
    Require(ErrorJson(error->grpc_code, error->message).find("\"message\":\"") !=
            std::string::npos);
    return 0;
  }
  const MappedRequest& mapped = std::get<MappedRequest>(result);
  if (mapped.endpoint == Endpoint::kStaticFile) {
    Require(!mapped.static_path.empty() && mapped.static_path.front() != '/');
    Require(!absl::StrContains(mapped.static_path, ".."));
  }
  if (mapped.endpoint == Endpoint::kPlaceOrder && request.idempotency_key.has_value()) {
    Require(mapped.place_order.request_id() == *request.idempotency_key);
  }
  if (mapped.endpoint == Endpoint::kWatchOrders && request.last_event_id.has_value()) {
    Require(mapped.watch_orders.has_after_event_id() && mapped.watch_orders.after_event_id() >= 0);
  }
  if (mapped.endpoint == Endpoint::kGetProduct) Require(mapped.get_product.product_id() > 0);
  return 0;
}
