// The HTTP gateway on the real stack: the JSON endpoints, the event streams
// (one final event per order, resume by Last-Event-ID and ?after= without
// loss or repeat, 204, 410, heartbeats, headers), a browser that leaves
// ending its upstream stream, hostile HTTP refused with nothing written,
// tokens, the session cookie, another customer's order as 404, and CORS.
#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <curl/curl.h>

#include <csignal>

#include <algorithm>
#include <filesystem>
#include <set>

#include <google/protobuf/util/json_util.h>
#include <gtest/gtest.h>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "common/auth/authenticator.h"
#include "common/auth/bearer_token_channel.h"
#include "common/clock.h"
#include "tests/e2e/http_client.h"
#include "tests/e2e/metrics_scrape.h"
#include "tests/e2e/stack_test.h"
#include "tests/e2e/unused_port.h"

// The calls below name only the options they set ({.headers = ...}).
#pragma GCC diagnostic ignored "-Wmissing-field-initializers"

namespace order_saga::testing {
namespace {

constexpr char kKey[] = "gateway-e2e-key-of-at-least-thirty-two-bytes";

template <typename Message>
Message FromJson(const std::string& json) {
  Message message;
  google::protobuf::util::JsonParseOptions options;
  options.ignore_unknown_fields = false;
  auto status = google::protobuf::util::JsonStringToMessage(json, &message, options);
  EXPECT_TRUE(status.ok()) << json;
  return message;
}

int64_t Id(const SseEventRead& event) {
  int64_t id = -1;
  EXPECT_TRUE(absl::SimpleAtoi(event.id, &id)) << event.id;
  return id;
}

bool IsFinal(const order::v1::Order& order) {
  return order.status() == order::v1::ORDER_STATUS_APPROVED ||
         order.status() == order::v1::ORDER_STATUS_REJECTED;
}

class GatewayTest : public StackTest {
 protected:
  std::string Url(const std::string& path) const {
    return absl::StrCat("http://", stack_->gateway_address(), path);
  }
  static void Seed(inventory::v1::InventoryService::Stub& inventory, int64_t id, int64_t stock) {
    UpsertTestProduct(inventory, id, stock);
  }
  // POST /v1/orders; the decoded answer.
  saga::v1::PlaceOrderResponse Place(const std::string& key, const std::string& customer,
                                     int64_t product, int quantity,
                                     std::vector<std::string> headers = {}) {
    HttpCallOptions options;
    options.method = "POST";
    options.headers = std::move(headers);
    options.headers.push_back("Content-Type: application/json");
    options.headers.push_back("Idempotency-Key: " + key);
    options.body = absl::StrCat(R"({"customerId":")", customer, R"(","items":[{"productId":")",
                                product, R"(","quantity":)", quantity, "}]}");
    HttpResult result = HttpCall(Url("/v1/orders"), options);
    EXPECT_EQ(result.status, 200) << result.error << result.body;
    return FromJson<saga::v1::PlaceOrderResponse>(result.body);
  }
  int64_t TotalOrders() {
    order::v1::CountOrdersRequest request;
    order::v1::CountOrdersResponse response;
    grpc::ClientContext context;
    context.set_deadline(In(absl::Seconds(10)));
    EXPECT_TRUE(orders_->CountOrders(&context, request, &response).ok());
    return response.total();
  }
  double OrderServiceStreams() {
    return Sample(ScrapeMetrics(stack_->order_metrics_address()), "ordersaga_watch_streams");
  }
};

class GatewayE2ETest : public GatewayTest {
 protected:
  static void SetUpTestSuite() {
    LocalStack::Options options;
    options.gateway = true;
    options.gateway_flags = {"--sse_heartbeat_ms=300", "--request_timeout_ms=1500",
                             "--sse_retry_ms=500"};
    StartStack(std::move(options));
  }
};

