#include "tests/e2e/concurrent_orders.h"

#include <thread>

#include <gtest/gtest.h>

#include "absl/strings/str_cat.h"
#include "absl/synchronization/barrier.h"
#include "absl/time/clock.h"
#include "tests/e2e/local_stack.h"

namespace order_saga::testing {

std::vector<PlacedOrder> PlaceAtOnce(saga::v1::SagaCoordinator::Stub& stub, int count,
                                     const std::string& prefix,
                                     const std::vector<std::pair<int64_t, int32_t>>& items,
                                     const std::string& customer_id) {
  std::vector<PlacedOrder> placed(count);
  absl::Barrier* start = new absl::Barrier(count);
  std::vector<std::thread> clients;
  for (int i = 0; i < count; ++i) {
    clients.emplace_back([&, i] {
      saga::v1::PlaceOrderRequest request;
      request.set_request_id(absl::StrCat(prefix, i));
      request.set_customer_id(customer_id);
      for (auto [product, quantity] : items) {
        common::v1::LineItem* item = request.add_items();
        item->set_product_id(product);
        item->set_quantity(quantity);
      }
      if (start->Block()) delete start;
      grpc::ClientContext context;
      context.set_deadline(absl::ToChronoTime(absl::Now() + absl::Seconds(30)));
      placed[i].status = stub.PlaceOrder(&context, request, &placed[i].response);
    });
  }
  for (std::thread& client : clients) client.join();
  return placed;
}

int CountApproved(const std::vector<PlacedOrder>& orders) {
  int approved = 0;
  for (const PlacedOrder& order : orders) {
    if (order.status.ok() && order.response.status() == order::v1::ORDER_STATUS_APPROVED) {
      ++approved;
    }
  }
  return approved;
}

void ExpectReferenceFlashSale(saga::v1::SagaCoordinator::Stub& stub, const LocalStack& stack,
                              const std::string& prefix) {
  std::vector<PlacedOrder> placed = PlaceAtOnce(stub, 200, prefix, {{4, 2}, {5, 1}});
  for (const PlacedOrder& order : placed) {
    ASSERT_TRUE(order.status.ok()) << order.status.error_message();
  }
  EXPECT_EQ(CountApproved(placed), 15);
  absl::StatusOr<audit::AuditReport> report = AuditStack(stack, absl::Seconds(10));
  ASSERT_TRUE(report.ok()) << report.status();
  EXPECT_TRUE(report->clean()) << audit::FormatAuditReport(*report);
}

}  // namespace order_saga::testing
