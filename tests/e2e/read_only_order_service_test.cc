// The order service with --read_only (the replicas clients reach in
// Kubernetes), served over gRPC on loopback: reads and watches work, every
// participant RPC is PERMISSION_DENIED and writes nothing.
#include <grpcpp/grpcpp.h>
#include <gtest/gtest.h>

#include "absl/strings/match.h"
#include "common/clock.h"
#include "common/grpc_server.h"
#include "order/v1/order.grpc.pb.h"
#include "order_service/in_memory_order_repository.h"
#include "order_service/order_service_graph.h"
#include "tests/e2e/loopback_server.h"

namespace order_saga::orders {
namespace {

TEST(ReadOnlyOrderServiceTest, ServesReadsAndWatchesAndRefusesEveryWrite) {
  InMemoryOrderRepository repository{RealClock()};
  absl::StatusOr<Order> existing =
      repository.Create({"r1", "alice", {{4, 1}}, {}}, "order-1");
  ASSERT_TRUE(existing.ok());
  ASSERT_TRUE(repository
                  .Transition("order-1", {OrderTransition::Kind::kApprove, RejectReason::kNone, ""})
                  .ok());
  OrderServiceGraph::Options replica;
  replica.read_only = true;
  OrderServiceGraph graph(repository, /*writes=*/nullptr, RealClock(), replica);
  ASSERT_TRUE(graph.Start().ok());
  absl::StatusOr<std::unique_ptr<RunningGrpcServer>> server =
      testing::StartOnLoopback({&graph.service()});
  ASSERT_TRUE(server.ok()) << server.status();
  auto stub = ::order::v1::OrderService::NewStub(testing::LoopbackChannel(**server));

  auto expect_refused = [](const grpc::Status& status, const char* method) {
    EXPECT_EQ(status.error_code(), grpc::StatusCode::PERMISSION_DENIED) << method;
    EXPECT_TRUE(absl::StartsWith(status.error_message(), method)) << status.error_message();
  };
  ::order::v1::Order order;
  {
    grpc::ClientContext context;
    ::order::v1::CreateOrderRequest request;
    request.set_request_id("r2");
    request.add_items()->set_product_id(4);
    request.mutable_items(0)->set_quantity(1);
    expect_refused(stub->CreateOrder(&context, request, &order), "CreateOrder");
  }
  {
    grpc::ClientContext context;
    ::order::v1::RejectOrderRequest request;
    request.set_order_id("order-1");
    request.set_reject_reason(::order::v1::REJECT_REASON_OUT_OF_STOCK);
    expect_refused(stub->RejectOrder(&context, request, &order), "RejectOrder");
  }
  {
    grpc::ClientContext context;
    ::order::v1::MarkCompensatingRequest request;
    request.set_order_id("order-1");
    expect_refused(stub->MarkCompensating(&context, request, &order), "MarkCompensating");
  }
  {
    grpc::ClientContext context;
    ::order::v1::ApproveOrderRequest request;
    request.set_order_id("order-1");
    expect_refused(stub->ApproveOrder(&context, request, &order), "ApproveOrder");
  }
  {
    grpc::ClientContext context;
    ::order::v1::CreateOrdersRequest request;
    ::order::v1::OrderBatchResponse response;
    expect_refused(stub->CreateOrders(&context, request, &response), "CreateOrders");
  }
  {
    grpc::ClientContext context;
    ::order::v1::ApproveOrdersRequest request;
    ::order::v1::OrderBatchResponse response;
    expect_refused(stub->ApproveOrders(&context, request, &response), "ApproveOrders");
  }
  EXPECT_EQ(*repository.LastEventId(), 2);  // nothing written
  {
    grpc::ClientContext context;
    ::order::v1::GetOrderRequest request;
    request.set_order_id("order-1");
    ASSERT_TRUE(stub->GetOrder(&context, request, &order).ok());
    EXPECT_EQ(order.status(), ::order::v1::ORDER_STATUS_APPROVED);
  }
  {
    grpc::ClientContext context;
    ::order::v1::WatchOrderRequest request;
    request.set_order_id("order-1");
    auto reader = stub->WatchOrder(&context, request);
    ::order::v1::OrderEvent event;
    ASSERT_TRUE(reader->Read(&event));
    EXPECT_EQ(event.event_id(), 2);
    EXPECT_FALSE(reader->Read(&event));
    EXPECT_TRUE(reader->Finish().ok());
  }
  (*server)->Shutdown();
  graph.feed().Stop(absl::UnavailableError("done"));
}

}  // namespace
}  // namespace order_saga::orders