TEST_F(GatewayE2ETest, ApprovedAndRejectedOrdersGetExactlyOneFinalEventThenTheStreamEnds) {
  Seed(*inventory_, 1, 3);
  const saga::v1::PlaceOrderResponse approved = Place("k-approved", "alice", 1, 2);
  ASSERT_EQ(approved.status(), order::v1::ORDER_STATUS_APPROVED) << approved.detail();
  // One left: not sold out at the door, refused by the inventory.
  const saga::v1::PlaceOrderResponse rejected = Place("k-rejected", "alice", 1, 2);
  ASSERT_EQ(rejected.status(), order::v1::ORDER_STATUS_REJECTED);
  ASSERT_FALSE(rejected.order_id().empty()) << "refused by the inventory, so recorded";

  for (const auto& [placed, status] :
       {std::pair{approved, order::v1::ORDER_STATUS_APPROVED},
        std::pair{rejected, order::v1::ORDER_STATUS_REJECTED}}) {
    SseStream stream(Url("/v1/orders/" + placed.order_id() + "/events"), {});
    ASSERT_TRUE(stream.WaitForEnd(absl::Seconds(10))) << "the stream ends after the final state";
    EXPECT_TRUE(stream.ended_cleanly()) << "ended by the server with its last chunk";
    EXPECT_EQ(stream.status(), 200);
    EXPECT_EQ(stream.headers()["content-type"], "text/event-stream");
    EXPECT_EQ(stream.headers()["cache-control"], "no-cache");
    EXPECT_EQ(stream.headers()["x-accel-buffering"], "no");
    const SseParse parse = stream.parsed();
    EXPECT_EQ(parse.retry, "500");
    int finals = 0;
    int64_t final_id = 0;
    for (const SseEventRead& event : parse.events) {
      EXPECT_EQ(event.event, "order");
      const order::v1::Order order = FromJson<order::v1::Order>(event.data);
      EXPECT_EQ(order.order_id(), placed.order_id());
      if (IsFinal(order)) {
        ++finals;
        EXPECT_EQ(order.status(), status);
        final_id = Id(event);
      }
    }
    EXPECT_EQ(finals, 1) << stream.text();
    // A reconnect at the final event: 204, so EventSource stops.
    HttpResult again = HttpCall(Url("/v1/orders/" + placed.order_id() + "/events"),
                                {.headers = {absl::StrCat("Last-Event-ID: ", final_id)}});
    EXPECT_EQ(again.status, 204) << again.body;
    HttpResult later = HttpCall(Url(absl::StrCat("/v1/orders/", placed.order_id(),
                                                 "/events?after=", final_id + 5)));
    EXPECT_EQ(later.status, 204);
  }
  HttpResult get = HttpCall(Url("/v1/orders/" + approved.order_id()));
  ASSERT_EQ(get.status, 200);
  EXPECT_EQ(FromJson<order::v1::Order>(get.body).status(), order::v1::ORDER_STATUS_APPROVED);
  HttpResult missing = HttpCall(Url("/v1/orders/no-such-order/events"));
  EXPECT_EQ(missing.status, 404);
}

TEST_F(GatewayE2ETest, ResumeByLastEventIdAndByAfterLosesAndRepeatsNothing) {
  Seed(*inventory_, 2, 1000);
  for (int i = 0; i < 4; ++i) Place(absl::StrCat("first-", i), "bob", 2, 1);
  // Dropped after event 3.
  std::vector<int64_t> seen;
  std::vector<SseEventRead> first_events;
  {
    SseStream stream(Url("/v1/events?after=0"), {});
    ASSERT_TRUE(stream.WaitFor([](const SseParse& p) { return p.events.size() >= 3; },
                               absl::Seconds(10)));
    stream.Close();
    first_events = stream.parsed().events;
  }
  ASSERT_GE(first_events.size(), 3u);
  first_events.resize(3);
  for (const SseEventRead& event : first_events) seen.push_back(Id(event));
  // Committed while nobody listens.
  for (int i = 0; i < 4; ++i) Place(absl::StrCat("second-", i), "bob", 2, 1);
  const int64_t total_orders = TotalOrders();
  auto all_final = [&](const std::vector<SseEventRead>& events, std::set<std::string>* finals) {
    for (const SseEventRead& event : events) {
      const order::v1::Order order = FromJson<order::v1::Order>(event.data);
      if (IsFinal(order)) finals->insert(order.order_id());
    }
  };
  for (const std::string how : {"header", "query"}) {
    HttpCallOptions options;
    std::string path = "/v1/events";
    if (how == "header") {
      options.headers.push_back(absl::StrCat("Last-Event-ID: ", seen.back()));
      path += "?after=0";  // the header wins, as when EventSource reconnects
    } else {
      path += absl::StrCat("?after=", seen.back());
    }
    SseStream stream(Url(path), options);
    std::set<std::string> finals;
    ASSERT_TRUE(stream.WaitFor(
        [&](const SseParse& p) {
          finals.clear();
          all_final(first_events, &finals);
          all_final(p.events, &finals);
          return static_cast<int64_t>(finals.size()) == total_orders;
        },
        absl::Seconds(15)))
        << how << ": " << stream.text();
    std::vector<int64_t> ids = seen;
    for (const SseEventRead& event : stream.parsed().events) ids.push_back(Id(event));
    for (size_t i = 0; i < ids.size(); ++i) {
      ASSERT_EQ(ids[i], static_cast<int64_t>(i + 1)) << how << ": event ids must run 1, 2, 3, "
                                                        "... without gap or repeat";
    }
  }
}

