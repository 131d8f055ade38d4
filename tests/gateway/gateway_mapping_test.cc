// The gateway's pure parts: routing and query parsing, the request bodies,
// hostile resume positions, the JSON it serves (goldens) and SSE framing.
#include <gtest/gtest.h>

#include "gateway/http_gateway.h"
#include "gateway/json_codec.h"
#include "gateway/request_mapping.h"
#include "gateway/sse.h"

namespace order_saga::gateway {
namespace {

HttpRequestView Get(const std::string& target) {
  HttpRequestView request;
  request.method = "GET";
  request.target = target;
  return request;
}

HttpRequestView Post(const std::string& target, const std::string& body,
                     const std::string& content_type = "application/json") {
  HttpRequestView request;
  request.method = "POST";
  request.target = target;
  request.body = body;
  request.content_type = content_type;
  return request;
}

MappedRequest Mapped(const HttpRequestView& request) {
  MappingResult result = MapRequest(request);
  if (HttpError* error = std::get_if<HttpError>(&result)) {
    ADD_FAILURE() << request.method << " " << request.target << ": " << error->http_status << " "
                  << error->message;
    return MappedRequest();
  }
  return std::get<MappedRequest>(result);
}

HttpError Refused(const HttpRequestView& request) {
  MappingResult result = MapRequest(request);
  if (const HttpError* error = std::get_if<HttpError>(&result)) return *error;
  ADD_FAILURE() << request.method << " " << request.target << " was accepted";
  return HttpError();
}

TEST(GatewayRouting, EveryEndpointOfTheContract) {
  EXPECT_EQ(Mapped(Get("/")).endpoint, Endpoint::kStaticFile);
  EXPECT_EQ(Mapped(Get("/")).static_path, "index.html");
  EXPECT_EQ(Mapped(Get("/static/app.js")).static_path, "app.js");
  EXPECT_EQ(Mapped(Get("/healthz")).endpoint, Endpoint::kHealthz);
  EXPECT_EQ(Mapped(Get("/readyz")).endpoint, Endpoint::kReadyz);
  EXPECT_EQ(Mapped(Get("/v1/orders/abc")).endpoint, Endpoint::kGetOrder);
  EXPECT_EQ(Mapped(Get("/v1/orders/abc")).get_order.order_id(), "abc");
  EXPECT_EQ(Mapped(Get("/v1/orders/abc/events")).endpoint, Endpoint::kWatchOrder);
  EXPECT_EQ(Mapped(Get("/v1/events")).endpoint, Endpoint::kWatchOrders);
  EXPECT_EQ(Mapped(Get("/v1/products/4")).get_product.product_id(), 4);
  EXPECT_EQ(Mapped(Get("/v1/products")).endpoint, Endpoint::kListProducts);
  EXPECT_EQ(Mapped(Post("/v1/session", "", "")).endpoint, Endpoint::kCreateSession);
  HttpRequestView options = Get("/v1/orders");
  options.method = "OPTIONS";
  EXPECT_EQ(Mapped(options).endpoint, Endpoint::kPreflight);
}

TEST(GatewayRouting, UnknownPathsAndMethodsAreRefusedByName) {
  HttpError missing = Refused(Get("/v2/orders"));
  EXPECT_EQ(missing.http_status, 404u);
  EXPECT_EQ(missing.grpc_code, 5);
  EXPECT_EQ(Refused(Get("/v1/orders/a/b")).http_status, 404u);
  HttpRequestView put = Get("/v1/orders");
  put.method = "PUT";
  HttpError method = Refused(put);
  EXPECT_EQ(method.http_status, 405u);
  ASSERT_EQ(method.headers.size(), 1u);
  EXPECT_EQ(method.headers[0].first, "Allow");
  EXPECT_EQ(method.headers[0].second, "GET, POST");
}

TEST(GatewayRouting, StaticPathsNeverLeaveTheWebRoot) {
  for (const char* target : {"/static/../CMakeLists.txt", "/static/.git/config", "/static/",
                             "/static//etc/passwd", "/static/a/../../x", "/static/%2e%2e/x",
                             "/static/.hidden"}) {
    EXPECT_EQ(Refused(Get(target)).http_status, 404u) << target;
  }
  EXPECT_EQ(Mapped(Get("/static/img/logo-2.svg")).static_path, "img/logo-2.svg");
}

TEST(GatewayRouting, ListOrdersQuery) {
  MappedRequest list = Mapped(Get("/v1/orders?status=APPROVED&pageSize=20&pageToken=abc%3D&customerId=alice"));
  EXPECT_EQ(list.list_orders.status(), ::order::v1::ORDER_STATUS_APPROVED);
  EXPECT_EQ(list.list_orders.page_size(), 20);
  EXPECT_EQ(list.list_orders.page_token(), "abc=");
  EXPECT_EQ(list.list_orders.customer_id(), "alice");
  EXPECT_EQ(Mapped(Get("/v1/orders?status=ORDER_STATUS_REJECTED")).list_orders.status(),
            ::order::v1::ORDER_STATUS_REJECTED);
}

TEST(GatewayRouting, HostileQueryValuesNameTheParameter) {
  struct Case {
    const char* target;
    const char* names;
  } cases[] = {
      {"/v1/orders?status=SHIPPED", "status:"},
      {"/v1/orders?status=ORDER_STATUS_UNSPECIFIED", "status:"},
      {"/v1/orders?pageSize=-1", "pageSize:"},
      {"/v1/orders?pageSize=1001", "pageSize:"},
      {"/v1/orders?pageSize=1e3", "pageSize:"},
      {"/v1/orders?pageSize=+5", "pageSize:"},
      {"/v1/orders?pageSize=99999999999999999999", "pageSize:"},
      {"/v1/orders?pageSize=1&pageSize=2", "pageSize: given more than once"},
      {"/v1/orders?sort=asc", "sort: unknown query parameter"},
      {"/v1/orders?access_token=abc", "access_token: tokens are never accepted in the URL"},
      {"/v1/orders?customerId=%ZZ", "customerId:"},
      {"/v1/orders?customerId=%00", "customerId:"},
      {"/v1/orders?customerId=%E2%82%AC", "customerId:"},
      {"/v1/products/0", "productId:"},
      {"/v1/products/-4", "productId:"},
      {"/v1/products/4x", "productId:"},
      {"/v1/products/99999999999999999999", "productId:"},
      {"/v1/orders/abc?after=1", "after: unknown query parameter"},
  };
  for (const Case& c : cases) {
    HttpError error = Refused(Get(c.target));
    EXPECT_EQ(error.http_status, 400u) << c.target;
    EXPECT_EQ(error.grpc_code, 3) << c.target;
    EXPECT_NE(error.message.find(c.names), std::string::npos) << c.target << ": " << error.message;
  }
}

TEST(GatewayRouting, ResumePositionFromTheHeaderOrTheQuery) {
  EXPECT_FALSE(Mapped(Get("/v1/events")).watch_orders.has_after_event_id());
  EXPECT_EQ(Mapped(Get("/v1/events?after=0")).watch_orders.after_event_id(), 0);
  EXPECT_EQ(Mapped(Get("/v1/events?after=42&customerId=bob")).watch_orders.after_event_id(), 42);
  // EventSource reconnects to the same URL with the header: the header wins.
  HttpRequestView resumed = Get("/v1/events?after=5");
  resumed.last_event_id = "17";
  EXPECT_EQ(Mapped(resumed).watch_orders.after_event_id(), 17);
  HttpRequestView order = Get("/v1/orders/o1/events?after=3");
  EXPECT_EQ(*Mapped(order).resume_after, 3);
  order.last_event_id = "9";
  EXPECT_EQ(*Mapped(order).resume_after, 9);
  EXPECT_FALSE(Mapped(Get("/v1/orders/o1/events")).resume_after.has_value());
}

TEST(GatewayRouting, HostileLastEventIdsAreRefusedNamingTheHeader) {
  for (const char* value : {"", "-1", "+1", " 1", "1 ", "0x10", "1.5", "abc",
                            "9223372036854775808", "99999999999999999999", "1\r\nX-Evil: 1",
                            "١٢"}) {
    HttpRequestView request = Get("/v1/events");
    request.last_event_id = value;
    HttpError error = Refused(request);
    EXPECT_EQ(error.http_status, 400u) << value;
    EXPECT_EQ(error.message.rfind("Last-Event-ID:", 0), 0u) << value << ": " << error.message;
  }
  HttpRequestView max = Get("/v1/events");
  max.last_event_id = "9223372036854775807";
  EXPECT_EQ(Mapped(max).watch_orders.after_event_id(), INT64_MAX);
  EXPECT_EQ(Refused(Get("/v1/events?after=-3")).message.rfind("after:", 0), 0u);
}

TEST(GatewayBodies, PlaceOrderAcceptsEitherNameStyleAndTheIdempotencyKey) {
  MappedRequest camel = Mapped(Post(
      "/v1/orders",
      R"({"requestId":"r1","customerId":"alice","items":[{"productId":"4","quantity":2}],)"
      R"("shippingAddress":{"zipCode":"06236"}})"));
  EXPECT_EQ(camel.place_order.request_id(), "r1");
  EXPECT_EQ(camel.place_order.items(0).product_id(), 4);
  EXPECT_EQ(camel.place_order.shipping_address().zip_code(), "06236");
  MappedRequest snake = Mapped(Post(
      "/v1/orders", R"({"customer_id":"alice","items":[{"product_id":5,"quantity":1}]})"));
  EXPECT_EQ(snake.place_order.items(0).product_id(), 5);

  HttpRequestView keyed = Post("/v1/orders", R"({"items":[{"productId":"4","quantity":1}]})");
  keyed.idempotency_key = "k-1";
  EXPECT_EQ(Mapped(keyed).place_order.request_id(), "k-1");
  HttpRequestView both_equal = Post("/v1/orders", R"({"requestId":"k-1","items":[]})");
  both_equal.idempotency_key = "k-1";
  EXPECT_EQ(Mapped(both_equal).place_order.request_id(), "k-1");
  HttpRequestView conflict = Post("/v1/orders", R"({"requestId":"r1","items":[]})");
  conflict.idempotency_key = "k-1";
  HttpError error = Refused(conflict);
  EXPECT_EQ(error.http_status, 400u);
  EXPECT_EQ(error.message.rfind("Idempotency-Key:", 0), 0u) << error.message;
}

TEST(GatewayBodies, BadBodiesNameTheProblem) {
  HttpError unknown = Refused(Post("/v1/orders", R"({"items":[],"discount":5})"));
  EXPECT_EQ(unknown.http_status, 400u);
  EXPECT_NE(unknown.message.find("discount"), std::string::npos) << unknown.message;
  EXPECT_EQ(unknown.message.rfind("body:", 0), 0u);
  for (const char* body : {"", "{", "[]", "null", R"({"items":"many"})",
                           R"({"items":[{"quantity":"lots"}]})", "\xff\xfe"}) {
    HttpError error = Refused(Post("/v1/orders", body));
    EXPECT_EQ(error.http_status, 400u) << body;
    EXPECT_EQ(error.message.rfind("body:", 0), 0u) << body << ": " << error.message;
  }
  HttpError type = Refused(Post("/v1/orders", "{}", "text/plain"));
  EXPECT_EQ(type.http_status, 415u);
  EXPECT_EQ(type.message.rfind("Content-Type:", 0), 0u);
  EXPECT_EQ(Mapped(Post("/v1/orders", "{}", "application/json; charset=utf-8")).endpoint,
            Endpoint::kPlaceOrder);
}

TEST(GatewayJson, OrderGolden) {
  ::order::v1::Order order;
  order.set_order_id("o-1");
  order.set_request_id("r-1");
  order.set_customer_id("alice");
  ::common::v1::LineItem* item = order.add_items();
  item->set_product_id(4);
  item->set_quantity(2);
  order.set_status(::order::v1::ORDER_STATUS_APPROVED);
  order.mutable_create_time()->set_seconds(1764633600);
  order.mutable_update_time()->set_seconds(1764633600);
  order.mutable_update_time()->set_nanos(500000000);
  EXPECT_EQ(ToJson(order),
            R"({"orderId":"o-1","requestId":"r-1","customerId":"alice",)"
            R"("items":[{"productId":"4","quantity":2}],"status":"ORDER_STATUS_APPROVED",)"
            R"("rejectReason":"REJECT_REASON_UNSPECIFIED","detail":"","compensating":false,)"
            R"("sagaState":"SAGA_STATE_UNSPECIFIED","sagaAttempts":0,"sagaLastError":"",)"
            R"("traceId":"","createTime":"2025-12-02T00:00:00Z",)"
            R"("updateTime":"2025-12-02T00:00:00.500Z"})");
}

TEST(GatewayJson, PlaceOrderResponseProductAndListGoldens) {
  ::saga::v1::PlaceOrderResponse placed;
  placed.set_status(::order::v1::ORDER_STATUS_REJECTED);
  placed.set_reject_reason(::order::v1::REJECT_REASON_SOLD_OUT);
  placed.set_detail("product 4 is sold out");
  EXPECT_EQ(ToJson(placed),
            R"({"orderId":"","status":"ORDER_STATUS_REJECTED","rejectReason":"REJECT_REASON_SOLD_OUT",)"
            R"("detail":"product 4 is sold out"})");
  ::inventory::v1::Product product;
  product.set_product_id(5);
  product.set_name("김럭시북9 그려파이트 14인치 코어 16GB - 2TB - 인도우11 PRO");
  product.set_price(2390000);
  product.set_stock(0);
  product.set_status(::inventory::v1::PRODUCT_STATUS_SOLD_OUT);
  const std::string json = ToJson(product);
  EXPECT_NE(json.find(R"("productId":"5","name":"김럭시북9 그려파이트 14인치 코어 16GB - 2TB - 인도우11 PRO","price":"2390000","stock":"0","status":"PRODUCT_STATUS_SOLD_OUT")"),
            std::string::npos)
      << json;
  ::order::v1::ListOrdersResponse empty;
  EXPECT_EQ(ToJson(empty), R"({"orders":[],"nextPageToken":""})");
  ::inventory::v1::ListProductsResponse no_products;
  EXPECT_EQ(ToJson(no_products), R"({"products":[],"nextPageToken":""})");
}

TEST(GatewayJson, ErrorBodyOfTheContract) {
  EXPECT_EQ(ErrorJson(3, "items[0].quantity: must be \"positive\"\n"),
            R"({"code":3,"message":"items[0].quantity: must be \"positive\"\n","details":[]})");
}

TEST(GatewayJson, ErrorBodyStaysJsonWhateverTheMessageQuotes) {
  EXPECT_EQ(ErrorJson(3, "name: \xff\xfe bad"),
            R"({"code":3,"message":"name: ?? bad","details":[]})");
}

TEST(GatewayRouting, EchoedNamesAndPathsAreBoundedAndPrintable) {
  HttpError long_name = Refused(Get("/v1/products?" + std::string(500, 'q') + "=1"));
  EXPECT_LT(long_name.message.size(), 200u) << long_name.message;
  HttpError path = Refused(Get("/v2/\x01\xff" + std::string(500, 'p')));
  EXPECT_LT(path.message.size(), 200u);
  EXPECT_EQ(path.message.find('\x01'), std::string::npos);
}

TEST(GatewayErrors, HttpStatusForEveryGrpcCode) {
  EXPECT_EQ(HttpStatusFor(grpc::StatusCode::INVALID_ARGUMENT), 400u);
  EXPECT_EQ(HttpStatusFor(grpc::StatusCode::FAILED_PRECONDITION), 400u);
  EXPECT_EQ(HttpStatusFor(grpc::StatusCode::UNAUTHENTICATED), 401u);
  EXPECT_EQ(HttpStatusFor(grpc::StatusCode::PERMISSION_DENIED), 403u);
  EXPECT_EQ(HttpStatusFor(grpc::StatusCode::NOT_FOUND), 404u);
  EXPECT_EQ(HttpStatusFor(grpc::StatusCode::ALREADY_EXISTS), 409u);
  EXPECT_EQ(HttpStatusFor(grpc::StatusCode::ABORTED), 409u);
  EXPECT_EQ(HttpStatusFor(grpc::StatusCode::OUT_OF_RANGE), 410u);
  EXPECT_EQ(HttpStatusFor(grpc::StatusCode::RESOURCE_EXHAUSTED), 429u);
  EXPECT_EQ(HttpStatusFor(grpc::StatusCode::UNAVAILABLE), 503u);
  EXPECT_EQ(HttpStatusFor(grpc::StatusCode::DEADLINE_EXCEEDED), 504u);
  for (grpc::StatusCode other : {grpc::StatusCode::UNKNOWN, grpc::StatusCode::INTERNAL,
                                 grpc::StatusCode::DATA_LOSS, grpc::StatusCode::UNIMPLEMENTED,
                                 grpc::StatusCode::CANCELLED}) {
    EXPECT_EQ(HttpStatusFor(other), 500u) << other;
  }
}

TEST(GatewaySse, Framing) {
  EXPECT_EQ(SseRetry(absl::Milliseconds(2500)), "retry: 2500\n\n");
  EXPECT_EQ(SsePing(), ": ping\n\n");
  EXPECT_EQ(SseEvent(42, "order", R"({"a":1})"), "id: 42\nevent: order\ndata: {\"a\":1}\n\n");
  // A line break in the data cannot end the event early or inject a field.
  EXPECT_EQ(SseEvent(1, "order", "x\nid: 99\r\ny\rz"),
            "id: 1\nevent: order\ndata: x\ndata: id: 99\ndata: y\ndata: z\n\n");
}

TEST(GatewayCookies, FindCookie) {
  EXPECT_EQ(FindCookie("a=1; ordersaga_session=tok.en; b=2", "ordersaga_session"), "tok.en");
  EXPECT_EQ(FindCookie("xordersaga_session=no", "ordersaga_session"), "");
  EXPECT_EQ(FindCookie("", "ordersaga_session"), "");
}

}  // namespace
}  // namespace order_saga::gateway
