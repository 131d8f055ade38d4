#include "gateway/http_gateway.h"

#include <glog/logging.h>
#include <google/protobuf/struct.pb.h>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "gateway/json_codec.h"

namespace order_saga::gateway {

unsigned HttpStatusFor(grpc::StatusCode code) {
  switch (code) {
    case grpc::StatusCode::OK: return 200;
    case grpc::StatusCode::INVALID_ARGUMENT:
    case grpc::StatusCode::FAILED_PRECONDITION: return 400;
    case grpc::StatusCode::UNAUTHENTICATED: return 401;
    case grpc::StatusCode::PERMISSION_DENIED: return 403;
    case grpc::StatusCode::NOT_FOUND: return 404;
    case grpc::StatusCode::ALREADY_EXISTS:
    case grpc::StatusCode::ABORTED: return 409;
    case grpc::StatusCode::OUT_OF_RANGE: return 410;
    case grpc::StatusCode::RESOURCE_EXHAUSTED: return 429;
    case grpc::StatusCode::UNAVAILABLE: return 503;
    case grpc::StatusCode::DEADLINE_EXCEEDED: return 504;
    default: return 500;
  }
}

struct HttpGateway::Call {
  std::shared_ptr<HttpSession> session;
  HttpRequest request;
  std::string route = "unmatched";
  std::string origin;
  bool cors_allowed = false;
  std::atomic<bool> replied{false};
};

namespace {

constexpr int kUnauthenticated = 16;

std::string Header(const HttpRequest& request, http::field field) {
  auto it = request.find(field);
  return it == request.end() ? std::string() : std::string(it->value());
}

std::optional<std::string> OptionalHeader(const HttpRequest& request, absl::string_view name) {
  auto it = request.find(boost::beast::string_view(name.data(), name.size()));
  if (it == request.end()) return std::nullopt;
  return std::string(it->value());
}

std::chrono::system_clock::time_point DeadlineIn(absl::Duration timeout) {
  return std::chrono::system_clock::now() +
         std::chrono::duration_cast<std::chrono::system_clock::duration>(
             absl::ToChronoNanoseconds(timeout));
}

}  // namespace

HttpGateway::HttpGateway(std::shared_ptr<grpc::Channel> coordinator,
                         std::shared_ptr<grpc::Channel> order_service,
                         std::shared_ptr<grpc::Channel> inventory_service,
                         const StaticFiles& files, GatewayOptions options,
                         prometheus::Registry* registry,
                         std::vector<std::shared_ptr<grpc::Channel>> watch_channels)
    : files_(files),
      options_(std::move(options)),
      coordinator_(::saga::v1::SagaCoordinator::NewStub(coordinator)),
      orders_(::order::v1::OrderService::NewStub(order_service)),
      inventory_(::inventory::v1::InventoryService::NewStub(std::move(inventory_service))),
      coordinator_health_(::grpc::health::v1::Health::NewStub(coordinator)),
      order_health_(::grpc::health::v1::Health::NewStub(order_service)),
      limiter_(options_.max_streams, options_.max_streams_per_customer) {
  if (watch_channels.empty()) watch_channels.push_back(order_service);
  for (const std::shared_ptr<grpc::Channel>& channel : watch_channels) {
    watchers_.push_back(::order::v1::OrderService::NewStub(channel));
  }
  if (registry == nullptr) return;
  requests_ = &prometheus::BuildCounter()
                   .Name("ordersaga_gateway_http_requests_total")
                   .Help("HTTP requests answered, by route and HTTP status")
                   .Register(*registry);
  streams_open_ = &prometheus::BuildGauge()
                       .Name("ordersaga_gateway_event_streams")
                       .Help("Server-Sent Event streams open now")
                       .Register(*registry)
                       .Add({});
  upstream_cancelled_ = &prometheus::BuildCounter()
                             .Name("ordersaga_gateway_upstream_streams_cancelled_total")
                             .Help("upstream watch calls cancelled because the browser left "
                                   "or read too slowly")
                             .Register(*registry)
                             .Add({});
  streams_refused_ = &prometheus::BuildCounter()
                          .Name("ordersaga_gateway_event_streams_refused_total")
                          .Help("event streams refused by --max_streams or "
                                "--max_streams_per_customer")
                          .Register(*registry)
                          .Add({});
}

HttpGateway::~HttpGateway() { EndStreams(absl::Seconds(5)); }

void HttpGateway::Handle(std::shared_ptr<HttpSession> session, HttpRequest request) {
  auto call = std::make_shared<Call>();
  ++in_flight_;
  call->session = std::move(session);
  call->request = std::move(request);
  call->origin = Header(call->request, http::field::origin);
  if (!call->origin.empty()) {
    for (const std::string& allowed : options_.cors_origins) {
      if (allowed == call->origin) call->cors_allowed = true;
    }
  }
  HttpRequestView view;
  view.method = std::string(call->request.method_string());
  view.target = std::string(call->request.target());
  view.content_type = Header(call->request, http::field::content_type);
  view.body = call->request.body();
  view.idempotency_key = OptionalHeader(call->request, "Idempotency-Key");
  view.last_event_id = OptionalHeader(call->request, "Last-Event-ID");
  MappingResult mapped = MapRequest(view);
  if (HttpError* error = std::get_if<HttpError>(&mapped)) {
    ReplyError(call, error->http_status, error->grpc_code, error->message, error->headers);
    return;
  }
  MappedRequest& request_mapped = std::get<MappedRequest>(mapped);
  call->route = EndpointName(request_mapped.endpoint);
  Dispatch(call, std::move(request_mapped));
}

void HttpGateway::Dispatch(const std::shared_ptr<Call>& call, MappedRequest mapped) {
  switch (mapped.endpoint) {
    case Endpoint::kStaticFile: {
      const StaticFile* file = files_.Find(mapped.static_path);
      if (file == nullptr) {
        ReplyError(call, 404, 5, absl::StrCat("path: no such file: /", mapped.static_path));
        return;
      }
      HttpResponse response(http::status::ok, 11);
      response.set(http::field::content_type, file->content_type);
      response.set(http::field::cache_control, "no-cache");
      if (absl::StartsWith(file->content_type, "text/html")) {
        response.set("Content-Security-Policy",
                     "default-src 'self'; img-src 'self' data:; object-src 'none'; "
                     "base-uri 'none'; frame-ancestors 'none'");
      }
      response.body() = file->body;
      Reply(call, std::move(response));
      return;
    }
    case Endpoint::kHealthz: {
      google::protobuf::Struct status;
      (*status.mutable_fields())["status"].set_string_value("SERVING");
      ReplyJson(call, status);
      return;
    }
    case Endpoint::kReadyz:
      Ready(call);
      return;
    case Endpoint::kPreflight:
      Preflight(call);
      return;
    case Endpoint::kCreateSession:
    case Endpoint::kDeleteSession:
      Session(call, mapped.endpoint == Endpoint::kCreateSession);
      return;
    default:
      break;
  }
  std::optional<Credentials> credentials =
      Authenticate(call, call->request.method() == http::verb::get);
  if (!credentials.has_value()) return;
  const Principal& caller = credentials->principal;
  switch (mapped.endpoint) {
    case Endpoint::kPlaceOrder:
      Unary<::saga::v1::PlaceOrderRequest, ::saga::v1::PlaceOrderResponse>(
          call, *credentials, std::move(mapped.place_order),
          [this](grpc::ClientContext* c, const ::saga::v1::PlaceOrderRequest* r,
                 ::saga::v1::PlaceOrderResponse* o, std::function<void(grpc::Status)> done) {
            coordinator_->async()->PlaceOrder(c, r, o, std::move(done));
          },
          false);
      return;
    case Endpoint::kGetOrder:
      Unary<::order::v1::GetOrderRequest, ::order::v1::Order>(
          call, *credentials, std::move(mapped.get_order),
          [this](grpc::ClientContext* c, const ::order::v1::GetOrderRequest* r,
                 ::order::v1::Order* o, std::function<void(grpc::Status)> done) {
            orders_->async()->GetOrder(c, r, o, std::move(done));
          },
          true);
      return;
    case Endpoint::kListOrders:
      if (caller.authenticated && !caller.is_admin() && mapped.list_orders.customer_id().empty()) {
        mapped.list_orders.set_customer_id(caller.subject);
      }
      Unary<::order::v1::ListOrdersRequest, ::order::v1::ListOrdersResponse>(
          call, *credentials, std::move(mapped.list_orders),
          [this](grpc::ClientContext* c, const ::order::v1::ListOrdersRequest* r,
                 ::order::v1::ListOrdersResponse* o, std::function<void(grpc::Status)> done) {
            orders_->async()->ListOrders(c, r, o, std::move(done));
          },
          false);
      return;
    case Endpoint::kGetProduct:
      Unary<::inventory::v1::GetProductRequest, ::inventory::v1::Product>(
          call, *credentials, std::move(mapped.get_product),
          [this](grpc::ClientContext* c, const ::inventory::v1::GetProductRequest* r,
                 ::inventory::v1::Product* o, std::function<void(grpc::Status)> done) {
            inventory_->async()->GetProduct(c, r, o, std::move(done));
          },
          false);
      return;
    case Endpoint::kListProducts:
      Unary<::inventory::v1::ListProductsRequest, ::inventory::v1::ListProductsResponse>(
          call, *credentials, std::move(mapped.list_products),
          [this](grpc::ClientContext* c, const ::inventory::v1::ListProductsRequest* r,
                 ::inventory::v1::ListProductsResponse* o,
                 std::function<void(grpc::Status)> done) {
            inventory_->async()->ListProducts(c, r, o, std::move(done));
          },
          false);
      return;
    case Endpoint::kWatchOrder:
    case Endpoint::kWatchOrders:
      Stream(call, *credentials, std::move(mapped));
      return;
    default:
      ReplyError(call, 500, 13, "internal: unrouted endpoint");
      return;
  }
}

std::optional<HttpGateway::Credentials> HttpGateway::Authenticate(
    const std::shared_ptr<Call>& call, bool cookie_allowed) {
  if (options_.authenticator == nullptr) return Credentials{Principal(), ""};
  const std::string authorization = Header(call->request, http::field::authorization);
  std::string token;
  if (!authorization.empty()) {
    if (!absl::StartsWith(authorization, "Bearer ") || authorization.size() <= 7) {
      ReplyError(call, 401, kUnauthenticated,
                 "Authorization: must be 'Bearer <token>'", {{"WWW-Authenticate", "Bearer"}});
      return std::nullopt;
    }
    token = authorization.substr(7);
  } else if (cookie_allowed) {
    token = FindCookie(Header(call->request, http::field::cookie), kSessionCookie);
  }
  if (token.empty()) {
    ReplyError(call, 401, kUnauthenticated,
               cookie_allowed
                   ? "Authorization: a bearer token is required (or the session cookie from "
                     "POST /v1/session)"
                   : "Authorization: a bearer token is required (the session cookie is "
                     "accepted on GET only)",
               {{"WWW-Authenticate", "Bearer"}});
    return std::nullopt;
  }
  absl::StatusOr<Principal> principal = options_.authenticator->Verify(token);
  if (!principal.ok()) {
    ReplyError(call, 401, kUnauthenticated,
               absl::StrCat("Authorization: ", principal.status().message()),
               {{"WWW-Authenticate", "Bearer error=\"invalid_token\""}});
    return std::nullopt;
  }
  return Credentials{*std::move(principal), std::move(token)};
}

template <typename Request, typename Response, typename Start>
void HttpGateway::Unary(const std::shared_ptr<Call>& call, const Credentials& credentials,
                        Request request, Start start, bool hide_foreign_order) {
  struct State {
    grpc::ClientContext context;
    Request request;
    Response response;
  };
  auto state = std::make_shared<State>();
  state->request = std::move(request);
  state->context.set_deadline(DeadlineIn(options_.call_timeout));
  // A service restarting (its channel reconnecting) is waited for, within
  // the deadline, instead of answered 503 at once.
  state->context.set_wait_for_ready(true);
  if (!credentials.token.empty()) {
    state->context.AddMetadata("authorization", "Bearer " + credentials.token);
  }
  {
    absl::MutexLock lock(&calls_mu_);
    calls_.insert(&state->context);
  }
  start(&state->context, &state->request, &state->response,
        [this, call, state, hide_foreign_order](grpc::Status status) {
          {
            absl::MutexLock lock(&calls_mu_);
            calls_.erase(&state->context);
          }
          if (!status.ok()) {
            ReplyStatus(call, status, hide_foreign_order);
            return;
          }
          ReplyJson(call, state->response);
        });
}

void HttpGateway::Stream(const std::shared_ptr<Call>& call, const Credentials& credentials,
                         MappedRequest mapped) {
  const Principal& caller = credentials.principal;
  if (draining_) {
    // Shutting down: no new stream. Closing without an answer makes an
    // EventSource retry (on another replica); an error status would stop it.
    if (!call->replied.exchange(true)) --in_flight_;
    call->session->Abort();
    return;
  }
  // Whose streams count together: the token's subject. With tokens off
  // every caller may be one proxy's address, so only the total counts.
  const std::string who = caller.authenticated ? caller.subject : "";
  std::string why;
  std::shared_ptr<StreamLimiter::Ticket> ticket = limiter_.TryOpen(who, &why);
  if (ticket == nullptr) {
    if (streams_refused_ != nullptr) streams_refused_->Increment();
    ReplyError(call, 429, 8, why);
    return;
  }
  if (streams_open_ != nullptr) streams_open_->Increment();
  const bool one_order = mapped.endpoint == Endpoint::kWatchOrder;
  const uint64_t id = next_relay_id_.fetch_add(1);
  RelayHooks hooks;
  hooks.error_response = [this, call, one_order](const grpc::Status& status) {
    grpc::StatusCode code = status.error_code();
    std::string message = status.error_message();
    HideForeignOrder(one_order, code, message);
    HttpResponse response = ErrorResponse(HttpStatusFor(code), static_cast<int>(code), message);
    Decorate(*call, response.base());
    Count(*call, response.result_int());
    return response;
  };
  hooks.decorate = [this, call](http::fields& fields) { Decorate(*call, fields); };
  hooks.answered = [this, call](unsigned status) { Count(*call, status); };
  hooks.on_end = [this, ticket, id]() mutable {
    ticket.reset();
    if (streams_open_ != nullptr) streams_open_->Decrement();
    absl::MutexLock lock(&relays_mu_);
    relays_.erase(id);
  };
  hooks.on_upstream_cancelled = [this] {
    if (upstream_cancelled_ != nullptr) upstream_cancelled_->Increment();
  };
  std::shared_ptr<OrderEventRelay> relay;
  if (one_order) {
    relay = OrderEventRelay::ForOrder(std::move(mapped.watch_order), mapped.resume_after,
                                      call->session, options_.relay, std::move(hooks));
  } else {
    if (caller.authenticated && !caller.is_admin() &&
        mapped.watch_orders.customer_id().empty()) {
      mapped.watch_orders.set_customer_id(caller.subject);
    }
    relay = OrderEventRelay::ForOrders(std::move(mapped.watch_orders), call->session,
                                       options_.relay, std::move(hooks));
  }
  if (!call->replied.exchange(true)) --in_flight_;  // the relay answers
  {
    // Registered before it starts, so that EndStreams reaches every relay.
    absl::MutexLock lock(&relays_mu_);
    relays_.emplace(id, relay);
  }
  relay->Start(*watchers_[next_watcher_++ % watchers_.size()], credentials.token);
}

void HttpGateway::EndStreams(absl::Duration timeout) {
  std::vector<std::shared_ptr<OrderEventRelay>> open;
  {
    absl::MutexLock lock(&relays_mu_);
    for (auto& [id, weak] : relays_) {
      if (std::shared_ptr<OrderEventRelay> relay = weak.lock()) open.push_back(relay);
    }
  }
  for (const std::shared_ptr<OrderEventRelay>& relay : open) relay->Cancel();
  open.clear();
  const absl::Time deadline = absl::Now() + timeout;
  auto relays_left = [this] {
    absl::MutexLock lock(&relays_mu_);
    return relays_.size();
  };
  while (relays_left() > 0 && absl::Now() < deadline) absl::SleepFor(absl::Milliseconds(10));
}

void HttpGateway::CancelCalls(absl::Duration timeout) {
  {
    absl::MutexLock lock(&calls_mu_);
    for (grpc::ClientContext* context : calls_) context->TryCancel();
  }
  const absl::Time deadline = absl::Now() + timeout;
  while (in_flight_.load() > 0 && absl::Now() < deadline) absl::SleepFor(absl::Milliseconds(10));
}

void HttpGateway::Preflight(const std::shared_ptr<Call>& call) {
  if (!call->cors_allowed) {
    ReplyError(call, 403, 7,
               call->origin.empty()
                   ? "Origin: a preflight request names its Origin"
                   : absl::StrCat("Origin: '", call->origin,
                                  "' is not allowed (CORS is off unless --cors_allowed_origins "
                                  "names exact origins)"));
    return;
  }
  HttpResponse response(http::status::no_content, 11);
  response.set("Access-Control-Allow-Methods", "GET, POST, DELETE");
  response.set("Access-Control-Allow-Headers",
               "Authorization, Content-Type, Idempotency-Key, Last-Event-ID");
  response.set("Access-Control-Max-Age", "600");
  Reply(call, std::move(response));
}

void HttpGateway::Session(const std::shared_ptr<Call>& call, bool create) {
  const bool secure = options_.secure_cookie ||
                      absl::EqualsIgnoreCase(
                          std::string(call->request["X-Forwarded-Proto"]), "https");
  const std::string attributes =
      absl::StrCat("; Path=/v1; HttpOnly; SameSite=Strict", secure ? "; Secure" : "");
  if (!create) {
    HttpResponse response(http::status::no_content, 11);
    response.set(http::field::set_cookie,
                 absl::StrCat(kSessionCookie, "=; Max-Age=0", attributes));
    Reply(call, std::move(response));
    return;
  }
  if (options_.authenticator == nullptr) {
    ReplyError(call, 400, 9,
               "session: tokens are off on this gateway (--auth_token_key_file); no session "
               "is needed");
    return;
  }
  // Only the header: a cookie cannot mint a cookie.
  std::optional<Credentials> credentials = Authenticate(call, /*cookie_allowed=*/false);
  if (!credentials.has_value()) return;
  const Principal& principal = credentials->principal;
  const int64_t max_age =
      std::max<int64_t>(1, absl::ToInt64Seconds(principal.expires - absl::Now()));
  google::protobuf::Struct body;
  (*body.mutable_fields())["subject"].set_string_value(principal.subject);
  (*body.mutable_fields())["role"].set_string_value(principal.is_admin() ? "admin" : "customer");
  (*body.mutable_fields())["expireTime"].set_string_value(
      absl::FormatTime("%Y-%m-%dT%H:%M:%SZ", principal.expires, absl::UTCTimeZone()));
  HttpResponse response(http::status::ok, 11);
  response.set(http::field::content_type, "application/json");
  response.set(http::field::set_cookie, absl::StrCat(kSessionCookie, "=", credentials->token,
                                                     "; Max-Age=", max_age, attributes));
  response.body() = ToJson(body);
  Reply(call, std::move(response));
}

void HttpGateway::Ready(const std::shared_ptr<Call>& call) {
  if (draining_) {
    ReplyError(call, 503, 14, "readyz: the gateway is shutting down");
    return;
  }
  struct Check {
    grpc::ClientContext context;
    ::grpc::health::v1::HealthCheckRequest request;
    ::grpc::health::v1::HealthCheckResponse response;
  };
  struct State {
    absl::Mutex mu;
    int pending = 2;
    std::string problems;
    Check coordinator, orders;
  };
  auto state = std::make_shared<State>();
  auto finish = [this, call, state](const char* who, const Check& check, const grpc::Status& status) {
    bool last = false;
    {
      absl::MutexLock lock(&state->mu);
      if (!status.ok()) {
        absl::StrAppend(&state->problems, state->problems.empty() ? "" : "; ", who, ": ",
                        status.error_message());
      } else if (check.response.status() != ::grpc::health::v1::HealthCheckResponse::SERVING) {
        absl::StrAppend(&state->problems, state->problems.empty() ? "" : "; ", who,
                        ": not serving");
      }
      last = --state->pending == 0;
    }
    if (!last) return;
    if (!state->problems.empty()) {
      ReplyError(call, 503, 14, absl::StrCat("readyz: ", state->problems));
      return;
    }
    google::protobuf::Struct ready;
    (*ready.mutable_fields())["status"].set_string_value("SERVING");
    ReplyJson(call, ready);
  };
  for (auto [check, stub, who] :
       {std::tuple{&state->coordinator, coordinator_health_.get(), "coordinator"},
        std::tuple{&state->orders, order_health_.get(), "order service"}}) {
    check->context.set_deadline(DeadlineIn(absl::Seconds(1)));
    stub->async()->Check(&check->context, &check->request, &check->response,
                         [finish, check = check, who = who](grpc::Status status) {
                           finish(who, *check, status);
                         });
  }
}

void HttpGateway::Decorate(const Call& call, http::fields& fields) const {
  if (!call.cors_allowed) return;
  fields.set(http::field::access_control_allow_origin, call.origin);
  fields.set(http::field::access_control_allow_credentials, "true");
  fields.set(http::field::vary, "Origin");
}

void HttpGateway::Count(const Call& call, unsigned http_status) {
  if (requests_ == nullptr) return;
  requests_->Add({{"route", call.route}, {"code", std::to_string(http_status)}}).Increment();
}

HttpResponse HttpGateway::ErrorResponse(unsigned http_status, int grpc_code,
                                        const std::string& message) {
  HttpResponse response(static_cast<http::status>(http_status), 11);
  response.set(http::field::content_type, "application/json");
  response.set(http::field::cache_control, "no-store");
  response.body() = ErrorJson(grpc_code, message);
  return response;
}

void HttpGateway::Reply(const std::shared_ptr<Call>& call, HttpResponse response) {
  if (call->replied.exchange(true)) return;
  // Draining: the client is told to take its next request elsewhere.
  response.keep_alive(call->request.keep_alive() && !draining_);
  if (response.find(http::field::cache_control) == response.end()) {
    response.set(http::field::cache_control, "no-store");
  }
  response.set("X-Content-Type-Options", "nosniff");
  Decorate(*call, response.base());
  Count(*call, response.result_int());
  call->session->Respond(std::move(response));
  --in_flight_;  // last: nothing of this gateway is touched after it
}

void HttpGateway::ReplyJson(const std::shared_ptr<Call>& call,
                            const google::protobuf::Message& message) {
  HttpResponse response(http::status::ok, 11);
  response.set(http::field::content_type, "application/json");
  response.body() = ToJson(message);
  Reply(call, std::move(response));
}

void HttpGateway::ReplyError(const std::shared_ptr<Call>& call, unsigned http_status,
                             int grpc_code, const std::string& message,
                             const std::vector<std::pair<std::string, std::string>>& headers) {
  HttpResponse response = ErrorResponse(http_status, grpc_code, message);
  for (const auto& [name, value] : headers) response.set(name, value);
  Reply(call, std::move(response));
}

void HttpGateway::HideForeignOrder(bool order_read, grpc::StatusCode& code,
                                   std::string& message) {
  // Another customer's order does not exist, as far as this caller can
  // tell: the same answer, word for word, as for an id nobody has.
  if (!order_read) return;
  if (code == grpc::StatusCode::PERMISSION_DENIED || code == grpc::StatusCode::NOT_FOUND) {
    code = grpc::StatusCode::NOT_FOUND;
    message = "orderId: no such order";
  }
}

void HttpGateway::ReplyStatus(const std::shared_ptr<Call>& call, const grpc::Status& status,
                              bool hide_foreign_order) {
  grpc::StatusCode code = status.error_code();
  std::string message = status.error_message();
  HideForeignOrder(hide_foreign_order, code, message);
  ReplyError(call, HttpStatusFor(code), static_cast<int>(code), message);
}

}  // namespace order_saga::gateway