TEST_F(GatewayE2ETest, IdleStreamsGetHeartbeatsAndAResumeBeforeRetentionGets410) {
  SseStream idle(Url("/v1/events"), {});
  ASSERT_TRUE(idle.WaitFor([](const SseParse& p) { return p.comments >= 2; }, absl::Seconds(5)))
      << idle.text();
  EXPECT_EQ(idle.status(), 200);
  EXPECT_TRUE(idle.parsed().events.empty());
  idle.Close();

  Seed(*inventory_, 3, 100);
  for (int i = 0; i < 3; ++i) Place(absl::StrCat("r-", i), "carol", 3, 1);
  // Retention, as the order service's sweep does it: the oldest events go.
  // (The sweep deletes only events older than hours, long out of the
  // service's in-memory window; a restart empties the window here.)
  ASSERT_TRUE(stack_->orders_database().Execute("DELETE FROM order_events WHERE event_id <= 2").ok());
  ASSERT_TRUE(stack_->Kill(LocalStack::Role::kOrders).ok());
  ASSERT_TRUE(stack_->Restart(LocalStack::Role::kOrders).ok());
  HttpResult gone = HttpCall(Url("/v1/events?after=0"));
  EXPECT_EQ(gone.status, 410) << gone.body;
  EXPECT_NE(gone.body.find("\"code\":11"), std::string::npos) << gone.body;
  HttpResult kept = HttpCall(Url("/v1/events?after=2"), {.timeout = absl::Milliseconds(800)});
  EXPECT_EQ(kept.status, 200) << "from the oldest kept event on, the stream starts";
}

TEST_F(GatewayE2ETest, ABrowserThatLeavesEndsItsUpstreamStream) {
  ASSERT_EQ(OrderServiceStreams(), 0);
  {
    SseStream stream(Url("/v1/events"), {});
    ASSERT_TRUE(stream.WaitFor([](const SseParse&) { return true; }, absl::Seconds(1)));
    const absl::Time deadline = absl::Now() + absl::Seconds(5);
    while (OrderServiceStreams() != 1 && absl::Now() < deadline) absl::SleepFor(absl::Milliseconds(20));
    EXPECT_EQ(OrderServiceStreams(), 1);
    stream.Close();
  }
  const absl::Time deadline = absl::Now() + absl::Seconds(5);
  while (OrderServiceStreams() != 0 && absl::Now() < deadline) absl::SleepFor(absl::Milliseconds(20));
  EXPECT_EQ(OrderServiceStreams(), 0) << "the upstream WatchOrders call was cancelled";
  const std::string gateway = ScrapeMetrics(stack_->gateway_metrics_address());
  EXPECT_EQ(Sample(gateway, "ordersaga_gateway_upstream_streams_cancelled_total"), 1);
  EXPECT_EQ(Sample(gateway, "ordersaga_gateway_event_streams"), 0);
}

