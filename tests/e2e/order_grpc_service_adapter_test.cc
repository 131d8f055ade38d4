// The order service's gRPC adapter in process, through the graph main.cc
// builds (OrderServiceGraph) and the production server bootstrap
// (StartGrpcServer: limits, health, metrics interceptor), over the in-memory
// repository: what a client sees for each kind of answer. Proto <-> domain
// mapping and status codes, nothing of the storage.
#include <memory>

#include <grpcpp/grpcpp.h>
#include <gtest/gtest.h>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "common/clock.h"
#include "common/grpc_server.h"
#include "order/v1/order.grpc.pb.h"
#include "order_service/in_memory_order_repository.h"
#include "order_service/order_service_graph.h"
#include "tests/e2e/loopback_server.h"

namespace order_saga::orders {
namespace {

class OrderGrpcServiceAdapterTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_TRUE(graph_.Start().ok());
    absl::StatusOr<std::unique_ptr<RunningGrpcServer>> server =
        testing::StartOnLoopback({&graph_.service()});
    ASSERT_TRUE(server.ok()) << server.status();
    server_ = *std::move(server);
    stub_ = ::order::v1::OrderService::NewStub(testing::LoopbackChannel(*server_));
  }
  void TearDown() override {
    if (server_ != nullptr) server_->Shutdown({});
    graph_.feed().Stop(absl::UnavailableError("test over"));
  }

  static ::order::v1::CreateOrderRequest Bundle(const std::string& request_id) {
    ::order::v1::CreateOrderRequest request;
    request.set_request_id(request_id);
    request.set_customer_id("alice");
    ::common::v1::LineItem* first = request.add_items();
    first->set_product_id(4);
    first->set_quantity(2);
    ::common::v1::LineItem* second = request.add_items();
    second->set_product_id(5);
    second->set_quantity(1);
    request.mutable_shipping_address()->set_recipient("홍길동");
    request.mutable_shipping_address()->set_line1("서울특별시 중구 세종대로 110");
    return request;
  }
  grpc::Status Create(const ::order::v1::CreateOrderRequest& request, ::order::v1::Order* out) {
    grpc::ClientContext context;
    context.set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(10));
    return stub_->CreateOrder(&context, request, out);
  }
  int64_t Orders() {
    ::order::v1::CountOrdersRequest request;
    ::order::v1::CountOrdersResponse counted;
    grpc::ClientContext context;
    EXPECT_TRUE(stub_->CountOrders(&context, request, &counted).ok());
    return counted.pending() + counted.approved() + counted.rejected();
  }

  InMemoryOrderRepository repository_{RealClock()};
  OrderServiceGraph graph_{repository_, /*writes=*/nullptr, RealClock(),
                           OrderServiceGraph::Options()};
  std::unique_ptr<RunningGrpcServer> server_;
  std::unique_ptr<::order::v1::OrderService::Stub> stub_;
};

