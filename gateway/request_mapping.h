// From an HTTP request to the gRPC request it stands for: the routes of
// DESIGN.md "HTTP and Server-Sent Events", their query parameters and
// bodies. Pure (no I/O), so it is unit-tested and fuzzed on its own
// (tests/fuzz/gateway_request_fuzzer.cc). Authorization and the customer a
// call acts for are decided later, by the gateway, from the credentials.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <utility>
#include <variant>
#include <vector>

#include "absl/strings/string_view.h"
#include "inventory/v1/inventory.pb.h"
#include "order/v1/order.pb.h"
#include "saga/v1/saga.pb.h"

namespace order_saga::gateway {

struct HttpRequestView {
  std::string method;  // "GET", "POST", ...
  std::string target;  // path and query: "/v1/orders?status=APPROVED"
  std::string content_type;
  std::string body;
  std::optional<std::string> idempotency_key;  // the Idempotency-Key header
  std::optional<std::string> last_event_id;    // the Last-Event-ID header
};

enum class Endpoint {
  kPlaceOrder,     // POST /v1/orders
  kGetOrder,       // GET /v1/orders/{orderId}
  kListOrders,     // GET /v1/orders
  kWatchOrder,     // GET /v1/orders/{orderId}/events
  kWatchOrders,    // GET /v1/events
  kGetProduct,     // GET /v1/products/{productId}
  kListProducts,   // GET /v1/products
  kCreateSession,  // POST /v1/session
  kDeleteSession,  // DELETE /v1/session
  kHealthz,        // GET /healthz
  kReadyz,         // GET /readyz
  kStaticFile,     // GET / and /static/...
  kPreflight,      // OPTIONS /v1/... (CORS)
};

struct MappedRequest {
  Endpoint endpoint = Endpoint::kHealthz;
  ::saga::v1::PlaceOrderRequest place_order;
  ::order::v1::GetOrderRequest get_order;
  ::order::v1::ListOrdersRequest list_orders;
  ::order::v1::WatchOrderRequest watch_order;
  // kWatchOrders: after_event_id set when resuming (Last-Event-ID, ?after=).
  ::order::v1::WatchOrdersRequest watch_orders;
  ::inventory::v1::GetProductRequest get_product;
  ::inventory::v1::ListProductsRequest list_products;
  // kWatchOrder: the last event the client has (Last-Event-ID, ?after=).
  std::optional<int64_t> resume_after;
  // kStaticFile: a path below the web root, checked ("index.html",
  // "app.js", "img/logo.svg"); never absolute, never "..".
  std::string static_path;
};

// A request refused before any call: the HTTP status, the gRPC code of the
// error body, the message naming the field, and headers to add (Allow).
struct HttpError {
  unsigned http_status = 400;
  int grpc_code = 3;
  std::string message;
  std::vector<std::pair<std::string, std::string>> headers;
};

using MappingResult = std::variant<MappedRequest, HttpError>;

// Bodies larger than the server's limit never get here (413 before).
MappingResult MapRequest(const HttpRequestView& request);

// Percent-decoding of one query component or path segment ('+' is a space
// in a query); nullopt if an escape is malformed or the result holds a byte
// outside printable ASCII (ids, tokens and enum names are all ASCII).
std::optional<std::string> PercentDecode(absl::string_view text, bool plus_is_space);

// The value of cookie `name` in a Cookie header ("a=1; b=2"); empty if absent.
std::string FindCookie(absl::string_view header, absl::string_view name);

// The endpoint's name, for logs and the metrics' route label.
const char* EndpointName(Endpoint endpoint);

}  // namespace order_saga::gateway