TEST_F(GatewayE2ETest, HostileHttpGetsAClear4xxNamingTheFieldAndWritesNothing) {
  Seed(*inventory_, 4, 100);
  const std::string good = R"({"customerId":"eve","items":[{"productId":"4","quantity":1}]})";
  struct Case {
    std::string name;
    HttpCallOptions options;
    long status;
    std::string names;
  };
  std::vector<Case> cases;
  cases.push_back({"oversized body",
                   {.method = "POST", .headers = {"Content-Type: application/json"},
                    .body = absl::StrCat(R"({"customerId":")", std::string(100000, 'x'), R"("})")},
                   413, "body: larger than"});
  cases.push_back({"bad JSON",
                   {.method = "POST", .headers = {"Content-Type: application/json"}, .body = "{"},
                   400, "body:"});
  cases.push_back({"unknown field",
                   {.method = "POST", .headers = {"Content-Type: application/json"},
                    .body = R"({"items":[{"productId":"4","quantity":1}],"coupon":"FREE"})"},
                   400, "coupon"});
  cases.push_back({"wrong content type",
                   {.method = "POST", .headers = {"Content-Type: text/plain"}, .body = good},
                   415, "Content-Type:"});
  cases.push_back({"bad quantity",
                   {.method = "POST",
                    .headers = {"Content-Type: application/json", "Idempotency-Key: q"},
                    .body = R"({"items":[{"productId":"4","quantity":0}]})"},
                   400, "quantity"});
  cases.push_back({"oversized headers",
                   {.method = "POST",
                    .headers = {"Content-Type: application/json",
                                "X-Padding: " + std::string(20000, 'p')},
                    .body = good},
                   431, "headers:"});
  for (const Case& c : cases) {
    HttpResult result = HttpCall(Url("/v1/orders"), c.options);
    EXPECT_EQ(result.status, c.status) << c.name << ": " << result.body << result.error;
    EXPECT_NE(result.body.find(c.names), std::string::npos) << c.name << ": " << result.body;
    EXPECT_NE(result.body.find("\"details\":[]"), std::string::npos) << c.name;
  }
  // A client that sends its headers one byte a second.
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_port = htons(std::stoi(stack_->gateway_address().substr(10)));
  inet_pton(AF_INET, "127.0.0.1", &address.sin_addr);
  const int fd = socket(AF_INET, SOCK_STREAM, 0);
  ASSERT_EQ(connect(fd, reinterpret_cast<sockaddr*>(&address), sizeof(address)), 0);
  const std::string slow = "POST /v1/orders HTTP/1.1\r\nHost: x\r\n";
  const absl::Time start = absl::Now();
  std::string answer;
  for (char c : slow) {
    if (send(fd, &c, 1, MSG_NOSIGNAL) != 1) break;
    absl::SleepFor(absl::Milliseconds(250));
    char buffer[4096];
    timeval no_wait{0, 1000};
    setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &no_wait, sizeof(no_wait));
    const ssize_t n = recv(fd, buffer, sizeof(buffer), 0);
    if (n > 0) {
      answer.assign(buffer, n);
      break;
    }
  }
  close(fd);
  EXPECT_LT(absl::Now() - start, absl::Seconds(5));
  EXPECT_NE(answer.find("HTTP/1.1 408"), std::string::npos) << answer;
  EXPECT_NE(answer.find("request: not received within"), std::string::npos) << answer;
  EXPECT_EQ(TotalOrders(), 0) << "nothing was written for any of them";
}

TEST_F(GatewayE2ETest, SigtermEndsStreamsRefusesNewOnesAndExitsZero) {
  SseStream open(Url("/v1/events"), {});
  ASSERT_TRUE(open.WaitFor([](const SseParse& p) { return !p.retry.empty(); }, absl::Seconds(5)));
  // A keep-alive connection that will ask for a stream during the drain.
  ASSERT_TRUE(stack_->Signal(LocalStack::Role::kGateway, 0, SIGTERM).ok());
  absl::SleepFor(absl::Milliseconds(100));
  HttpResult during = HttpCall(Url("/v1/events"), {.timeout = absl::Seconds(3)});
  EXPECT_NE(during.status, 200) << "no stream starts while the gateway drains";
  absl::StatusOr<int> exited =
      stack_->WaitForExit(LocalStack::Role::kGateway, 0, absl::Seconds(20));
  ASSERT_TRUE(exited.ok()) << exited.status();
  EXPECT_EQ(*exited, 0) << "exit status (ASan reports leaks and use-after-free as non-zero)";
  ASSERT_TRUE(open.WaitForEnd(absl::Seconds(5)));
  EXPECT_TRUE(open.ended_cleanly()) << "the open stream was ended with its last chunk";
  ASSERT_TRUE(stack_->Restart(LocalStack::Role::kGateway).ok());
}

