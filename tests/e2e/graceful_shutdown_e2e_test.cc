// SIGTERM to a coordinator in the middle of a saga: it reports NOT_SERVING
// at once, refuses new orders (UNAVAILABLE, nothing written) while it
// drains, lets the saga in flight finish with its real outcome, and exits 0
// within drain + grace.
#include <csignal>
#include <iostream>
#include <memory>
#include <thread>

#include <cppconn/resultset.h>
#include <grpcpp/grpcpp.h>
#include <gtest/gtest.h>

#include "absl/synchronization/notification.h"
#include "tests/e2e/metrics_scrape.h"
#include "tests/e2e/stack_test.h"

namespace order_saga::testing {
namespace {

saga::v1::PlaceOrderRequest OrderOfNine(const std::string& request_id) {
  saga::v1::PlaceOrderRequest request;
  request.set_request_id(request_id);
  common::v1::LineItem* item = request.add_items();
  item->set_product_id(9);
  item->set_quantity(1);
  return request;
}

// Puts 5 of product 9 on sale, then holds its row from another session so
// that a saga's Reserve waits on it until the returned lease COMMITs.
MysqlConnectionPool::Lease StockNineAndHoldItsRow(LocalStack& stack) {
  auto inventory = inventory::v1::InventoryService::NewStub(
      grpc::CreateChannel(stack.inventory_address(), grpc::InsecureChannelCredentials()));
  inventory::v1::Product product;
  product.set_product_id(9);
  product.set_name("nine");
  product.set_stock(5);
  inventory::v1::Product stored;
  grpc::ClientContext context;
  context.set_deadline(In(absl::Seconds(30)));
  EXPECT_TRUE(inventory->UpsertProduct(&context, product, &stored).ok());
  absl::StatusOr<MysqlConnectionPool::Lease> blocker =
      stack.inventory_database().pool().Acquire();
  EXPECT_TRUE(blocker.ok()) << blocker.status();
  blocker->session().Execute("START TRANSACTION");
  std::unique_ptr<sql::ResultSet>(blocker->session()
                                      .Prepare("SELECT stock FROM products WHERE "
                                               "product_id = 9 FOR UPDATE")
                                      .executeQuery());
  return *std::move(blocker);
}

TEST(GracefulShutdownE2ETest, SigtermLetsTheSagaInFlightFinishRefusesNewOnesAndExitsZero) {
  LocalStack::Options options;
  options.log_prefix = "graceful_";
  options.coordinator_flags = {"--shutdown_drain_ms=1500", "--shutdown_grace_ms=5000"};
  absl::StatusOr<std::unique_ptr<LocalStack>> started = LocalStack::Start(options);
  ASSERT_TRUE(started.ok()) << started.status();
  LocalStack& stack = **started;
  auto saga = saga::v1::SagaCoordinator::NewStub(
      grpc::CreateChannel(stack.saga_address(), grpc::InsecureChannelCredentials()));

  // The saga's Reserve will wait on product 9's row.
  MysqlConnectionPool::Lease blocker = StockNineAndHoldItsRow(stack);

  grpc::Status in_flight_status;
  saga::v1::PlaceOrderResponse in_flight;
  absl::Notification answered;
  std::thread client([&] {
    grpc::ClientContext context;
    context.set_deadline(In(absl::Seconds(30)));
    in_flight_status = saga->PlaceOrder(&context, OrderOfNine("in-flight"), &in_flight);
    answered.Notify();
  });
  absl::SleepFor(absl::Milliseconds(300));  // the saga is waiting in Reserve
  ASSERT_FALSE(answered.HasBeenNotified());

  ASSERT_TRUE(stack.Signal(LocalStack::Role::kCoordinator, 0, SIGTERM).ok());
  // NOT_SERVING while draining.
  bool not_serving = false;
  for (int i = 0; i < 40 && !not_serving; ++i) {
    absl::StatusOr<bool> serving = IsServing(stack.saga_address());
    not_serving = serving.ok() && !*serving;
    if (!not_serving) absl::SleepFor(absl::Milliseconds(25));
  }
  EXPECT_TRUE(not_serving);
  // A new order is refused and nothing is written for it.
  {
    saga::v1::PlaceOrderResponse refused;
    grpc::ClientContext context;
    context.set_deadline(In(absl::Seconds(10)));
    grpc::Status status = saga->PlaceOrder(&context, OrderOfNine("too-late"), &refused);
    EXPECT_EQ(status.error_code(), grpc::StatusCode::UNAVAILABLE) << status.error_message();
  }

  // Let the saga in flight go on: it finishes with its real outcome.
  blocker.session().Execute("COMMIT");
  client.join();
  ASSERT_TRUE(in_flight_status.ok()) << in_flight_status.error_message();
  EXPECT_EQ(in_flight.status(), order::v1::ORDER_STATUS_APPROVED) << in_flight.DebugString();

  absl::StatusOr<int> exit_code =
      stack.WaitForExit(LocalStack::Role::kCoordinator, 0, absl::Seconds(10));
  ASSERT_TRUE(exit_code.ok()) << exit_code.status();
  EXPECT_EQ(*exit_code, 0);

  // One approved order holding one unit; "too-late" left no trace.
  absl::StatusOr<audit::AuditReport> report = AuditStack(stack, absl::Seconds(30));
  ASSERT_TRUE(report.ok()) << report.status();
  EXPECT_TRUE(report->clean()) << audit::FormatAuditReport(*report);
  EXPECT_EQ(report->orders_approved, 1);
  EXPECT_EQ(report->orders_approved + report->orders_rejected + report->orders_pending, 1);
}

// A saga answered early (respond_when_recorded) goes on in the background:
// a SIGTERM gives it the grace period, and the order still gets its real
// decision. (One still waiting when the grace is over starts no further
// call and ends PENDING for another coordinator's sweep:
// ACoordinatorWithASweepBacklogExitsWithinItsGracePeriod.)
TEST(GracefulShutdownE2ETest, BackgroundSagaIsFinishedBeforeTheCoordinatorExits) {
  LocalStack::Options options;
  options.log_prefix = "graceful_background_";
  options.coordinator_flags = {"--shutdown_grace_ms=4000"};
  absl::StatusOr<std::unique_ptr<LocalStack>> started = LocalStack::Start(options);
  ASSERT_TRUE(started.ok()) << started.status();
  LocalStack& stack = **started;
  auto saga = saga::v1::SagaCoordinator::NewStub(
      grpc::CreateChannel(stack.saga_address(), grpc::InsecureChannelCredentials()));
  auto orders = order::v1::OrderService::NewStub(
      grpc::CreateChannel(stack.order_address(), grpc::InsecureChannelCredentials()));
  MysqlConnectionPool::Lease blocker = StockNineAndHoldItsRow(stack);

  saga::v1::PlaceOrderRequest request = OrderOfNine("early");
  request.set_respond_when_recorded(true);
  saga::v1::PlaceOrderResponse recorded;
  {
    grpc::ClientContext context;
    context.set_deadline(In(absl::Seconds(30)));
    ASSERT_TRUE(saga->PlaceOrder(&context, request, &recorded).ok());
  }
  EXPECT_EQ(recorded.status(), order::v1::ORDER_STATUS_PENDING);
  // Its Reserve waits on the row lock; stop the coordinator now.
  ASSERT_TRUE(stack.Signal(LocalStack::Role::kCoordinator, 0, SIGTERM).ok());
  absl::SleepFor(absl::Milliseconds(1500));  // past its first Reserve's call timeout
  blocker.session().Execute("COMMIT");

  absl::StatusOr<int> exit_code =
      stack.WaitForExit(LocalStack::Role::kCoordinator, 0, absl::Seconds(20));
  ASSERT_TRUE(exit_code.ok()) << exit_code.status();
  EXPECT_EQ(*exit_code, 0);
  order::v1::GetOrderRequest get;
  get.set_order_id(recorded.order_id());
  order::v1::Order order;
  grpc::ClientContext context;
  context.set_deadline(In(absl::Seconds(10)));
  ASSERT_TRUE(orders->GetOrder(&context, get, &order).ok());
  EXPECT_EQ(order.status(), order::v1::ORDER_STATUS_APPROVED) << order.DebugString();
}

// Open watch streams end with UNAVAILABLE at once on SIGTERM (so shutdown
// does not wait for them), and the order service exits 0.
TEST(GracefulShutdownE2ETest, WatchStreamsEndWithUnavailableAndTheOrderServiceExitsZero) {
  LocalStack::Options options;
  options.log_prefix = "graceful_watch_";
  absl::StatusOr<std::unique_ptr<LocalStack>> started = LocalStack::Start(options);
  ASSERT_TRUE(started.ok()) << started.status();
  LocalStack& stack = **started;
  auto orders = order::v1::OrderService::NewStub(
      grpc::CreateChannel(stack.order_address(), grpc::InsecureChannelCredentials()));
  grpc::ClientContext context;
  context.set_deadline(In(absl::Seconds(30)));
  order::v1::WatchOrdersRequest request;
  auto reader = orders->WatchOrders(&context, request);
  // Until the stream is open on the server.
  const absl::Time give_up = absl::Now() + absl::Seconds(20);
  while (Sample(ScrapeMetrics(stack.order_metrics_address()), "ordersaga_watch_streams") != 1 &&
         absl::Now() < give_up) {
    absl::SleepFor(absl::Milliseconds(10));
  }

  const absl::Time signalled = absl::Now();
  ASSERT_TRUE(stack.Signal(LocalStack::Role::kOrders, 0, SIGTERM).ok());
  order::v1::OrderEvent event;
  while (reader->Read(&event)) {
  }
  grpc::Status status = reader->Finish();
  EXPECT_EQ(status.error_code(), grpc::StatusCode::UNAVAILABLE) << status.error_message();
  EXPECT_LT(absl::Now() - signalled, absl::Seconds(3));
  absl::StatusOr<int> exit_code =
      stack.WaitForExit(LocalStack::Role::kOrders, 0, absl::Seconds(15));
  ASSERT_TRUE(exit_code.ok()) << exit_code.status();
  EXPECT_EQ(*exit_code, 0);
}

// Issue 13, defect 6: a coordinator whose recovery sweep has a backlog
// against a participant that does not answer (the inventory is frozen with
// SIGSTOP: its kernel still takes the connections, nothing replies) used to
// finish its page of orders, each up to a saga and a compensation deadline,
// before it even reported NOT_SERVING. Now it reports NOT_SERVING first,
// stops the sweep between orders, and exits 0 within its grace period; the
// backlog is finished later by a coordinator that runs, and nothing is lost.
TEST(GracefulShutdownE2ETest, ACoordinatorWithASweepBacklogExitsWithinItsGracePeriod) {
  LocalStack::Options options;
  options.log_prefix = "graceful_backlog_";
  options.coordinator_flags = {"--shutdown_grace_ms=3000"};
  absl::StatusOr<std::unique_ptr<LocalStack>> started = LocalStack::Start(options);
  ASSERT_TRUE(started.ok()) << started.status();
  LocalStack& stack = **started;
  auto inventory = inventory::v1::InventoryService::NewStub(
      grpc::CreateChannel(stack.inventory_address(), grpc::InsecureChannelCredentials()));
  {
    inventory::v1::Product product, stored;
    product.set_product_id(9);
    product.set_name("nine");
    product.set_stock(100);
    grpc::ClientContext context;
    context.set_deadline(In(absl::Seconds(30)));
    ASSERT_TRUE(inventory->UpsertProduct(&context, product, &stored).ok());
  }
  // A backlog: 20 orders recorded as a coordinator that died right after
  // CreateOrder leaves them.
  auto orders = order::v1::OrderService::NewStub(
      grpc::CreateChannel(stack.order_address(), grpc::InsecureChannelCredentials()));
  for (int i = 0; i < 20; ++i) {
    order::v1::CreateOrderRequest create;
    create.set_request_id("backlog-" + std::to_string(i));
    create.add_items()->set_product_id(9);
    create.mutable_items(0)->set_quantity(1);
    order::v1::Order created;
    grpc::ClientContext context;
    context.set_deadline(In(absl::Seconds(10)));
    ASSERT_TRUE(orders->CreateOrder(&context, create, &created).ok());
  }
  ASSERT_TRUE(stack.Signal(LocalStack::Role::kInventory, 0, SIGSTOP).ok());
  // The sweep picks the backlog up (orders older than 1.5 s) and hangs in
  // its first Reserve.
  absl::SleepFor(absl::Milliseconds(2500));

  const absl::Time signalled = absl::Now();
  ASSERT_TRUE(stack.Signal(LocalStack::Role::kCoordinator, 0, SIGTERM).ok());
  absl::Duration not_serving_after = absl::InfiniteDuration();
  while (absl::Now() - signalled < absl::Seconds(2)) {
    absl::StatusOr<bool> serving = IsServing(stack.saga_address());
    if (!serving.ok() || !*serving) {
      not_serving_after = absl::Now() - signalled;
      break;
    }
    absl::SleepFor(absl::Milliseconds(20));
  }
  absl::StatusOr<int> exit_code =
      stack.WaitForExit(LocalStack::Role::kCoordinator, 0, absl::Seconds(30));
  const absl::Duration exited_after = absl::Now() - signalled;
  ASSERT_TRUE(stack.Signal(LocalStack::Role::kInventory, 0, SIGCONT).ok());
  std::cout << "[shutdown] NOT_SERVING after " << not_serving_after << ", exited after "
            << exited_after << " with a backlog of 20 orders against a frozen inventory\n";
  EXPECT_LT(not_serving_after, absl::Milliseconds(500));
  ASSERT_TRUE(exit_code.ok()) << exit_code.status();
  EXPECT_EQ(*exit_code, 0);
  // Grace 3 s, plus the one call in flight (1 s) and the process's own exit.
  EXPECT_LT(exited_after, absl::Seconds(5));

  // A coordinator that runs finishes the backlog; nothing is lost.
  ASSERT_TRUE(stack.Restart(LocalStack::Role::kCoordinator, 0).ok());
  const int64_t pending = CountOrdersOnceNothingPending(stack, absl::Seconds(60)).pending();
  EXPECT_EQ(pending, 0);
  absl::StatusOr<audit::AuditReport> report = AuditStack(stack, absl::Seconds(60));
  ASSERT_TRUE(report.ok()) << report.status();
  EXPECT_TRUE(report->clean()) << audit::FormatAuditReport(*report);
}

}  // namespace
}  // namespace order_saga::testing
