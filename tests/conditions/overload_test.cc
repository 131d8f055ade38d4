// Issue 13, defect 3: overload must not turn into wrong rejections. An
// open-loop load at twice the peak rate on one hot product with ample stock,
// for 20 s: every order ends APPROVED, or its call is refused with a true
// and retryable reason (RESOURCE_EXHAUSTED at admission, DEADLINE_EXCEEDED)
// with nothing written; no order is REJECTED, none INVENTORY_UNAVAILABLE,
// while the inventory is healthy.
#include <atomic>
#include <iostream>
#include <thread>

#include <grpcpp/grpcpp.h>
#include <gtest/gtest.h>

#include "absl/strings/str_cat.h"
#include "tests/e2e/open_loop_load.h"
#include "tests/e2e/stack_test.h"

namespace order_saga::testing {
namespace {

constexpr int64_t kHot = 31;

saga::v1::PlaceOrderRequest HotOrder(const std::string& request_id) {
  saga::v1::PlaceOrderRequest request;
  request.set_request_id(request_id);
  request.set_customer_id("crowd");
  common::v1::LineItem* item = request.add_items();
  item->set_product_id(kHot);
  item->set_quantity(1);
  return request;
}

// Approved orders per second with `clients` callers back to back.
double ClosedLoopPeak(const std::string& address, int clients, absl::Duration duration) {
  std::atomic<int64_t> approved{0}, next{0};
  const absl::Time stop = absl::Now() + duration;
  std::vector<std::thread> threads;
  for (int t = 0; t < clients; ++t) {
    threads.emplace_back([&] {
      auto stub = saga::v1::SagaCoordinator::NewStub(
          grpc::CreateChannel(address, grpc::InsecureChannelCredentials()));
      while (absl::Now() < stop) {
        saga::v1::PlaceOrderResponse response;
        grpc::ClientContext context;
        context.set_deadline(In(absl::Seconds(30)));
        if (stub->PlaceOrder(&context, HotOrder(absl::StrCat("peak-", next++)), &response).ok() &&
            response.status() == order::v1::ORDER_STATUS_APPROVED) {
          ++approved;
        }
      }
    });
  }
  for (std::thread& thread : threads) thread.join();
  return static_cast<double>(approved.load()) / absl::ToDoubleSeconds(duration);
}

TEST(OverloadE2ETest, TwiceThePeakRateOnAHotProductGivesNoWrongRejection) {
  LocalStack::Options options;
  options.log_prefix = "overload_";
  // Room for many more callers than admission slots (128 per product), as a
  // coordinator sized for a crowd has: the surplus waits for admission.
  // A short saga deadline makes time lost before Reserve show at once.
  options.coordinator_flags = {"--max_threads=1024", "--saga_deadline_ms=1000",
                               "--admission_wait_ms=1000"};
  absl::StatusOr<std::unique_ptr<LocalStack>> started = LocalStack::Start(options);
  ASSERT_TRUE(started.ok()) << started.status();
  LocalStack& stack = **started;
  {
    auto inventory = inventory::v1::InventoryService::NewStub(
        grpc::CreateChannel(stack.inventory_address(), grpc::InsecureChannelCredentials()));
    inventory::v1::Product product, stored;
    product.set_product_id(kHot);
    product.set_name("인기 상품");
    product.set_stock(1000000000);
    grpc::ClientContext context;
    context.set_deadline(In(absl::Seconds(30)));
    ASSERT_TRUE(inventory->UpsertProduct(&context, product, &stored).ok());
  }
  const double peak = ClosedLoopPeak(stack.saga_address(), 64, absl::Seconds(3));
  ASSERT_GT(peak, 10) << "the stack did not approve orders at all";

  OpenLoopOptions load;
  load.rate = 2 * peak;
  load.duration = absl::Seconds(20);
  load.call_deadline = absl::Seconds(10);
  // Enough connections that the client's own stream limit (100 per
  // connection) does not queue the calls: the server sees the whole crowd.
  load.channels = 32;
  OpenLoopLoad crowd({stack.saga_address()},
                     [](int64_t i) { return HotOrder(absl::StrCat("crowd-", i)); });
  const std::vector<OpenLoopAnswer> answers = crowd.Run(load);
  const OpenLoopSummary summary = Summarize(answers);
  std::cout << "[overload] peak " << peak << " orders/s; open loop at " << load.rate
            << "/s for 20 s: " << summary.ToString() << "\n";

  EXPECT_TRUE(summary.rejected.empty()) << summary.ToString();
  for (const auto& [code, n] : summary.refused) {
    EXPECT_TRUE(code == "RESOURCE_EXHAUSTED" || code == "DEADLINE_EXCEEDED")
        << n << " calls refused with " << code;
  }
  EXPECT_GT(summary.approved, 0);

  // Every order that was recorded ends APPROVED (the sweep finishes those
  // whose answer was PENDING or lost); none is REJECTED.
  auto orders = order::v1::OrderService::NewStub(
      grpc::CreateChannel(stack.order_address(), grpc::InsecureChannelCredentials()));
  const order::v1::CountOrdersResponse counted =
      CountOrdersOnceNothingPending(stack, absl::Seconds(60));
  EXPECT_EQ(counted.pending(), 0);
  EXPECT_EQ(counted.rejected(), 0) << "orders rejected under overload";
  EXPECT_GE(counted.approved(), summary.approved);
  std::cout << "[overload] recorded orders: " << counted.approved() << " approved, "
            << counted.rejected() << " rejected\n";
  // A refusal wrote nothing: no order exists for a sample of the refused
  // request ids.
  int checked = 0;
  for (const OpenLoopAnswer& answer : answers) {
    if (answer.status.error_code() != grpc::StatusCode::RESOURCE_EXHAUSTED) continue;
    if (++checked > 300) break;
    order::v1::GetOrderRequest get;
    get.set_request_id(answer.request_id);
    get.set_customer_id("crowd");
    order::v1::Order order;
    grpc::ClientContext context;
    context.set_deadline(In(absl::Seconds(10)));
    EXPECT_EQ(orders->GetOrder(&context, get, &order).error_code(), grpc::StatusCode::NOT_FOUND)
        << answer.request_id << " was refused but recorded";
  }
  absl::StatusOr<audit::AuditReport> report = AuditStack(stack, absl::Seconds(60));
  ASSERT_TRUE(report.ok()) << report.status();
  EXPECT_TRUE(report->clean()) << audit::FormatAuditReport(*report);
}

}  // namespace
}  // namespace order_saga::testing