TEST_F(GatewayE2ETest, ReadEndpointsAndCorsOff) {
  Seed(*inventory_, 5, 7);
  HttpResult product = HttpCall(Url("/v1/products/5"));
  ASSERT_EQ(product.status, 200) << product.body;
  EXPECT_EQ(FromJson<inventory::v1::Product>(product.body).stock(), 7);
  EXPECT_NE(product.body.find(R"("productId":"5")"), std::string::npos) << "int64 as string";
  HttpResult list = HttpCall(Url("/v1/products?pageSize=10"));
  EXPECT_EQ(list.status, 200);
  EXPECT_EQ(HttpCall(Url("/v1/products/999")).status, 404);
  HttpResult orders = HttpCall(Url("/v1/orders?status=APPROVED&pageSize=5"));
  EXPECT_EQ(orders.status, 200) << orders.body;
  EXPECT_EQ(HttpCall(Url("/healthz")).status, 200);
  EXPECT_EQ(HttpCall(Url("/readyz")).status, 200);
  HttpResult page = HttpCall(Url("/"));
  EXPECT_EQ(page.status, 200);
  EXPECT_EQ(page.headers["content-type"], "text/html; charset=utf-8");
  // CORS off: no Access-Control header for any origin; preflights refused.
  HttpResult cross = HttpCall(Url("/v1/products/5"), {.headers = {"Origin: https://evil.example"}});
  EXPECT_EQ(cross.headers.count("access-control-allow-origin"), 0u);
  HttpResult preflight =
      HttpCall(Url("/v1/orders"), {.method = "OPTIONS",
                                   .headers = {"Origin: https://evil.example",
                                               "Access-Control-Request-Method: POST"}});
  EXPECT_EQ(preflight.status, 403);
  EXPECT_EQ(preflight.headers.count("access-control-allow-origin"), 0u);
}

class GatewayAuthE2ETest : public GatewayTest {
 protected:
  static void SetUpTestSuite() {
    LocalStack::Options options;
    options.gateway = true;
    options.auth_key = kKey;
    options.gateway_flags = {"--cors_allowed_origins=https://shop.example",
                             "--max_streams=3", "--max_streams_per_customer=2"};
    StartStack(std::move(options));
  }
  void SetUp() override {
    GatewayTest::SetUp();
    const std::string admin = stack_->admin_token();
    inventory_ = inventory::v1::InventoryService::NewStub(CreateChannelWithToken(
        stack_->inventory_address(), grpc::InsecureChannelCredentials(), admin));
    orders_ = order::v1::OrderService::NewStub(CreateChannelWithToken(
        stack_->order_address(), grpc::InsecureChannelCredentials(), admin));
  }
  static std::string Token(const std::string& subject) {
    return Authenticator(kKey, RealClock()).Mint(subject, order_saga::Role::kCustomer,
                                                 absl::Hours(1));
  }
};

