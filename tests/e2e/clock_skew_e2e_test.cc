// Issue 13, point 9: clocks that disagree. Two coordinators, one 30 s ahead
// of the inventory's and the database's clock, one 30 s behind (an injected
// offset, --test_clock_offset_ms), over the same services. Each still
// approves exactly what the stock covers, and the recovery sweep judges an
// order's age by the database's clock: it neither takes a live saga for an
// abandoned one (a clock ahead) nor leaves an abandoned one waiting 30 s
// longer (a clock behind).
#include <iostream>

#include <grpcpp/grpcpp.h>
#include <gtest/gtest.h>

#include "tests/e2e/concurrent_orders.h"
#include "tests/e2e/stack_test.h"

namespace order_saga::testing {
namespace {

class ClockSkewE2ETest : public StackTest {
 protected:
  static void SetUpTestSuite() {
    LocalStack::Options options;
    options.coordinators = 2;
    options.per_coordinator_flags = {{"--test_clock_offset_ms=30000"},
                                     {"--test_clock_offset_ms=-30000"}};
    StartStack(std::move(options));
  }

  void Upsert(int64_t id, int64_t stock) {
    inventory::v1::Product product, stored;
    product.set_product_id(id);
    product.set_name("상품 " + std::to_string(id));
    product.set_stock(stock);
    grpc::ClientContext context;
    context.set_deadline(In(absl::Seconds(10)));
    ASSERT_TRUE(inventory_->UpsertProduct(&context, product, &stored).ok());
  }

  std::unique_ptr<saga::v1::SagaCoordinator::Stub> Coordinator(int index) {
    return saga::v1::SagaCoordinator::NewStub(
        grpc::CreateChannel(stack_->saga_address(index), grpc::InsecureChannelCredentials()));
  }

  // Records an order as a coordinator that died right after CreateOrder
  // leaves it, and returns how long until a sweep decided it.
  absl::Duration TimeToRecover(const std::string& request_id) {
    order::v1::CreateOrderRequest create;
    create.set_request_id(request_id);
    create.add_items()->set_product_id(12);
    create.mutable_items(0)->set_quantity(1);
    order::v1::Order order;
    {
      grpc::ClientContext context;
      context.set_deadline(In(absl::Seconds(10)));
      EXPECT_TRUE(orders_->CreateOrder(&context, create, &order).ok());
    }
    const absl::Time created = absl::Now();
    order::v1::GetOrderRequest get;
    get.set_order_id(order.order_id());
    while (absl::Now() - created < absl::Seconds(60)) {
      grpc::ClientContext context;
      context.set_deadline(In(absl::Seconds(5)));
      if (orders_->GetOrder(&context, get, &order).ok() &&
          order.status() != order::v1::ORDER_STATUS_PENDING) {
        EXPECT_EQ(order.status(), order::v1::ORDER_STATUS_APPROVED) << order.DebugString();
        return absl::Now() - created;
      }
      absl::SleepFor(absl::Milliseconds(20));
    }
    return absl::InfiniteDuration();
  }
};

TEST_F(ClockSkewE2ETest, ACoordinatorThirtySecondsAheadOrBehindApprovesWhatTheStockCovers) {
  for (int index : {0, 1}) {
    SCOPED_TRACE(index == 0 ? "30 s ahead" : "30 s behind");
    Upsert(4, 30);
    Upsert(5, 20);
    ExpectReferenceFlashSale(*Coordinator(index), *stack_,
                             index == 0 ? "skew-ahead-" : "skew-behind-");
  }
}

// The stack's sweep re-drives orders untouched for 1.5 s (by the database's
// clock) every 200 ms.
TEST_F(ClockSkewE2ETest, TheRecoverySweepJudgesAgeByTheDatabasesClock) {
  Upsert(12, 1000);
  // Both sweep: the one ahead must not take the order before 1.5 s.
  const absl::Duration both = TimeToRecover("skew-both");
  // Only the one behind sweeps: it must not wait 30 s longer.
  ASSERT_TRUE(stack_->Kill(LocalStack::Role::kCoordinator, 0).ok());
  const absl::Duration behind = TimeToRecover("skew-behind-alone");
  ASSERT_TRUE(stack_->Restart(LocalStack::Role::kCoordinator, 0).ok());
  std::cout << "[skew] recovered after " << both << " (sweeps 30 s ahead and behind), "
            << behind << " (30 s behind alone); recovery age 1.5 s\n";
  EXPECT_GE(both, absl::Milliseconds(1400));
  EXPECT_LT(both, absl::Seconds(10));
  EXPECT_GE(behind, absl::Milliseconds(1400));
  EXPECT_LT(behind, absl::Seconds(10));
  absl::StatusOr<audit::AuditReport> report = AuditStack(*stack_, absl::Seconds(30));
  ASSERT_TRUE(report.ok()) << report.status();
  EXPECT_TRUE(report->clean()) << audit::FormatAuditReport(*report);
}

}  // namespace
}  // namespace order_saga::testing
