// Bearer tokens and authorization against the three real binaries, with TLS
// and authentication both on (as in Kubernetes): missing, forged, expired,
// tampered and alg-"none" tokens are UNAUTHENTICATED; a customer places
// orders as themself and reads and watches only their own; only an admin
// upserts products; every denial writes nothing and is counted.
#include <stdlib.h>
#include <sys/wait.h>

#include <filesystem>
#include <fstream>
#include <sstream>
#include <thread>

#include <grpcpp/grpcpp.h>
#include <gtest/gtest.h>

#include "absl/strings/escaping.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_replace.h"
#include "absl/strings/str_split.h"
#include "audit/stock_audit.h"
#include "common/auth/authenticator.h"
#include "common/auth/bearer_token_channel.h"
#include "tests/e2e/concurrent_orders.h"
#include "tests/e2e/metrics_scrape.h"
#include "tests/e2e/stack_test.h"

namespace order_saga::testing {
namespace {

constexpr char kKey[] = "e2e-auth-key-of-at-least-thirty-two-bytes";

class AuthE2ETest : public StackTest {
 protected:
  static void SetUpTestSuite() {
    LocalStack::Options options;
    options.tls = true;
    options.auth_key = kKey;
    StartStack(std::move(options));
  }

  static std::string Token(const std::string& subject, Role role,
                           absl::Duration ttl = absl::Hours(1), const std::string& key = kKey) {
    return Authenticator(key, RealClock()).Mint(subject, role, ttl);
  }
  // A client verifying the servers with the stack's CA, presenting no
  // certificate (the coordinator and order reads), or the operator's.
  static std::shared_ptr<grpc::Channel> Channel(const std::string& address,
                                                const std::string& token,
                                                bool operator_cert = false) {
    return CreateChannelWithToken(
        address, TlsCredentials(stack_->tls_dir(), operator_cert ? "operator" : ""), token);
  }
  static grpc::Status Place(const std::string& token, const std::string& request_id,
                            const std::string& customer_id,
                            saga::v1::PlaceOrderResponse* response) {
    saga::v1::PlaceOrderRequest request;
    request.set_request_id(request_id);
    request.set_customer_id(customer_id);
    common::v1::LineItem* item = request.add_items();
    item->set_product_id(7);
    item->set_quantity(1);
    grpc::ClientContext context;
    context.set_deadline(In(absl::Seconds(30)));
    return saga::v1::SagaCoordinator::NewStub(Channel(stack_->saga_address(), token))
        ->PlaceOrder(&context, request, response);
  }
  static grpc::Status Upsert(const std::string& token, int64_t id, int64_t stock) {
    inventory::v1::Product product, stored;
    product.set_product_id(id);
    product.set_name(absl::StrCat("product ", id));
    product.set_price(100);
    product.set_stock(stock);
    grpc::ClientContext context;
    context.set_deadline(In(absl::Seconds(10)));
    return inventory::v1::InventoryService::NewStub(
               Channel(stack_->inventory_address(), token, /*operator_cert=*/true))
        ->UpsertProduct(&context, product, &stored);
  }
  static int64_t TotalOrders() {
    order::v1::CountOrdersRequest request;
    order::v1::CountOrdersResponse response;
    grpc::ClientContext context;
    context.set_deadline(In(absl::Seconds(10)));
    grpc::Status status =
        order::v1::OrderService::NewStub(Channel(stack_->order_address(), stack_->admin_token(),
                                                 /*operator_cert=*/true))
            ->CountOrders(&context, request, &response);
    EXPECT_TRUE(status.ok()) << status.error_message();
    return response.total();
  }

};

TEST_F(AuthE2ETest, MissingForgedExpiredTamperedOrUnsignedTokensAreUnauthenticated) {
  ASSERT_TRUE(Upsert(stack_->admin_token(), 7, 100).ok());
  const int64_t before = TotalOrders();
  const std::string good = Token("alice", Role::kCustomer);
  std::vector<std::string> parts = absl::StrSplit(good, '.');
  ASSERT_EQ(parts.size(), 3u);
  // The payload re-signed by nobody: claims bob, keeps alice's signature.
  std::string payload;
  ASSERT_TRUE(absl::WebSafeBase64Unescape(parts[1], &payload));
  const std::string tampered = absl::StrCat(
      parts[0], ".", absl::WebSafeBase64Escape(absl::StrReplaceAll(payload, {{"alice", "bobby"}})),
      ".", parts[2]);
  const std::string unsigned_token =
      absl::StrCat(absl::WebSafeBase64Escape(R"({"alg":"none","typ":"JWT"})"), ".", parts[1], ".");
  const std::vector<std::pair<std::string, std::string>> bad = {
      {"no token", ""},
      {"forged (another key)", Token("alice", Role::kCustomer, absl::Hours(1),
                                     "another-key-of-at-least-thirty-two-bytes!")},
      {"expired", Token("alice", Role::kCustomer, -absl::Minutes(1))},
      {"tampered", tampered},
      {"alg none", unsigned_token},
      {"garbage", "not.a.token"}};
  for (const auto& [what, token] : bad) {
    SCOPED_TRACE(what);
    saga::v1::PlaceOrderResponse response;
    grpc::Status status = Place(token, "bad-token-" + what, "", &response);
    EXPECT_EQ(status.error_code(), grpc::StatusCode::UNAUTHENTICATED) << status.error_message();
    EXPECT_TRUE(absl::StartsWith(status.error_message(), "authorization")) << status.error_message();
  }
  EXPECT_EQ(TotalOrders(), before);  // nothing written
  EXPECT_GE(Sample(ScrapeMetrics(stack_->saga_metrics_address()),
                   R"(ordersaga_auth_denials_total{code="UNAUTHENTICATED"})"),
            static_cast<double>(bad.size()));
}

TEST_F(AuthE2ETest, CustomerIdComesFromTheTokenAndCustomersSeeOnlyTheirOwnOrders) {
  ASSERT_TRUE(Upsert(stack_->admin_token(), 7, 100).ok());
  const std::string alice = Token("alice", Role::kCustomer);
  const std::string bob = Token("bob", Role::kCustomer);
  saga::v1::PlaceOrderResponse placed;
  ASSERT_TRUE(Place(alice, "alice-1", "", &placed).ok());
  ASSERT_EQ(placed.status(), order::v1::ORDER_STATUS_APPROVED);
  // Acting for someone else is refused and writes nothing.
  const int64_t before = TotalOrders();
  saga::v1::PlaceOrderResponse impostor;
  grpc::Status as_bob = Place(alice, "alice-as-bob", "bob", &impostor);
  EXPECT_EQ(as_bob.error_code(), grpc::StatusCode::PERMISSION_DENIED) << as_bob.error_message();
  EXPECT_EQ(TotalOrders(), before);

  auto orders_as = [](const std::string& token) {
    return order::v1::OrderService::NewStub(Channel(stack_->order_address(), token, true));
  };
  order::v1::GetOrderRequest get;
  get.set_order_id(placed.order_id());
  order::v1::Order order;
  {
    grpc::ClientContext context;
    ASSERT_TRUE(orders_as(alice)->GetOrder(&context, get, &order).ok());
    EXPECT_EQ(order.customer_id(), "alice");  // from the token
  }
  {
    grpc::ClientContext context;
    grpc::Status status = orders_as(bob)->GetOrder(&context, get, &order);
    EXPECT_EQ(status.error_code(), grpc::StatusCode::PERMISSION_DENIED) << status.error_message();
  }
  {
    order::v1::WatchOrderRequest watch;
    watch.set_order_id(placed.order_id());
    grpc::ClientContext context;
    context.set_deadline(In(absl::Seconds(10)));
    auto reader = orders_as(bob)->WatchOrder(&context, watch);
    order::v1::OrderEvent event;
    EXPECT_FALSE(reader->Read(&event));
    EXPECT_EQ(reader->Finish().error_code(), grpc::StatusCode::PERMISSION_DENIED);
  }
  {
    // Alice's own watch gets her order's final event.
    order::v1::WatchOrderRequest watch;
    watch.set_order_id(placed.order_id());
    grpc::ClientContext context;
    context.set_deadline(In(absl::Seconds(10)));
    auto reader = orders_as(alice)->WatchOrder(&context, watch);
    std::vector<order::v1::OrderEvent> events;
    for (order::v1::OrderEvent event; reader->Read(&event);) events.push_back(event);
    EXPECT_TRUE(reader->Finish().ok());
    ASSERT_EQ(events.size(), 1u);
    EXPECT_EQ(events[0].order().order_id(), placed.order_id());
    EXPECT_EQ(events[0].order().status(), order::v1::ORDER_STATUS_APPROVED);
  }
  {
    order::v1::ListOrdersRequest list;
    list.set_customer_id("alice");
    order::v1::ListOrdersResponse listed;
    grpc::ClientContext context;
    EXPECT_EQ(orders_as(bob)->ListOrders(&context, list, &listed).error_code(),
              grpc::StatusCode::PERMISSION_DENIED);
  }
  {
    order::v1::ListOrdersRequest list;  // no filter: bob's own only
    order::v1::ListOrdersResponse listed;
    grpc::ClientContext context;
    ASSERT_TRUE(orders_as(bob)->ListOrders(&context, list, &listed).ok());
    for (const auto& o : listed.orders()) EXPECT_EQ(o.customer_id(), "bob");
  }
  {
    grpc::ClientContext context;  // an admin reads anyone's
    EXPECT_TRUE(orders_as(stack_->admin_token())->GetOrder(&context, get, &order).ok());
  }
}

// Issue 13, defect 1, with tokens on: bob's use of alice's request id is
// his own key. He was answered with alice's order before (nothing compared
// the customer on a key hit).
TEST_F(AuthE2ETest, ARequestIdIsScopedToTheTokensCustomer) {
  ASSERT_TRUE(Upsert(stack_->admin_token(), 7, 100).ok());
  const std::string alice = Token("alice", Role::kCustomer);
  const std::string bob = Token("bob", Role::kCustomer);
  saga::v1::PlaceOrderResponse hers, his;
  ASSERT_TRUE(Place(alice, "their-key", "", &hers).ok());
  ASSERT_TRUE(Place(bob, "their-key", "", &his).ok());
  ASSERT_EQ(his.status(), order::v1::ORDER_STATUS_APPROVED) << his.DebugString();
  EXPECT_NE(his.order_id(), hers.order_id());
  // Looked up by request id, each customer finds their own order.
  auto by_key = [](const std::string& token, order::v1::Order* order) {
    order::v1::GetOrderRequest get;
    get.set_request_id("their-key");
    grpc::ClientContext context;
    context.set_deadline(In(absl::Seconds(10)));
    return order::v1::OrderService::NewStub(Channel(stack_->order_address(), token, true))
        ->GetOrder(&context, get, order);
  };
  order::v1::Order order;
  ASSERT_TRUE(by_key(bob, &order).ok());
  EXPECT_EQ(order.order_id(), his.order_id());
  EXPECT_EQ(order.customer_id(), "bob");
  ASSERT_TRUE(by_key(alice, &order).ok());
  EXPECT_EQ(order.order_id(), hers.order_id());
}

// Issue 13, defect 4: the operator's certificate with an admin token used to
// reach the saga's steps: a Release of an APPROVED order's reservation, or
// an ApproveOrder of an order that holds none, oversold stock. Only the
// coordinator's identity calls them now; each refusal writes nothing.
TEST_F(AuthE2ETest, AnOperatorCannotReleaseAnApprovedOrdersReservation) {
  ASSERT_TRUE(Upsert(stack_->admin_token(), 9, 10).ok());
  saga::v1::PlaceOrderRequest request;
  request.set_request_id("held-by-approval");
  common::v1::LineItem* item = request.add_items();
  item->set_product_id(9);
  item->set_quantity(4);
  saga::v1::PlaceOrderResponse placed;
  {
    grpc::ClientContext context;
    context.set_deadline(In(absl::Seconds(30)));
    ASSERT_TRUE(saga::v1::SagaCoordinator::NewStub(
                    Channel(stack_->saga_address(), Token("erin", Role::kCustomer)))
                    ->PlaceOrder(&context, request, &placed)
                    .ok());
  }
  ASSERT_EQ(placed.status(), order::v1::ORDER_STATUS_APPROVED);
  inventory::v1::ReleaseRequest release;
  release.set_order_id(placed.order_id());
  inventory::v1::ReleaseResponse released;
  grpc::ClientContext context;
  context.set_deadline(In(absl::Seconds(10)));
  grpc::Status status = inventory::v1::InventoryService::NewStub(
                            Channel(stack_->inventory_address(), stack_->admin_token(), true))
                            ->Release(&context, release, &released);
  EXPECT_EQ(status.error_code(), grpc::StatusCode::PERMISSION_DENIED) << status.error_message();
  EXPECT_TRUE(absl::StrContains(status.error_message(), "caller 'operator'"))
      << status.error_message();
  inventory::v1::GetProductRequest get;
  get.set_product_id(9);
  inventory::v1::Product product;
  grpc::ClientContext read;
  read.set_deadline(In(absl::Seconds(10)));
  ASSERT_TRUE(inventory::v1::InventoryService::NewStub(
                  Channel(stack_->inventory_address(), stack_->admin_token(), true))
                  ->GetProduct(&read, get, &product)
                  .ok());
  EXPECT_EQ(product.stock(), 6);  // still held by the approved order
  absl::StatusOr<audit::AuditReport> report = AuditStack(*stack_, absl::Seconds(30));
  ASSERT_TRUE(report.ok()) << report.status();
  EXPECT_TRUE(report->clean()) << audit::FormatAuditReport(*report);
}

TEST_F(AuthE2ETest, AnOperatorCannotApproveAnOrderThatHoldsNothing) {
  // A PENDING order with no reservation (as a coordinator leaves it that
  // died right after CreateOrder), written by the test. Its product does not
  // exist, so the recovery sweep can only reject it: APPROVED would be the
  // operator's doing.
  for (const std::string& sql :
       {std::string("INSERT INTO orders (order_id, request_id, customer_id, status) VALUES "
                    "('door-pending', 'door-pending', 'mallory', 'PENDING')"),
        std::string("INSERT INTO order_items (order_pk, product_id, quantity) SELECT id, "
                    "987654, 1 FROM orders WHERE order_id = 'door-pending'")}) {
    ASSERT_TRUE(stack_->orders_database().Execute(sql).ok()) << sql;
  }
  auto orders = order::v1::OrderService::NewStub(
      Channel(stack_->order_address(), stack_->admin_token(), true));
  order::v1::ApproveOrderRequest approve;
  approve.set_order_id("door-pending");
  order::v1::Order approved;
  grpc::ClientContext context;
  context.set_deadline(In(absl::Seconds(10)));
  grpc::Status status = orders->ApproveOrder(&context, approve, &approved);
  EXPECT_EQ(status.error_code(), grpc::StatusCode::PERMISSION_DENIED) << status.error_message();
  order::v1::MarkCompensatingRequest mark;
  mark.set_order_id("door-pending");
  mark.set_reject_reason(order::v1::REJECT_REASON_OUT_OF_STOCK);
  grpc::ClientContext mark_context;
  mark_context.set_deadline(In(absl::Seconds(10)));
  EXPECT_EQ(orders->MarkCompensating(&mark_context, mark, &approved).error_code(),
            grpc::StatusCode::PERMISSION_DENIED);
  order::v1::GetOrderRequest get;
  get.set_order_id("door-pending");
  order::v1::Order order;
  grpc::ClientContext read;
  read.set_deadline(In(absl::Seconds(10)));
  ASSERT_TRUE(orders->GetOrder(&read, get, &order).ok());
  EXPECT_NE(order.status(), order::v1::ORDER_STATUS_APPROVED);
  // Not marked by the operator either (the sweep's compensation would give
  // UNKNOWN_PRODUCT, never the OUT_OF_STOCK the operator asked for).
  EXPECT_NE(order.reject_reason(), order::v1::REJECT_REASON_OUT_OF_STOCK);
}

// A participant with tokens on and no mutual TLS cannot know the
// coordinator: it refuses to start, naming the flag, unless told that the
// steps are open on purpose (--saga_step_callers='*').
TEST_F(AuthE2ETest, AParticipantWithTokensButNoMutualTlsRefusesToStart) {
  const std::string key_file = ::testing::TempDir() + "/saga-step-key";
  std::ofstream(key_file) << kKey;
  for (const char* binary : {INVENTORY_SERVICE_BINARY, ORDER_SERVICE_BINARY}) {
    const std::string command =
        absl::StrCat(binary, " --auth_token_key_file=", key_file,
                     " --mysql_dsn=mysql://nobody@localhost/none --listen_address=127.0.0.1:0 2>&1");
    FILE* pipe = popen(command.c_str(), "r");
    ASSERT_NE(pipe, nullptr);
    std::string output;
    char buffer[4096];
    while (fgets(buffer, sizeof(buffer), pipe) != nullptr) output += buffer;
    const int status = pclose(pipe);
    EXPECT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 2) << binary << ": " << output;
    EXPECT_TRUE(absl::StrContains(output, "--saga_step_callers")) << binary << ": " << output;
  }
}

TEST_F(AuthE2ETest, OnlyAnAdminUpsertsProducts) {
  grpc::Status customer = Upsert(Token("alice", Role::kCustomer), 8, 5);
  EXPECT_EQ(customer.error_code(), grpc::StatusCode::PERMISSION_DENIED) << customer.error_message();
  EXPECT_TRUE(absl::StrContains(customer.error_message(), "admin")) << customer.error_message();
  EXPECT_EQ(Upsert("", 8, 5).error_code(), grpc::StatusCode::UNAUTHENTICATED);
  EXPECT_TRUE(Upsert(Token("ops", Role::kAdmin), 8, 5).ok());
}

// The operators' service: admins only. An admin's ExplainOrder reads the
// order's history and reservation from the services over mutual TLS.
TEST_F(AuthE2ETest, OnlyAnAdminUsesTheSagaAdminService) {
  auto admin_as = [](const std::string& token) {
    return saga::v1::SagaAdmin::NewStub(Channel(stack_->saga_address(), token));
  };
  saga::v1::ListSagasRequest list;
  saga::v1::ListSagasResponse sagas;
  {
    grpc::ClientContext context;
    context.set_deadline(In(absl::Seconds(10)));
    grpc::Status status = admin_as(Token("alice", Role::kCustomer))->ListSagas(&context, list, &sagas);
    EXPECT_EQ(status.error_code(), grpc::StatusCode::PERMISSION_DENIED) << status.error_message();
  }
  {
    grpc::ClientContext context;
    context.set_deadline(In(absl::Seconds(10)));
    EXPECT_EQ(admin_as("")->ListSagas(&context, list, &sagas).error_code(),
              grpc::StatusCode::UNAUTHENTICATED);
  }
  {
    grpc::ClientContext context;
    context.set_deadline(In(absl::Seconds(10)));
    saga::v1::ForceRejectOrderRequest reject;
    reject.set_order_id("whatever");
    reject.set_note("no");
    saga::v1::PlaceOrderResponse response;
    EXPECT_EQ(admin_as(Token("alice", Role::kCustomer))
                  ->ForceRejectOrder(&context, reject, &response)
                  .error_code(),
              grpc::StatusCode::PERMISSION_DENIED);
  }
  ASSERT_TRUE(Upsert(stack_->admin_token(), 21, 5).ok());
  saga::v1::PlaceOrderRequest request;
  request.set_request_id("admin-explained");
  request.set_customer_id("carol");
  common::v1::LineItem* item = request.add_items();
  item->set_product_id(21);
  item->set_quantity(1);
  saga::v1::PlaceOrderResponse placed;
  {
    grpc::ClientContext context;
    context.set_deadline(In(absl::Seconds(30)));
    ASSERT_TRUE(saga::v1::SagaCoordinator::NewStub(
                    Channel(stack_->saga_address(), Token("carol", Role::kCustomer)))
                    ->PlaceOrder(&context, request, &placed)
                    .ok());
  }
  ASSERT_EQ(placed.status(), order::v1::ORDER_STATUS_APPROVED);
  {
    grpc::ClientContext context;
    context.set_deadline(In(absl::Seconds(10)));
    ASSERT_TRUE(admin_as(stack_->admin_token())->ListSagas(&context, list, &sagas).ok());
  }
  saga::v1::ExplainOrderRequest explain;
  explain.set_order_id(placed.order_id());
  saga::v1::OrderTimeline timeline;
  grpc::ClientContext context;
  context.set_deadline(In(absl::Seconds(10)));
  grpc::Status status = admin_as(stack_->admin_token())->ExplainOrder(&context, explain, &timeline);
  ASSERT_TRUE(status.ok()) << status.error_message();
  EXPECT_EQ(timeline.order().status(), order::v1::ORDER_STATUS_APPROVED);
  EXPECT_TRUE(absl::StartsWith(timeline.reservation(), "RESERVATION_OUTCOME_RESERVED"))
      << timeline.DebugString();
  EXPECT_GE(timeline.entries_size(), 3) << timeline.DebugString();
}

TEST_F(AuthE2ETest, ReferenceFlashSaleApprovesExactlyFifteenWithTlsAndAuthOn) {
  ASSERT_TRUE(Upsert(stack_->admin_token(), 4, 30).ok());
  ASSERT_TRUE(Upsert(stack_->admin_token(), 5, 20).ok());
  auto coordinator = saga::v1::SagaCoordinator::NewStub(
      Channel(stack_->saga_address(), Token("flash-buyer", Role::kCustomer)));
  ExpectReferenceFlashSale(*coordinator, *stack_, "auth-flash-");
}

// The coordinator reads orders (the door's request-id lookup, the recovery
// sweep) with no token: its client certificate is trusted
// (--auth_trusted_peers). A retry after a sellout gets its own order back.
TEST_F(AuthE2ETest, CoordinatorReadsOrdersAsATrustedPeerWithoutAToken) {
  // Only this test's part of the suite's shared log counts (other tests
  // provoke denials on purpose).
  const std::uintmax_t log_start =
      std::filesystem::file_size(stack_->LogPath(LocalStack::Role::kOrders));
  ASSERT_TRUE(Upsert(stack_->admin_token(), 7, 1).ok());
  const std::string carol = Token("carol", Role::kCustomer);
  saga::v1::PlaceOrderResponse first, second, retry;
  ASSERT_TRUE(Place(carol, "carol-1", "", &first).ok());
  ASSERT_EQ(first.status(), order::v1::ORDER_STATUS_APPROVED);
  ASSERT_TRUE(Place(carol, "carol-2", "", &second).ok());
  EXPECT_EQ(second.status(), order::v1::ORDER_STATUS_REJECTED);  // sold out
  absl::SleepFor(absl::Milliseconds(50));
  ASSERT_TRUE(Place(carol, "carol-1", "", &retry).ok());
  EXPECT_EQ(retry.order_id(), first.order_id());
  EXPECT_EQ(retry.status(), order::v1::ORDER_STATUS_APPROVED) << retry.DebugString();
  // None of the coordinator's reads was refused by the order service.
  std::ifstream log(stack_->LogPath(LocalStack::Role::kOrders));
  log.seekg(static_cast<std::streamoff>(log_start));
  std::stringstream text;
  text << log.rdbuf();
  EXPECT_FALSE(absl::StrContains(text.str(), "denied ")) << text.str();
}

// scripts/grpcurl/ with a token (ORDERSAGA_TOKEN) and the stack's TLS.
TEST_F(AuthE2ETest, GrpcurlScriptsSendTheToken) {
  ASSERT_TRUE(Upsert(stack_->admin_token(), 7, 10).ok());
  const bool real = std::system("command -v grpcurl >/dev/null 2>&1") == 0;
  auto run = [&](const std::string& token) {
    const std::string command = absl::StrCat(
        "ORDERSAGA_TLS_DIR=", stack_->tls_dir(), " ORDERSAGA_TOKEN='", token,
        "' COORDINATOR_ADDRESS=", stack_->saga_address(),
        " GRPCURL=", real ? "grpcurl" : GRPCURL_STAND_IN_BINARY, " ", PROJECT_SOURCE_DIR,
        "/scripts/grpcurl/place-order grpcurl-dave 7:1 2>&1");
    FILE* pipe = popen(command.c_str(), "r");
    std::string output;
    char buffer[4096];
    while (pipe != nullptr && fgets(buffer, sizeof(buffer), pipe) != nullptr) output += buffer;
    const int status = pipe == nullptr ? -1 : pclose(pipe);
    return std::make_pair(status, output);
  };
  auto [refused_status, refused] = run("");
  EXPECT_NE(refused_status, 0);
  EXPECT_TRUE(absl::StrContains(refused, "authorization")) << refused;
  auto [ok_status, placed] = run(Token("dave", Role::kCustomer));
  EXPECT_EQ(ok_status, 0) << placed;
  EXPECT_TRUE(absl::StrContains(placed, "ORDER_STATUS_APPROVED")) << placed;
}

// Secrets never show in a server's log, whatever was denied: not the token
// key, not a token, not a database password.
TEST_F(AuthE2ETest, TheKeyAndTokensNeverAppearInTheLogs) {
  const std::string token = Token("alice", Role::kCustomer);
  saga::v1::PlaceOrderResponse response;
  (void)Place(token, "log-check", "mallory", &response);  // denied: logged
  (void)Place("forged." + token, "log-check-2", "", &response);
  for (LocalStack::Role role : {LocalStack::Role::kCoordinator, LocalStack::Role::kOrders,
                                LocalStack::Role::kInventory}) {
    std::ifstream log(stack_->LogPath(role));
    std::stringstream text;
    text << log.rdbuf();
    EXPECT_FALSE(absl::StrContains(text.str(), kKey)) << stack_->LogPath(role);
    // Nor the database passwords (each DSN is logged redacted).
    for (MysqlTestDatabase* database :
         {&stack_->orders_database(), &stack_->inventory_database()}) {
      EXPECT_FALSE(absl::StrContains(text.str(), "pw_" + database->schema()))
          << stack_->LogPath(role);
    }
    EXPECT_FALSE(absl::StrContains(text.str(), token.substr(token.rfind('.') + 1)))
        << stack_->LogPath(role);
  }
}

}  // namespace
}  // namespace order_saga::testing