TEST_F(GatewayAuthE2ETest, TokensCookiesAndAnotherCustomersOrder) {
  Seed(*inventory_, 6, 100);
  const std::string alice = Token("alice");
  const std::string bob = Token("bob");
  // No token: 401, nothing written.
  HttpResult anonymous =
      HttpCall(Url("/v1/orders"), {.method = "POST",
                                   .headers = {"Content-Type: application/json"},
                                   .body = R"({"items":[{"productId":"6","quantity":1}]})"});
  EXPECT_EQ(anonymous.status, 401) << anonymous.body;
  EXPECT_NE(anonymous.body.find("Authorization:"), std::string::npos);
  EXPECT_EQ(HttpCall(Url("/v1/events")).status, 401);
  EXPECT_EQ(HttpCall(Url("/v1/orders?access_token=" + alice)).status, 400)
      << "a token in the URL is never accepted";
  EXPECT_EQ(TotalOrders(), 0);

  const saga::v1::PlaceOrderResponse placed =
      Place("alice-1", "", 6, 1, {"Authorization: Bearer " + alice});
  ASSERT_EQ(placed.status(), order::v1::ORDER_STATUS_APPROVED) << placed.detail();
  HttpResult own = HttpCall(Url("/v1/orders/" + placed.order_id()),
                            {.headers = {"Authorization: Bearer " + alice}});
  EXPECT_EQ(own.status, 200);
  EXPECT_EQ(FromJson<order::v1::Order>(own.body).customer_id(), "alice");
  // Bob learns nothing of alice's order: 404, on the read and the stream.
  HttpResult foreign = HttpCall(Url("/v1/orders/" + placed.order_id()),
                                {.headers = {"Authorization: Bearer " + bob}});
  EXPECT_EQ(foreign.status, 404) << foreign.body;
  HttpResult foreign_stream = HttpCall(Url("/v1/orders/" + placed.order_id() + "/events"),
                                       {.headers = {"Authorization: Bearer " + bob}});
  EXPECT_EQ(foreign_stream.status, 404) << foreign_stream.body;
  // Word for word what an id nobody has gets: bob cannot tell them apart.
  HttpResult missing = HttpCall(Url("/v1/orders/no-such-order"),
                                {.headers = {"Authorization: Bearer " + bob}});
  EXPECT_EQ(missing.status, 404);
  EXPECT_EQ(foreign.body, missing.body);
  HttpResult missing_stream = HttpCall(Url("/v1/orders/no-such-order/events"),
                                       {.headers = {"Authorization: Bearer " + bob}});
  EXPECT_EQ(foreign_stream.body, missing_stream.body);

  // The session cookie: set from the bearer token, accepted on GET only.
  HttpResult session = HttpCall(Url("/v1/session"),
                                {.method = "POST", .headers = {"Authorization: Bearer " + alice}});
  ASSERT_EQ(session.status, 200) << session.body;
  const std::string cookie = session.headers["set-cookie"];
  EXPECT_NE(cookie.find("ordersaga_session="), std::string::npos);
  EXPECT_NE(cookie.find("HttpOnly"), std::string::npos);
  EXPECT_NE(cookie.find("SameSite=Strict"), std::string::npos);
  EXPECT_EQ(cookie.find("Secure"), std::string::npos) << "plain HTTP here";
  const std::string pair = cookie.substr(0, cookie.find(';'));
  SseStream stream(Url("/v1/orders/" + placed.order_id() + "/events"),
                   {.headers = {"Cookie: " + pair}});
  ASSERT_TRUE(stream.WaitForEnd(absl::Seconds(10)));
  EXPECT_TRUE(stream.ended_cleanly());
  EXPECT_EQ(stream.status(), 200);
  ASSERT_FALSE(stream.parsed().events.empty());
  HttpResult cookie_post =
      HttpCall(Url("/v1/orders"), {.method = "POST",
                                   .headers = {"Content-Type: application/json", "Cookie: " + pair},
                                   .body = R"({"items":[{"productId":"6","quantity":1}]})"});
  EXPECT_EQ(cookie_post.status, 401) << "the cookie is not accepted on POST (CSRF)";
  HttpResult over_tls = HttpCall(Url("/v1/session"),
                                 {.method = "POST",
                                  .headers = {"Authorization: Bearer " + alice,
                                              "X-Forwarded-Proto: https"}});
  EXPECT_NE(over_tls.headers["set-cookie"].find("Secure"), std::string::npos);
  EXPECT_EQ(TotalOrders(), 1);
}

