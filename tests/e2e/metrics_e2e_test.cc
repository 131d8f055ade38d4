// Every server serves Prometheus text metrics over HTTP: per-method gRPC
// counts and latencies, and on the coordinator the saga outcomes, door
// rejections and batch sizes. Scraped from the real binaries.
#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <grpcpp/grpcpp.h>
#include <gtest/gtest.h>

#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "tests/e2e/metrics_scrape.h"
#include "tests/e2e/stack_test.h"

namespace order_saga::testing {
namespace {


class MetricsE2ETest : public StackTest {
 protected:
  saga::v1::PlaceOrderResponse Place(const std::string& request_id, int32_t quantity,
                                     grpc::StatusCode expected = grpc::StatusCode::OK) {
    saga::v1::PlaceOrderRequest request;
    request.set_request_id(request_id);
    common::v1::LineItem* item = request.add_items();
    item->set_product_id(9);
    item->set_quantity(quantity);
    saga::v1::PlaceOrderResponse response;
    grpc::ClientContext context;
    context.set_deadline(In(absl::Seconds(30)));
    grpc::Status status = saga_->PlaceOrder(&context, request, &response);
    EXPECT_EQ(status.error_code(), expected) << status.error_message();
    return response;
  }
};

TEST_F(MetricsE2ETest, EveryServerCountsItsCallsAndTheCoordinatorItsSagas) {
  inventory::v1::Product product;
  product.set_product_id(9);
  product.set_name("nine");
  product.set_stock(2);
  inventory::v1::Product stored;
  grpc::ClientContext context;
  context.set_deadline(In(absl::Seconds(30)));
  ASSERT_TRUE(inventory_->UpsertProduct(&context, product, &stored).ok());

  const saga::v1::PlaceOrderResponse first = Place("m-1", 1);
  EXPECT_EQ(first.status(), order::v1::ORDER_STATUS_APPROVED);
  EXPECT_EQ(Place("m-2", 1).status(), order::v1::ORDER_STATUS_APPROVED);
  // Sold out now: turned away at the door.
  saga::v1::PlaceOrderResponse door = Place("m-3", 1);
  EXPECT_EQ(door.reject_reason(), order::v1::REJECT_REASON_SOLD_OUT);
  Place("", 1, grpc::StatusCode::INVALID_ARGUMENT);  // no request_id

  const std::string saga = ScrapeMetrics(stack_->saga_metrics_address());
  ASSERT_FALSE(saga.empty()) << "no metrics from " << stack_->saga_metrics_address();
  EXPECT_EQ(Sample(saga, R"(ordersaga_sagas_total{reason="none",status="APPROVED"})"), 2);
  EXPECT_EQ(Sample(saga, R"(ordersaga_sagas_total{reason="SOLD_OUT",status="REJECTED"})"), 1);
  EXPECT_EQ(Sample(saga, "ordersaga_door_rejections_total"), 1);
  EXPECT_EQ(Sample(saga, "ordersaga_sagas_in_flight"), 0);
  EXPECT_EQ(Sample(saga, R"(grpc_server_handled_total{grpc_code="OK",grpc_method="PlaceOrder",grpc_service="saga.v1.SagaCoordinator"})"),
            3);
  EXPECT_EQ(Sample(saga, R"(grpc_server_handled_total{grpc_code="INVALID_ARGUMENT",grpc_method="PlaceOrder",grpc_service="saga.v1.SagaCoordinator"})"),
            1);
  EXPECT_EQ(Sample(saga, R"(grpc_server_handling_seconds_count{grpc_method="PlaceOrder",grpc_service="saga.v1.SagaCoordinator"})"),
            4);
  // Two reservations went out, in batches of at least one.
  EXPECT_GE(Sample(saga, R"(ordersaga_batch_size_sum{batcher="coordinator_reservations"})"), 2);

  const std::string inventory = ScrapeMetrics(stack_->inventory_metrics_address());
  EXPECT_EQ(Sample(inventory, R"(grpc_server_handled_total{grpc_code="OK",grpc_method="UpsertProduct",grpc_service="inventory.v1.InventoryService"})"),
            1);
  EXPECT_GE(Sample(inventory, R"(grpc_server_handled_total{grpc_code="OK",grpc_method="ReserveBatch",grpc_service="inventory.v1.InventoryService"})"),
            1);

  // Product 9 reached zero once.
  EXPECT_EQ(Sample(inventory, "ordersaga_stock_outs_total"), 1);
  // At rest every connection is back in the pool and nobody waits.
  EXPECT_EQ(Sample(inventory, "ordersaga_db_connections_in_use"), 0);
  EXPECT_EQ(Sample(inventory, "ordersaga_db_connections_waiting"), 0);

  // One order watched to its decision: one stream opened and closed, with
  // the order's one (final) event.
  {
    order::v1::WatchOrderRequest watch;
    watch.set_order_id(first.order_id());
    grpc::ClientContext watch_context;
    watch_context.set_deadline(In(absl::Seconds(30)));
    auto reader = orders_->WatchOrder(&watch_context, watch);
    order::v1::OrderEvent event;
    while (reader->Read(&event)) {
    }
    EXPECT_TRUE(reader->Finish().ok());
  }
  // The server closes the stream just after the client has its status.
  std::string orders = ScrapeMetrics(stack_->order_metrics_address());
  for (int i = 0; i < 100 && Sample(orders, "ordersaga_watch_streams") != 0; ++i) {
    absl::SleepFor(absl::Milliseconds(20));
    orders = ScrapeMetrics(stack_->order_metrics_address());
  }
  // None held by a finished call. The event feed's poll and the
  // coordinator's recovery sweep (a ListOrders every 200 ms) hold one for a
  // moment each, so wait for a scrape that finds none out; a connection
  // leaked by the finished call would never come back.
  for (int i = 0; i < 250 && Sample(orders, "ordersaga_db_connections_in_use") != 0; ++i) {
    absl::SleepFor(absl::Milliseconds(20));
    orders = ScrapeMetrics(stack_->order_metrics_address());
  }
  EXPECT_EQ(Sample(orders, "ordersaga_db_connections_in_use"), 0);
  EXPECT_EQ(Sample(orders, "ordersaga_watch_streams"), 0);
  EXPECT_EQ(Sample(orders, "ordersaga_watch_events_sent_total"), 1);
  EXPECT_EQ(Sample(orders, R"(grpc_server_handled_total{grpc_code="OK",grpc_method="WatchOrder",grpc_service="order.v1.OrderService"})"),
            1);
  EXPECT_GE(Sample(orders, R"(grpc_server_handled_total{grpc_code="OK",grpc_method="CreateOrders",grpc_service="order.v1.OrderService"})"),
            1);
  EXPECT_TRUE(absl::StrContains(orders, "# TYPE grpc_server_handling_seconds histogram"));
}

}  // namespace
}  // namespace order_saga::testing
