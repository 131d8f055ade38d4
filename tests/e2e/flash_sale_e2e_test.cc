// The reference flash sale and the public contract, against the three real
// binaries on loopback and the test MariaDB.
#include <thread>

#include <grpcpp/grpcpp.h>
#include <gtest/gtest.h>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/synchronization/barrier.h"
#include "grpc/reflection/v1alpha/reflection.grpc.pb.h"
#include "inventory/v1/inventory.grpc.pb.h"
#include "order/v1/order.grpc.pb.h"
#include "saga/v1/saga.grpc.pb.h"
#include "tests/e2e/stack_test.h"

namespace order_saga::testing {
namespace {

const std::string kName4 = "길럭시북 그래파이트 15.6인치 코어 i5 - 512GB";
const std::string kName5 = "김럭시북9 그려파이트 14인치 코어 16GB - 2TB - 인도우11 PRO";

class FlashSaleE2ETest : public StackTest {
 protected:

  // Every test leaves the shared stack in a state that passes the audit.
  void TearDown() override {
    if (stack_ == nullptr) return;
    absl::StatusOr<audit::AuditReport> report = AuditStack(*stack_, absl::Seconds(10));
    ASSERT_TRUE(report.ok()) << report.status();
    EXPECT_TRUE(report->clean()) << audit::FormatAuditReport(*report);
  }

  void Upsert(int64_t id, const std::string& name, int64_t stock) {
    inventory::v1::Product request, response;
    request.set_product_id(id);
    request.set_name(name);
    request.set_price(1000);
    request.set_stock(stock);
    grpc::ClientContext context;
    context.set_deadline(In(absl::Seconds(10)));
    ASSERT_TRUE(inventory_->UpsertProduct(&context, request, &response).ok());
  }

  inventory::v1::Product Product(int64_t id) {
    inventory::v1::GetProductRequest request;
    inventory::v1::Product response;
    request.set_product_id(id);
    grpc::ClientContext context;
    context.set_deadline(In(absl::Seconds(10)));
    grpc::Status status = inventory_->GetProduct(&context, request, &response);
    EXPECT_TRUE(status.ok()) << status.error_message();
    return response;
  }

  order::v1::CountOrdersResponse Count() {
    order::v1::CountOrdersRequest request;
    order::v1::CountOrdersResponse response;
    grpc::ClientContext context;
    context.set_deadline(In(absl::Seconds(10)));
    EXPECT_TRUE(orders_->CountOrders(&context, request, &response).ok());
    return response;
  }

  static saga::v1::PlaceOrderRequest Order(const std::string& request_id,
                                           std::vector<std::pair<int64_t, int32_t>> items) {
    saga::v1::PlaceOrderRequest request;
    request.set_request_id(request_id);
    request.set_customer_id("customer");
    for (auto [product, quantity] : items) {
      auto* item = request.add_items();
      item->set_product_id(product);
      item->set_quantity(quantity);
    }
    return request;
  }

  // An order recorded the way a coordinator records it before dying.
  order::v1::Order CreatePending(const std::string& request_id, int64_t product,
                                 int32_t quantity) {
    order::v1::CreateOrderRequest create;
    create.set_request_id(request_id);
    auto* item = create.add_items();
    item->set_product_id(product);
    item->set_quantity(quantity);
    order::v1::Order created;
    grpc::ClientContext context;
    context.set_deadline(In(absl::Seconds(10)));
    grpc::Status status = orders_->CreateOrder(&context, create, &created);
    EXPECT_TRUE(status.ok()) << status.error_message();
    return created;
  }