TEST_F(OrderGrpcServiceAdapterTest, CreateOrderAnswersThePendingOrderWithEveryFieldAndIsIdempotent) {
  ::order::v1::Order created;
  ASSERT_TRUE(Create(Bundle("r1"), &created).ok());
  EXPECT_FALSE(created.order_id().empty());
  EXPECT_EQ(created.request_id(), "r1");
  EXPECT_EQ(created.customer_id(), "alice");
  EXPECT_EQ(created.status(), ::order::v1::ORDER_STATUS_PENDING);
  EXPECT_EQ(created.reject_reason(), ::order::v1::REJECT_REASON_UNSPECIFIED);
  ASSERT_EQ(created.items_size(), 2);
  EXPECT_EQ(created.shipping_address().recipient(), "홍길동");
  EXPECT_EQ(created.shipping_address().line1(), "서울특별시 중구 세종대로 110");
  EXPECT_TRUE(created.has_create_time());
  EXPECT_EQ(created.saga_state(), ::order::v1::SAGA_STATE_ACTIVE);

  // The same request again: the same order, nothing new written.
  ::order::v1::Order again;
  ASSERT_TRUE(Create(Bundle("r1"), &again).ok());
  EXPECT_EQ(again.order_id(), created.order_id());
  EXPECT_EQ(Orders(), 1);
  // The same request id with other content: refused, naming the field.
  ::order::v1::CreateOrderRequest other = Bundle("r1");
  other.mutable_items(0)->set_quantity(3);
  ::order::v1::Order refused;
  grpc::Status status = Create(other, &refused);
  EXPECT_EQ(status.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_TRUE(absl::StartsWith(status.error_message(), "request_id")) << status.error_message();
  EXPECT_EQ(Orders(), 1);
}

TEST_F(OrderGrpcServiceAdapterTest, BadInputIsInvalidArgumentNamingTheFieldAndWritesNothing) {
  ::order::v1::CreateOrderRequest request = Bundle("r1");
  request.mutable_items(1)->set_quantity(0);
  ::order::v1::Order order;
  grpc::Status status = Create(request, &order);
  EXPECT_EQ(status.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_TRUE(absl::StrContains(status.error_message(), "items[1].quantity"))
      << status.error_message();
  EXPECT_EQ(Orders(), 0);

  ::order::v1::GetOrderRequest get;
  get.set_order_id("no-such-order");
  grpc::ClientContext context;
  status = stub_->GetOrder(&context, get, &order);
  EXPECT_EQ(status.error_code(), grpc::StatusCode::NOT_FOUND) << status.error_message();
}

TEST_F(OrderGrpcServiceAdapterTest, TheFirstDecisionWinsAndALaterOneIsAnsweredWithTheWinner) {
  ::order::v1::Order created;
  ASSERT_TRUE(Create(Bundle("r1"), &created).ok());
  ::order::v1::Order rejected;
  {
    ::order::v1::RejectOrderRequest request;
    request.set_order_id(created.order_id());
    request.set_reject_reason(::order::v1::REJECT_REASON_OUT_OF_STOCK);
    request.set_detail("product 4: 1 left, 2 asked");
    grpc::ClientContext context;
    ASSERT_TRUE(stub_->RejectOrder(&context, request, &rejected).ok());
  }
  EXPECT_EQ(rejected.status(), ::order::v1::ORDER_STATUS_REJECTED);
  EXPECT_EQ(rejected.reject_reason(), ::order::v1::REJECT_REASON_OUT_OF_STOCK);
  EXPECT_EQ(rejected.detail(), "product 4: 1 left, 2 asked");
  EXPECT_EQ(rejected.saga_state(), ::order::v1::SAGA_STATE_FINISHED);

  ::order::v1::ApproveOrderRequest approve;
  approve.set_order_id(created.order_id());
  ::order::v1::Order after;
  grpc::ClientContext context;
  ASSERT_TRUE(stub_->ApproveOrder(&context, approve, &after).ok());
  EXPECT_EQ(after.status(), ::order::v1::ORDER_STATUS_REJECTED);
  EXPECT_EQ(after.reject_reason(), ::order::v1::REJECT_REASON_OUT_OF_STOCK);
}

TEST_F(OrderGrpcServiceAdapterTest, WatchOrderEndsWithTheFinalEventOrNotFound) {
  {
    ::order::v1::WatchOrderRequest watch;
    watch.set_order_id("no-such-order");
    grpc::ClientContext context;
    context.set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(10));
    auto reader = stub_->WatchOrder(&context, watch);
    ::order::v1::OrderEvent event;
    EXPECT_FALSE(reader->Read(&event));
    EXPECT_EQ(reader->Finish().error_code(), grpc::StatusCode::NOT_FOUND);
  }
  ::order::v1::Order created;
  ASSERT_TRUE(Create(Bundle("r1"), &created).ok());
  ASSERT_TRUE(graph_.lifecycle().ApproveOrder(created.order_id(), "stock reserved").ok());
  ::order::v1::WatchOrderRequest watch;
  watch.set_order_id(created.order_id());
  grpc::ClientContext context;
  context.set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(10));
  auto reader = stub_->WatchOrder(&context, watch);
  std::vector<::order::v1::OrderEvent> events;
  for (::order::v1::OrderEvent event; reader->Read(&event);) events.push_back(event);
  EXPECT_TRUE(reader->Finish().ok());
  // A watch that starts after the decision gets only the newest event: the
  // final one, with its outbox id.
  ASSERT_EQ(events.size(), 1u);
  EXPECT_EQ(events[0].order().status(), ::order::v1::ORDER_STATUS_APPROVED);
  EXPECT_GT(events[0].event_id(), 0);
}

}  // namespace
}  // namespace order_saga::orders