TEST_F(GatewayAuthE2ETest, StreamLimitsPerCustomerAndInAllAnswer429) {
  auto open = [&](const std::string& token) {
    return std::make_unique<SseStream>(
        Url("/v1/events"), HttpCallOptions{.headers = {"Authorization: Bearer " + token}});
  };
  auto opened = [](SseStream& stream) {
    return stream.WaitFor([](const SseParse& p) { return !p.retry.empty(); }, absl::Seconds(5));
  };
  const std::string alice = Token("alice"), bob = Token("bob"), carol = Token("carol");
  auto a1 = open(alice), a2 = open(alice);
  ASSERT_TRUE(opened(*a1) && opened(*a2));
  HttpResult third = HttpCall(Url("/v1/events"), {.headers = {"Authorization: Bearer " + alice}});
  EXPECT_EQ(third.status, 429) << third.body;
  EXPECT_NE(third.body.find("--max_streams_per_customer"), std::string::npos) << third.body;
  auto b1 = open(bob);
  ASSERT_TRUE(opened(*b1)) << "another customer still gets one";
  HttpResult over = HttpCall(Url("/v1/events"), {.headers = {"Authorization: Bearer " + carol}});
  EXPECT_EQ(over.status, 429) << over.body;
  EXPECT_NE(over.body.find("--max_streams)"), std::string::npos) << over.body;
  // A slot comes back when its browser leaves.
  a1->Close();
  const absl::Time deadline = absl::Now() + absl::Seconds(5);
  std::unique_ptr<SseStream> c1;
  while (absl::Now() < deadline) {
    c1 = open(carol);
    if (opened(*c1) && c1->status() == 200) break;
    c1.reset();
    absl::SleepFor(absl::Milliseconds(100));
  }
  EXPECT_NE(c1, nullptr) << "the slot alice's closed stream held was freed";
}

TEST_F(GatewayAuthE2ETest, CorsOnlyForTheConfiguredOrigin) {
  HttpResult preflight =
      HttpCall(Url("/v1/orders"), {.method = "OPTIONS",
                                   .headers = {"Origin: https://shop.example",
                                               "Access-Control-Request-Method: POST"}});
  EXPECT_EQ(preflight.status, 204);
  EXPECT_EQ(preflight.headers["access-control-allow-origin"], "https://shop.example");
  EXPECT_NE(preflight.headers["access-control-allow-headers"].find("Idempotency-Key"),
            std::string::npos);
  HttpResult other =
      HttpCall(Url("/v1/orders"), {.method = "OPTIONS",
                                   .headers = {"Origin: https://shop.example.evil",
                                               "Access-Control-Request-Method: POST"}});
  EXPECT_EQ(other.status, 403);
  HttpResult get = HttpCall(Url("/healthz"), {.headers = {"Origin: https://shop.example"}});
  EXPECT_EQ(get.headers["access-control-allow-origin"], "https://shop.example");
  EXPECT_EQ(get.headers["vary"], "Origin");
}

}  // namespace
}  // namespace order_saga::testing

namespace order_saga::testing {
namespace {

// edge/nginx.conf.in rendered for this test and run by Debian's nginx.
class Edge {
 public:
  static std::unique_ptr<Edge> Start(const std::string& gateway) {
    auto edge = std::unique_ptr<Edge>(new Edge());
    char folder[] = "/tmp/ordersaga-edge-XXXXXX";
    if (mkdtemp(folder) == nullptr) return nullptr;
    edge->dir_ = folder;
    if (system(absl::StrCat(PROJECT_SOURCE_DIR, "/scripts/tls-certs ", edge->dir_,
                            "/tls > /dev/null").c_str()) != 0) {
      return nullptr;
    }
    for (int attempt = 0; attempt < 5; ++attempt) {
      edge->port_ = UnusedLoopbackPort();
      const std::string render = absl::StrCat(
          "sed -e 's|@PREFIX@|", edge->dir_, "|g' -e 's|@GATEWAY@|", gateway,
          "|g' -e 's|@LISTEN@|127.0.0.1:", edge->port_, "|g' -e 's|@CERT@|", edge->dir_,
          "/tls/http-gateway.pem|g' -e 's|@KEY@|", edge->dir_, "/tls/http-gateway.key|g' ",
          PROJECT_SOURCE_DIR, "/edge/nginx.conf.in > ", edge->dir_, "/nginx.conf");
      if (system(render.c_str()) != 0) return nullptr;
      if (system(absl::StrCat("nginx -e ", edge->dir_, "/error.log -p ", edge->dir_, " -c ",
                              edge->dir_, "/nginx.conf").c_str()) == 0) {
        edge->running_ = true;
        return edge;
      }
    }
    return nullptr;
  }
  ~Edge() {
    if (running_) {
      (void)system(absl::StrCat("nginx -e ", dir_, "/error.log -p ", dir_, " -c ", dir_,
                                "/nginx.conf -s stop").c_str());
    }
    absl::SleepFor(absl::Milliseconds(100));
    std::error_code ignored;
    std::filesystem::remove_all(dir_, ignored);
  }
  std::string url(const std::string& path) const {
    return absl::StrCat("https://127.0.0.1:", port_, path);
  }
  std::string ca_file() const { return dir_ + "/tls/ca.pem"; }