  grpc::Status Place(const saga::v1::PlaceOrderRequest& request,
                     saga::v1::PlaceOrderResponse* response) {
    grpc::ClientContext context;
    context.set_deadline(In(absl::Seconds(30)));
    return saga_->PlaceOrder(&context, request, response);
  }

};


TEST_F(FlashSaleE2ETest, ReferenceFlashSaleApprovesExactlyFifteen) {
  Upsert(4, kName4, 30);
  Upsert(5, kName5, 20);
  const order::v1::CountOrdersResponse before = Count();
  constexpr int kOrders = 200;
  std::vector<saga::v1::PlaceOrderResponse> responses(kOrders);
  std::vector<grpc::Status> statuses(kOrders);
  absl::Barrier* start = new absl::Barrier(kOrders);
  std::vector<std::thread> clients;
  for (int i = 0; i < kOrders; ++i) {
    clients.emplace_back([&, i] {
      saga::v1::PlaceOrderRequest request =
          Order("flash-" + std::to_string(i), {{4, 2}, {5, 1}});
      if (start->Block()) delete start;
      statuses[i] = Place(request, &responses[i]);
    });
  }
  for (auto& client : clients) client.join();

  int approved = 0, door = 0, out_of_stock = 0;
  for (int i = 0; i < kOrders; ++i) {
    ASSERT_TRUE(statuses[i].ok()) << statuses[i].error_message();
    const auto& r = responses[i];
    if (r.status() == order::v1::ORDER_STATUS_APPROVED) {
      ++approved;
      EXPECT_FALSE(r.order_id().empty());
    } else {
      ASSERT_EQ(r.status(), order::v1::ORDER_STATUS_REJECTED) << r.DebugString();
      if (r.reject_reason() == order::v1::REJECT_REASON_SOLD_OUT) {
        ++door;
        EXPECT_TRUE(r.order_id().empty());
      } else {
        ASSERT_EQ(r.reject_reason(), order::v1::REJECT_REASON_OUT_OF_STOCK) << r.DebugString();
        ++out_of_stock;
        EXPECT_FALSE(r.order_id().empty());
      }
    }
  }
  EXPECT_EQ(approved, 15);
  EXPECT_EQ(door + out_of_stock, 185);

  const order::v1::CountOrdersResponse after = Count();
  EXPECT_EQ(after.approved() - before.approved(), 15);
  EXPECT_EQ(after.pending(), 0);
  EXPECT_EQ(after.rejected() - before.rejected(), out_of_stock);  // the door writes nothing

  inventory::v1::Product p4 = Product(4), p5 = Product(5);
  EXPECT_EQ(p4.stock(), 0);
  EXPECT_EQ(p4.status(), inventory::v1::PRODUCT_STATUS_SOLD_OUT);
  EXPECT_EQ(p5.stock(), 5);
  EXPECT_EQ(p5.status(), inventory::v1::PRODUCT_STATUS_ON_SALE);
  EXPECT_EQ(p4.name(), kName4);
  EXPECT_EQ(p5.name(), kName5);

  // The approved orders are listed with their items.
  order::v1::ListOrdersRequest list;
  list.set_status(order::v1::ORDER_STATUS_APPROVED);
  list.set_page_size(1000);
  order::v1::ListOrdersResponse listed;
  grpc::ClientContext context;
  ASSERT_TRUE(orders_->ListOrders(&context, list, &listed).ok());
  int bundles = 0;
  for (const auto& order : listed.orders()) {
    if (!absl::StartsWith(order.request_id(), "flash-")) continue;
    ++bundles;
    ASSERT_EQ(order.items_size(), 2);
    EXPECT_EQ(order.items(0).product_id(), 4);
    EXPECT_EQ(order.items(0).quantity(), 2);
  }
  EXPECT_EQ(bundles, 15);

  // A restock straight on the inventory is honoured at the door once the
  // coordinator's sold-out entry is older than its recheck interval (100 ms).
  Upsert(4, kName4, 30);
  absl::SleepFor(absl::Milliseconds(150));
  saga::v1::PlaceOrderResponse after_restock;
  ASSERT_TRUE(Place(Order("after-restock", {{4, 2}, {5, 1}}), &after_restock).ok());
  EXPECT_EQ(after_restock.status(), order::v1::ORDER_STATUS_APPROVED)
      << after_restock.DebugString();
}

TEST_F(FlashSaleE2ETest, SameRequestIdSentTwiceAndConcurrentlyYieldsOneOrder) {
  Upsert(1, "이어폰", 1000);
  saga::v1::PlaceOrderResponse first;
  ASSERT_TRUE(Place(Order("dup-1", {{1, 3}}), &first).ok());
  saga::v1::PlaceOrderResponse second;
  ASSERT_TRUE(Place(Order("dup-1", {{1, 3}}), &second).ok());
  EXPECT_EQ(first.order_id(), second.order_id());
  EXPECT_EQ(second.status(), order::v1::ORDER_STATUS_APPROVED);

  std::vector<saga::v1::PlaceOrderResponse> responses(30);
  std::vector<std::thread> clients;
  for (int i = 0; i < 30; ++i) {
    clients.emplace_back([&, i] { ASSERT_TRUE(Place(Order("dup-2", {{1, 1}}), &responses[i]).ok()); });
  }
  for (auto& client : clients) client.join();
  for (const auto& r : responses) {
    EXPECT_EQ(r.order_id(), responses[0].order_id());
    EXPECT_EQ(r.status(), order::v1::ORDER_STATUS_APPROVED);
  }
  EXPECT_EQ(Product(1).stock(), 1000 - 3 - 1);
}

// Issue 13, defect 1: alice's key R is hers. Bob's R is another order (he
// was answered with alice's order before); the same key with other content
// is refused naming request_id with nothing written; at a sold-out door a
// retry gets the caller's own order, never another customer's.
TEST_F(FlashSaleE2ETest, AnIdempotencyKeyBelongsToItsCaller) {
  Upsert(2, "키보드", 1000);
  Upsert(3, "마우스", 1000);
  auto as = [](const std::string& customer, saga::v1::PlaceOrderRequest request) {
    request.set_customer_id(customer);
    return request;
  };
  saga::v1::PlaceOrderResponse alice;
  ASSERT_TRUE(Place(as("alice", Order("shared-key", {{2, 1}})), &alice).ok());
  ASSERT_EQ(alice.status(), order::v1::ORDER_STATUS_APPROVED);
  saga::v1::PlaceOrderResponse bob;
  ASSERT_TRUE(Place(as("bob", Order("shared-key", {{3, 2}})), &bob).ok());
  EXPECT_EQ(bob.status(), order::v1::ORDER_STATUS_APPROVED) << bob.DebugString();
  EXPECT_NE(bob.order_id(), alice.order_id());
  EXPECT_EQ(Product(2).stock(), 999);
  EXPECT_EQ(Product(3).stock(), 998);
  {
    order::v1::GetOrderRequest get;
    get.set_order_id(bob.order_id());
    order::v1::Order order;
    grpc::ClientContext context;
    context.set_deadline(In(absl::Seconds(10)));
    ASSERT_TRUE(orders_->GetOrder(&context, get, &order).ok());
    EXPECT_EQ(order.customer_id(), "bob");
    ASSERT_EQ(order.items_size(), 1);
    EXPECT_EQ(order.items(0).product_id(), 3);
  }

  // Alice reuses her key for other content: refused, nothing written.
  const order::v1::CountOrdersResponse before = Count();
  for (const saga::v1::PlaceOrderRequest& changed :
       {as("alice", Order("shared-key", {{2, 2}})), as("alice", Order("shared-key", {{3, 1}})),
        [&] {
          saga::v1::PlaceOrderRequest moved = as("alice", Order("shared-key", {{2, 1}}));
          moved.mutable_shipping_address()->set_line1("부산광역시 해운대구");
          return moved;
        }()}) {
    saga::v1::PlaceOrderResponse response;
    grpc::Status status = Place(changed, &response);
    EXPECT_EQ(status.error_code(), grpc::StatusCode::INVALID_ARGUMENT) << status.error_message();
    EXPECT_TRUE(absl::StartsWith(status.error_message(), "request_id: ")) << status.error_message();
  }
  EXPECT_EQ(Count().total(), before.total());
  EXPECT_EQ(Product(2).stock(), 999);
  EXPECT_EQ(Product(3).stock(), 998);
  // The same content again is her order.
  saga::v1::PlaceOrderResponse again;
  ASSERT_TRUE(Place(as("alice", Order("shared-key", {{2, 1}})), &again).ok());
  EXPECT_EQ(again.order_id(), alice.order_id());

  // Product 2 sold out: alice's retry still gets her order; carol's R is
  // turned away at the door, not answered with alice's order.
  Upsert(2, "키보드", 0);
  saga::v1::PlaceOrderResponse warm;  // the door learns that 2 is sold out
  ASSERT_TRUE(Place(as("dave", Order("warm-door", {{2, 1}})), &warm).ok());
  saga::v1::PlaceOrderResponse retry;
  ASSERT_TRUE(Place(as("alice", Order("shared-key", {{2, 1}})), &retry).ok());
  EXPECT_EQ(retry.order_id(), alice.order_id());
  EXPECT_EQ(retry.status(), order::v1::ORDER_STATUS_APPROVED);
  saga::v1::PlaceOrderResponse carol;
  ASSERT_TRUE(Place(as("carol", Order("shared-key", {{2, 1}})), &carol).ok());
  EXPECT_EQ(carol.status(), order::v1::ORDER_STATUS_REJECTED) << carol.DebugString();
  EXPECT_NE(carol.order_id(), alice.order_id());
  Upsert(2, "키보드", 1000);
}

TEST_F(FlashSaleE2ETest, BadInputIsInvalidArgumentNamingTheFieldAndWritesNothing) {
  Upsert(2, "워치", 50);
  const order::v1::CountOrdersResponse before = Count();
  struct Case {
    saga::v1::PlaceOrderRequest request;
    std::string field;
  };
  std::vector<Case> cases = {
      {Order("", {{2, 1}}), "request_id"},
      {Order("bad-1", {}), "items"},
      {Order("bad-2", {{2, 0}}), "items[0].quantity"},
      {Order("bad-3", {{2, -1}}), "items[0].quantity"},
      {Order("bad-4", {{2, 2147483647}}), "items[0].quantity"},
      {Order("bad-5", {{-2, 1}}), "items[0].product_id"},
      {Order("bad-6", {{2, 1}, {2, 1}}), "items[1].product_id"},
      {Order(std::string(1000, 'r'), {{2, 1}}), "request_id"},
  };
  Case long_name{Order("bad-7", {{2, 1}}), "shipping_address.line1"};
  long_name.request.mutable_shipping_address()->set_line1(std::string(100000, 'x'));
  cases.push_back(long_name);
  for (const Case& c : cases) {
    saga::v1::PlaceOrderResponse response;
    grpc::Status status = Place(c.request, &response);
    EXPECT_EQ(status.error_code(), grpc::StatusCode::INVALID_ARGUMENT) << c.field;
    EXPECT_TRUE(absl::StartsWith(status.error_message(), c.field + ":"))
        << status.error_message() << " should name " << c.field;
  }
  const order::v1::CountOrdersResponse after = Count();
  EXPECT_EQ(after.total(), before.total());
  EXPECT_EQ(Product(2).stock(), 50);
}

TEST_F(FlashSaleE2ETest, UnknownProductIsRejectedWithAReason) {
  saga::v1::PlaceOrderResponse response;
  ASSERT_TRUE(Place(Order("unknown-1", {{987654, 1}}), &response).ok());
  EXPECT_EQ(response.status(), order::v1::ORDER_STATUS_REJECTED);
  EXPECT_EQ(response.reject_reason(), order::v1::REJECT_REASON_UNKNOWN_PRODUCT);
}

TEST_F(FlashSaleE2ETest, ReadRpcsAnswerNotFoundAndInvalidArgumentClearly) {
  order::v1::GetOrderRequest get;
  get.set_order_id("no-such-order");
  order::v1::Order order;
  grpc::ClientContext c1;
  EXPECT_EQ(orders_->GetOrder(&c1, get, &order).error_code(), grpc::StatusCode::NOT_FOUND);
  order::v1::ListOrdersRequest list;
  list.set_page_token("not-a-token");
  order::v1::ListOrdersResponse listed;
  grpc::ClientContext c2;
  grpc::Status status = orders_->ListOrders(&c2, list, &listed);
  EXPECT_EQ(status.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_TRUE(absl::StartsWith(status.error_message(), "page_token:"));
  inventory::v1::GetProductRequest product;
  product.set_product_id(424242);
  inventory::v1::Product p;
  grpc::ClientContext c3;
  EXPECT_EQ(inventory_->GetProduct(&c3, product, &p).error_code(), grpc::StatusCode::NOT_FOUND);
}

order::v1::Order AwaitDecision(order::v1::OrderService::Stub& orders, const std::string& id) {
  order::v1::GetOrderRequest request;
  request.set_order_id(id);
  order::v1::Order order;
  const absl::Time deadline = absl::Now() + absl::Seconds(30);
  while (absl::Now() < deadline) {
    grpc::ClientContext context;
    context.set_deadline(In(absl::Seconds(5)));
    if (orders.GetOrder(&context, request, &order).ok() &&
        order.status() != order::v1::ORDER_STATUS_PENDING) {
      break;
    }
    absl::SleepFor(absl::Milliseconds(100));
  }
  return order;
}

// A coordinator that died right after CreateOrder left a PENDING order; the
// running coordinator's recovery sweep finishes it.
TEST_F(FlashSaleE2ETest, OrderLeftPendingByADeadCoordinatorIsRecovered) {
  Upsert(3, "태블릿", 10);
  order::v1::Order created = CreatePending("orphan-1", 3, 4);
  ASSERT_EQ(created.status(), order::v1::ORDER_STATUS_PENDING);
  order::v1::Order decided = AwaitDecision(*orders_, created.order_id());
  EXPECT_EQ(decided.status(), order::v1::ORDER_STATUS_APPROVED);
  EXPECT_EQ(Product(3).stock(), 6);
}

// A coordinator that died mid-compensation (marked, stock still held) left
// the order PENDING; the sweep releases the stock and rejects it.
TEST_F(FlashSaleE2ETest, CompensationCutShortByADeadCoordinatorIsFinished) {
  Upsert(6, "충전기", 10);
  order::v1::Order created = CreatePending("orphan-2", 6, 4);
  inventory::v1::ReserveRequest reserve;
  reserve.set_order_id(created.order_id());
  *reserve.mutable_items() = created.items();
  inventory::v1::ReserveResponse reserved;
  grpc::ClientContext c2;
  ASSERT_TRUE(inventory_->Reserve(&c2, reserve, &reserved).ok());
  ASSERT_EQ(reserved.outcome(), inventory::v1::RESERVATION_OUTCOME_RESERVED);
  order::v1::MarkCompensatingRequest mark;
  mark.set_order_id(created.order_id());
  mark.set_reject_reason(order::v1::REJECT_REASON_INVENTORY_UNAVAILABLE);
  order::v1::Order marked;
  grpc::ClientContext c3;
  ASSERT_TRUE(orders_->MarkCompensating(&c3, mark, &marked).ok());
  ASSERT_EQ(Product(6).stock(), 6);
  order::v1::Order decided = AwaitDecision(*orders_, created.order_id());
  EXPECT_EQ(decided.status(), order::v1::ORDER_STATUS_REJECTED);
  EXPECT_EQ(decided.reject_reason(), order::v1::REJECT_REASON_INVENTORY_UNAVAILABLE);
  EXPECT_EQ(Product(6).stock(), 10);
}

// What grpcurl does with no .proto files: list the services, then fetch the
// descriptors of one.
TEST_F(FlashSaleE2ETest, EveryServerAnswersReflectionAndHealth) {
  const std::vector<std::pair<std::string, std::string>> servers = {
      {stack_->saga_address(), "saga.v1.SagaCoordinator"},
      {stack_->order_address(), "order.v1.OrderService"},
      {stack_->inventory_address(), "inventory.v1.InventoryService"}};
  for (const auto& [address, service] : servers) {
    auto stub = grpc::reflection::v1alpha::ServerReflection::NewStub(
        grpc::CreateChannel(address, grpc::InsecureChannelCredentials()));
    grpc::ClientContext context;
    context.set_deadline(In(absl::Seconds(10)));
    auto stream = stub->ServerReflectionInfo(&context);
    grpc::reflection::v1alpha::ServerReflectionRequest list;
    list.set_list_services("*");
    ASSERT_TRUE(stream->Write(list));
    grpc::reflection::v1alpha::ServerReflectionResponse listed;
    ASSERT_TRUE(stream->Read(&listed));
    std::vector<std::string> names;
    for (const auto& s : listed.list_services_response().service()) names.push_back(s.name());
    EXPECT_NE(std::find(names.begin(), names.end(), service), names.end()) << address;
    EXPECT_NE(std::find(names.begin(), names.end(), "grpc.health.v1.Health"), names.end());

    grpc::reflection::v1alpha::ServerReflectionRequest describe;
    describe.set_file_containing_symbol(service);
    ASSERT_TRUE(stream->Write(describe));
    grpc::reflection::v1alpha::ServerReflectionResponse described;
    ASSERT_TRUE(stream->Read(&described));
    EXPECT_GT(described.file_descriptor_response().file_descriptor_proto_size(), 0) << address;
    stream->WritesDone();
    EXPECT_TRUE(stream->Finish().ok());
    EXPECT_TRUE(WaitUntilServing(address, absl::Seconds(1)).ok());
  }
}

TEST(LocalStackShutdown, EveryServerExitsCleanlyOnSigterm) {
  absl::StatusOr<std::unique_ptr<LocalStack>> stack = LocalStack::Start();
  ASSERT_TRUE(stack.ok()) << stack.status();
  absl::Status stopped = (*stack)->Stop();
  EXPECT_TRUE(stopped.ok()) << stopped;
}

// Each service's MySQL user may read and write rows of its own schema and
// nothing else: no schema changes, no deletes, no other schema (the
// migrations ran as a separate user at start-up).
TEST_F(FlashSaleE2ETest, ServiceDatabaseUsersHaveLeastPrivilege) {
  const std::string orders = stack_->orders_database().schema();
  const std::string inventory = stack_->inventory_database().schema();
  auto as_service = [&](const std::string& user, const std::string& sql) {
    const std::string command = absl::StrCat(
        "mariadb -u ", user, " -ppw_", user, " -S ", MysqlTestDatabase::Socket(), " ", user,
        " -e \"", sql, "\" 2>&1");
    FILE* pipe = popen(command.c_str(), "r");
    std::string output;
    char buffer[1024];
    while (pipe != nullptr && fgets(buffer, sizeof(buffer), pipe) != nullptr) output += buffer;
    const int status = pipe == nullptr ? -1 : pclose(pipe);
    return std::make_pair(status, output);
  };
  EXPECT_EQ(as_service(orders, "SELECT COUNT(*) FROM orders").first, 0);
  for (const std::string& sql :
       {std::string("DROP TABLE order_items"), std::string("DELETE FROM orders"),
        std::string("ALTER TABLE orders ADD COLUMN x INT"),
        absl::StrCat("SELECT * FROM ", inventory, ".products")}) {
    auto [status, output] = as_service(orders, sql);
    EXPECT_NE(status, 0) << sql;
    EXPECT_TRUE(absl::StrContains(output, "denied")) << sql << ": " << output;
  }
  auto [status, output] = as_service(inventory, "DROP TABLE products");
  EXPECT_NE(status, 0);
  EXPECT_TRUE(absl::StrContains(output, "denied")) << output;
}

}  // namespace
}  // namespace order_saga::testing
