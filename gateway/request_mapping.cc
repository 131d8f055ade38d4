#include "gateway/request_mapping.h"

#include <map>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"
#include "absl/strings/strip.h"
#include "gateway/json_codec.h"
#include "gateway/sse.h"

namespace order_saga::gateway {
namespace {

constexpr int kInvalidArgument = 3;
constexpr int kNotFound = 5;
constexpr int kUnimplemented = 12;

HttpError BadRequest(std::string message) { return {400, kInvalidArgument, std::move(message), {}}; }

HttpError FromStatus(const absl::Status& status) { return BadRequest(std::string(status.message())); }

using Query = std::map<std::string, std::string>;

// A client's parameter name as an error message shows it: at most 32
// characters, so a hostile name cannot blow up the answer or a log line.
std::string Shown(absl::string_view name, size_t max = 32) {
  std::string out;
  for (char c : name.substr(0, max)) {
    // Only printable ASCII is echoed (the JSON error body must stay valid).
    out.push_back(static_cast<unsigned char>(c) >= 0x20 && static_cast<unsigned char>(c) < 0x7f ? c : '?');
  }
  if (name.size() > max) out += "...";
  return out;
}

// How an error names a parameter: itself if it looks like a name, else
// "query: parameter "..."" (so every message starts with a name and ':').
std::string Named(const std::string& key, absl::string_view problem) {
  bool simple = !key.empty() && key.size() <= 32;
  for (char c : key) simple = simple && (absl::ascii_isalnum(c) || c == '_' || c == '-' || c == '.');
  if (simple) return absl::StrCat(key, ": ", problem);
  return absl::StrCat("query: parameter \"", Shown(key), "\": ", problem);
}

// The query's parameters, each at most once and each one of `known`.
std::variant<Query, HttpError> ParseQuery(absl::string_view query,
                                         const std::vector<absl::string_view>& known) {
  Query out;
  if (query.empty()) return out;
  for (absl::string_view pair : absl::StrSplit(query, '&')) {
    if (pair.empty()) continue;
    std::pair<absl::string_view, absl::string_view> kv = absl::StrSplit(pair, absl::MaxSplits('=', 1));
    std::optional<std::string> key = PercentDecode(kv.first, true);
    if (!key.has_value() || key->empty()) {
      return BadRequest("query: a parameter name is empty or badly percent-encoded");
    }
    if (*key == "access_token" || *key == "token") {
      return BadRequest(absl::StrCat(*key, ": tokens are never accepted in the URL; send "
                                           "Authorization: Bearer, or the session cookie"));
    }
    if (std::find(known.begin(), known.end(), *key) == known.end()) {
      return BadRequest(Named(*key, absl::StrCat("unknown query parameter",
                                                 known.empty() ? " (this path takes none)"
                                                               : absl::StrCat(" (known: ",
                                                                              absl::StrJoin(known, ", "),
                                                                              ")"))));
    }
    std::optional<std::string> value = PercentDecode(kv.second, true);
    if (!value.has_value()) {
      return BadRequest(Named(*key, "badly percent-encoded, or not printable ASCII"));
    }
    if (!out.emplace(*key, *std::move(value)).second) {
      return BadRequest(Named(*key, "given more than once"));
    }
  }
  return out;
}

const std::string* Find(const Query& query, const std::string& key) {
  auto it = query.find(key);
  return it == query.end() ? nullptr : &it->second;
}

// pageSize: a whole number 0 to 1000 (0: the service's default).
std::optional<HttpError> PageSize(const Query& query, int32_t* out) {
  const std::string* text = Find(query, "pageSize");
  if (text == nullptr) return std::nullopt;
  int32_t value = 0;
  if (text->empty() || text->size() > 4 || !absl::SimpleAtoi(*text, &value) || value < 0 ||
      value > 1000 || !absl::ascii_isdigit(text->front())) {
    return BadRequest("pageSize: must be a whole number from 0 to 1000");
  }
  *out = value;
  return std::nullopt;
}

std::optional<HttpError> OrderStatusParam(const Query& query, ::order::v1::OrderStatus* out) {
  const std::string* text = Find(query, "status");
  if (text == nullptr || text->empty()) return std::nullopt;
  const std::string full = absl::StartsWith(*text, "ORDER_STATUS_") ? *text
                                                                    : absl::StrCat("ORDER_STATUS_", *text);
  ::order::v1::OrderStatus status;
  if (!::order::v1::OrderStatus_Parse(full, &status) ||
      status == ::order::v1::ORDER_STATUS_UNSPECIFIED) {
    return BadRequest(
        "status: one of PENDING, APPROVED, REJECTED (or ORDER_STATUS_PENDING, ...)");
  }
  *out = status;
  return std::nullopt;
}

// The resume position: the Last-Event-ID header wins over ?after=, since a
// browser's EventSource reconnects to the same URL (with its ?after=) and
// sends the last id it received in the header.
std::variant<std::optional<int64_t>, HttpError> ResumeAfter(const HttpRequestView& request,
                                                            const Query& query) {
  if (request.last_event_id.has_value()) {
    absl::StatusOr<int64_t> id = ParseEventId(*request.last_event_id, "Last-Event-ID");
    if (!id.ok()) return FromStatus(id.status());
    return std::optional<int64_t>(*id);
  }
  if (const std::string* after = Find(query, "after"); after != nullptr) {
    absl::StatusOr<int64_t> id = ParseEventId(*after, "after");
    if (!id.ok()) return FromStatus(id.status());
    return std::optional<int64_t>(*id);
  }
  return std::optional<int64_t>();
}

// A path segment naming an order: 1 to 128 printable ASCII characters.
std::variant<std::string, HttpError> OrderIdSegment(absl::string_view segment) {
  std::optional<std::string> id = PercentDecode(segment, false);
  if (!id.has_value() || id->empty() || id->size() > 128 || absl::StrContains(*id, '/')) {
    return BadRequest("orderId: must be 1 to 128 printable ASCII characters");
  }
  return *std::move(id);
}

bool IsJson(absl::string_view content_type) {
  absl::string_view type = content_type.substr(0, content_type.find(';'));
  type = absl::StripAsciiWhitespace(type);
  return absl::EqualsIgnoreCase(type, "application/json");
}

// A static file's path below the web root: segments of [A-Za-z0-9._-],
// none starting with '.', so neither ".." nor hidden files.
bool IsSafeStaticPath(absl::string_view path) {
  if (path.empty() || path.size() > 200 || absl::StrContains(path, "..")) return false;
  for (absl::string_view segment : absl::StrSplit(path, '/')) {
    if (segment.empty() || segment.front() == '.') return false;
    for (char c : segment) {
      if (!absl::ascii_isalnum(c) && c != '.' && c != '_' && c != '-') return false;
    }
  }
  return true;
}

HttpError MethodNotAllowed(absl::string_view path, absl::string_view allowed) {
  HttpError error{405, kUnimplemented,
                  absl::StrCat("method: ", Shown(path, 100), " takes ", allowed), {}};
  error.headers.emplace_back("Allow", std::string(allowed));
  return error;
}

HttpError NoSuchPath(absl::string_view path) {
  return {404, kNotFound, absl::StrCat("path: no such endpoint: ", Shown(path, 100)), {}};
}

}  // namespace

std::optional<std::string> PercentDecode(absl::string_view text, bool plus_is_space) {
  std::string out;
  out.reserve(text.size());
  for (size_t i = 0; i < text.size(); ++i) {
    char c = text[i];
    if (c == '%') {
      if (i + 2 >= text.size()) return std::nullopt;
      int value = 0;
      for (int k = 1; k <= 2; ++k) {
        const char h = text[i + k];
        value <<= 4;
        if (h >= '0' && h <= '9') {
          value |= h - '0';
        } else if (h >= 'a' && h <= 'f') {
          value |= h - 'a' + 10;
        } else if (h >= 'A' && h <= 'F') {
          value |= h - 'A' + 10;
        } else {
          return std::nullopt;
        }
      }
      c = static_cast<char>(value);
      i += 2;
    } else if (c == '+' && plus_is_space) {
      c = ' ';
    }
    if (static_cast<unsigned char>(c) < 0x20 || static_cast<unsigned char>(c) > 0x7e) {
      return std::nullopt;
    }
    out.push_back(c);
  }
  return out;
}

std::string FindCookie(absl::string_view header, absl::string_view name) {
  for (absl::string_view part : absl::StrSplit(header, ';')) {
    part = absl::StripAsciiWhitespace(part);
    if (part.size() > name.size() && absl::StartsWith(part, name) && part[name.size()] == '=') {
      return std::string(part.substr(name.size() + 1));
    }
  }
  return "";
}

const char* EndpointName(Endpoint endpoint) {
  switch (endpoint) {
    case Endpoint::kPlaceOrder: return "place_order";
    case Endpoint::kGetOrder: return "get_order";
    case Endpoint::kListOrders: return "list_orders";
    case Endpoint::kWatchOrder: return "order_events";
    case Endpoint::kWatchOrders: return "events";
    case Endpoint::kGetProduct: return "get_product";
    case Endpoint::kListProducts: return "list_products";
    case Endpoint::kCreateSession: return "create_session";
    case Endpoint::kDeleteSession: return "delete_session";
    case Endpoint::kHealthz: return "healthz";
    case Endpoint::kReadyz: return "readyz";
    case Endpoint::kStaticFile: return "static";
    case Endpoint::kPreflight: return "preflight";
  }
  return "unknown";
}

MappingResult MapRequest(const HttpRequestView& request) {
  const absl::string_view target = request.target;
  const size_t question = target.find('?');
  const absl::string_view path = target.substr(0, question);
  const absl::string_view query_text =
      question == absl::string_view::npos ? absl::string_view() : target.substr(question + 1);
  const std::string& method = request.method;
  MappedRequest mapped;
  MappingResult out = mapped;

  auto query_or = [&](const std::vector<absl::string_view>& known) -> std::optional<Query> {
    std::variant<Query, HttpError> parsed = ParseQuery(query_text, known);
    if (HttpError* error = std::get_if<HttpError>(&parsed)) {
      out = *error;
      return std::nullopt;
    }
    return std::get<Query>(std::move(parsed));
  };
  auto done = [&](Endpoint endpoint) -> MappingResult {
    mapped.endpoint = endpoint;
    return mapped;
  };

  if (!absl::StartsWith(path, "/")) return BadRequest("path: must start with /");
  if (method == "OPTIONS" && absl::StartsWith(path, "/v1/")) return done(Endpoint::kPreflight);

  if (path == "/" || absl::StartsWith(path, "/static/")) {
    if (method != "GET") return MethodNotAllowed(path, "GET");
    const absl::string_view file = path == "/" ? "index.html" : path.substr(8);
    if (!IsSafeStaticPath(file)) return NoSuchPath(path);
    mapped.static_path = std::string(file);
    return done(Endpoint::kStaticFile);
  }
  if (path == "/healthz" || path == "/readyz") {
    if (method != "GET") return MethodNotAllowed(path, "GET");
    return done(path == "/healthz" ? Endpoint::kHealthz : Endpoint::kReadyz);
  }
  if (path == "/v1/session") {
    if (method != "POST" && method != "DELETE") return MethodNotAllowed(path, "POST, DELETE");
    if (!query_or({}).has_value()) return out;
    return done(method == "POST" ? Endpoint::kCreateSession : Endpoint::kDeleteSession);
  }
  if (path == "/v1/orders") {
    if (method == "POST") {
      if (!query_or({}).has_value()) return out;
      if (!IsJson(request.content_type)) {
        return HttpError{415, kInvalidArgument,
                         "Content-Type: must be application/json", {}};
      }
      if (absl::Status parsed = ParseJsonBody(request.body, &mapped.place_order); !parsed.ok()) {
        return FromStatus(parsed);
      }
      if (request.idempotency_key.has_value()) {
        if (mapped.place_order.request_id().empty()) {
          mapped.place_order.set_request_id(*request.idempotency_key);
        } else if (mapped.place_order.request_id() != *request.idempotency_key) {
          return BadRequest(
              "Idempotency-Key: differs from the body's requestId; send one of them, or both equal");
        }
      }
      return done(Endpoint::kPlaceOrder);
    }
    if (method != "GET") return MethodNotAllowed(path, "GET, POST");
    std::optional<Query> query = query_or({"status", "pageSize", "pageToken", "customerId"});
    if (!query.has_value()) return out;
    ::order::v1::OrderStatus status = ::order::v1::ORDER_STATUS_UNSPECIFIED;
    if (std::optional<HttpError> error = OrderStatusParam(*query, &status)) return *error;
    int32_t page_size = 0;
    if (std::optional<HttpError> error = PageSize(*query, &page_size)) return *error;
    mapped.list_orders.set_status(status);
    mapped.list_orders.set_page_size(page_size);
    if (const std::string* token = Find(*query, "pageToken")) mapped.list_orders.set_page_token(*token);
    if (const std::string* customer = Find(*query, "customerId")) {
      mapped.list_orders.set_customer_id(*customer);
    }
    return done(Endpoint::kListOrders);
  }
  if (absl::StartsWith(path, "/v1/orders/")) {
    std::vector<absl::string_view> rest = absl::StrSplit(path.substr(11), '/');
    const bool events = rest.size() == 2 && rest[1] == "events";
    if (rest.empty() || rest.size() > 2 || (rest.size() == 2 && !events)) return NoSuchPath(path);
    if (method != "GET") return MethodNotAllowed(path, "GET");
    std::variant<std::string, HttpError> id = OrderIdSegment(rest[0]);
    if (HttpError* error = std::get_if<HttpError>(&id)) return *error;
    if (!events) {
      if (!query_or({}).has_value()) return out;
      mapped.get_order.set_order_id(std::get<std::string>(id));
      return done(Endpoint::kGetOrder);
    }
    std::optional<Query> query = query_or({"after"});
    if (!query.has_value()) return out;
    auto resume = ResumeAfter(request, *query);
    if (HttpError* error = std::get_if<HttpError>(&resume)) return *error;
    mapped.resume_after = std::get<std::optional<int64_t>>(resume);
    mapped.watch_order.set_order_id(std::get<std::string>(id));
    return done(Endpoint::kWatchOrder);
  }
  if (path == "/v1/events") {
    if (method != "GET") return MethodNotAllowed(path, "GET");
    std::optional<Query> query = query_or({"after", "customerId"});
    if (!query.has_value()) return out;
    auto resume = ResumeAfter(request, *query);
    if (HttpError* error = std::get_if<HttpError>(&resume)) return *error;
    if (std::optional<int64_t> after = std::get<std::optional<int64_t>>(resume)) {
      mapped.watch_orders.set_after_event_id(*after);
    }
    if (const std::string* customer = Find(*query, "customerId")) {
      mapped.watch_orders.set_customer_id(*customer);
    }
    return done(Endpoint::kWatchOrders);
  }
  if (path == "/v1/products") {
    if (method != "GET") return MethodNotAllowed(path, "GET");
    std::optional<Query> query = query_or({"pageSize", "pageToken"});
    if (!query.has_value()) return out;
    int32_t page_size = 0;
    if (std::optional<HttpError> error = PageSize(*query, &page_size)) return *error;
    mapped.list_products.set_page_size(page_size);
    if (const std::string* token = Find(*query, "pageToken")) {
      mapped.list_products.set_page_token(*token);
    }
    return done(Endpoint::kListProducts);
  }
  if (absl::StartsWith(path, "/v1/products/")) {
    const absl::string_view segment = path.substr(13);
    if (segment.empty() || absl::StrContains(segment, '/')) return NoSuchPath(path);
    if (method != "GET") return MethodNotAllowed(path, "GET");
    if (!query_or({}).has_value()) return out;
    int64_t product_id = 0;
    if (segment.size() > 19 || !absl::ascii_isdigit(segment.front()) ||
        !absl::SimpleAtoi(segment, &product_id) || product_id <= 0) {
      return BadRequest("productId: must be a whole number from 1 to 9223372036854775807");
    }
    mapped.get_product.set_product_id(product_id);
    return done(Endpoint::kGetProduct);
  }
  return NoSuchPath(path);
}

}  // namespace order_saga::gateway