 private:
  Edge() = default;
  std::string dir_;
  int port_ = 0;
  bool running_ = false;
};

class GatewayEdgeE2ETest : public GatewayTest {
 protected:
  static void SetUpTestSuite() {
    LocalStack::Options options;
    options.gateway = true;
    StartStack(std::move(options));
  }
};

TEST_F(GatewayEdgeE2ETest, ThroughTheNginxEdgeOverHttp2AnEventArrivesAtOnce) {
  ASSERT_EQ(system("command -v nginx > /dev/null"), 0)
      << "Debian's nginx is not installed (scripts/test installs nginx-core)";
  std::unique_ptr<Edge> edge = Edge::Start(stack_->gateway_address());
  ASSERT_NE(edge, nullptr) << "nginx did not start";
  HttpCallOptions h2;
  h2.http2 = true;
  h2.ca_file = edge->ca_file();
  HttpResult health = HttpCall(edge->url("/healthz"), h2);
  ASSERT_EQ(health.status, 200) << health.error << health.body;
  EXPECT_EQ(health.http_version, CURL_HTTP_VERSION_2_0) << "HTTP/2 to the browser";

  Seed(*inventory_, 8, 100);
  SseStream stream(edge->url("/v1/events"), h2);
  ASSERT_TRUE(stream.WaitFor([](const SseParse& p) { return !p.retry.empty(); }, absl::Seconds(10)))
      << "the stream's opening came through: " << stream.text();
  EXPECT_EQ(stream.headers()["content-type"], "text/event-stream");
  std::vector<double> latencies_ms;
  size_t seen = 0;
  for (int i = 0; i < 5; ++i) {
    Place(absl::StrCat("edge-", i), "dora", 8, 1);
    ASSERT_TRUE(stream.WaitFor([&](const SseParse& p) { return p.events.size() >= seen + 2; },
                               absl::Seconds(5)))
        << "order " << i << "'s two events did not arrive: " << stream.text();
    const std::vector<absl::Time> arrivals = stream.event_arrivals();
    const SseParse parse = stream.parsed();
    // The order's final event is the last to arrive: its commit to the
    // arrival of the last chunk (the PENDING event's would include the saga).
    const order::v1::Order order = FromJson<order::v1::Order>(parse.events.back().data);
    ASSERT_TRUE(IsFinal(order)) << parse.events.back().data;
    const absl::Time committed = absl::FromUnixSeconds(order.update_time().seconds()) +
                                 absl::Nanoseconds(order.update_time().nanos());
    latencies_ms.push_back(absl::ToDoubleMilliseconds(arrivals.back() - committed));
    seen = parse.events.size();
  }
  std::sort(latencies_ms.begin(), latencies_ms.end());
  const double median = latencies_ms[latencies_ms.size() / 2];
  // Buffered, an event would wait for a proxy buffer to fill or the next
  // heartbeat (seconds); unbuffered it arrives in milliseconds.
  EXPECT_LT(median, 100) << "commit-to-browser median " << median << " ms";
  EXPECT_LT(latencies_ms.back(), 1000) << "slowest " << latencies_ms.back() << " ms";
  RecordProperty("edge_event_latency_median_ms", std::to_string(median));
}

}  // namespace
}  // namespace order_saga::testing
