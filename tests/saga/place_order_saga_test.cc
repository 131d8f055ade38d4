// Every branch of the saga against in-memory participants and a fake clock:
// no test sleeps, deadlines pass in microseconds.
#include "saga/place_order_saga.h"

#include <gtest/gtest.h>

#include "absl/strings/match.h"
#include "common/fake_clock.h"
#include "saga/recovery_sweeper.h"
#include "tests/saga/in_memory_participants.h"

namespace order_saga::coordinator {
namespace {

using testing::InMemoryInventoryParticipant;
using testing::InMemoryOrderParticipant;

class PlaceOrderSagaTest : public ::testing::Test {
 protected:
  PlaceOrderSagaTest()
      : orders_(clock_),
        sold_out_(absl::Seconds(2), absl::Milliseconds(100)),
        admission_(8),
        saga_(orders_, inventory_, sold_out_, admission_, clock_, PlaceOrderSaga::Options()) {
    Stock(4, 30);
    Stock(5, 20);
  }

  void Stock(int64_t id, int64_t stock) {
    ASSERT_TRUE(inventory_.ledger().UpsertProduct({id, "product", 1000, stock, {}}).ok());
  }

  static PlaceOrderCommand Bundle(const std::string& request_id) {
    return {request_id, "customer-1", {{4, 2}, {5, 1}}, {"홍길동", "", "", "", ""}};
  }

  int64_t Orders() {
    auto counts = orders_.lifecycle().CountOrders("");
    return counts->pending + counts->approved + counts->rejected;
  }

  FakeClock clock_;
  InMemoryOrderParticipant orders_;
  InMemoryInventoryParticipant inventory_;
  SoldOutCache sold_out_;
  ProductAdmission admission_;
  PlaceOrderSaga saga_;
};

TEST_F(PlaceOrderSagaTest, ReservedOrderIsApprovedAndHoldsStock) {
  absl::StatusOr<PlaceOrderOutcome> outcome = saga_.PlaceOrder(Bundle("r1"));
  ASSERT_TRUE(outcome.ok()) << outcome.status();
  EXPECT_EQ(outcome->status, OrderStatus::kApproved);
  EXPECT_FALSE(outcome->order_id.empty());
  EXPECT_EQ(inventory_.Stock(4), 28);
  EXPECT_EQ(inventory_.Stock(5), 19);
}

TEST_F(PlaceOrderSagaTest, RefusedReservationIsRejectedOutOfStockAndTakesNothing) {
  Stock(5, 0);
  absl::StatusOr<PlaceOrderOutcome> outcome = saga_.PlaceOrder(Bundle("r1"));
  ASSERT_TRUE(outcome.ok());
  EXPECT_EQ(outcome->status, OrderStatus::kRejected);
  EXPECT_EQ(outcome->reject_reason, RejectReason::kOutOfStock);
  EXPECT_FALSE(outcome->order_id.empty());
  EXPECT_EQ(inventory_.Stock(4), 30);
}

TEST_F(PlaceOrderSagaTest, KnownSoldOutProductIsTurnedAwayAtTheDoorWithoutAnOrderRow) {
  Stock(5, 0);
  ASSERT_TRUE(saga_.PlaceOrder(Bundle("r1")).ok());  // teaches the cache
  const int64_t before = Orders();
  absl::StatusOr<PlaceOrderOutcome> outcome = saga_.PlaceOrder(Bundle("r2"));
  ASSERT_TRUE(outcome.ok());
  EXPECT_EQ(outcome->status, OrderStatus::kRejected);
  EXPECT_EQ(outcome->reject_reason, RejectReason::kSoldOut);
  EXPECT_TRUE(outcome->order_id.empty());
  EXPECT_EQ(Orders(), before);
}

TEST_F(PlaceOrderSagaTest, RetryOfAnExistingRequestIsNotTurnedAwayAtTheDoor) {
  absl::StatusOr<PlaceOrderOutcome> first = saga_.PlaceOrder(Bundle("r1"));
  ASSERT_EQ(first->status, OrderStatus::kApproved);
  sold_out_.Observe({{4, 2}}, {4}, clock_.Now());
  absl::StatusOr<PlaceOrderOutcome> again = saga_.PlaceOrder(Bundle("r1"));
  ASSERT_TRUE(again.ok());
  EXPECT_EQ(again->order_id, first->order_id);
  EXPECT_EQ(again->status, OrderStatus::kApproved);
}

TEST_F(PlaceOrderSagaTest, FreshSoldOutEntryIsTrustedWithoutAskingTheInventory) {
  Stock(4, 0);
  sold_out_.Observe({{4, 2}}, {4}, clock_.Now());
  EXPECT_EQ(saga_.PlaceOrder(Bundle("r1"))->reject_reason, RejectReason::kSoldOut);
  EXPECT_EQ(inventory_.sold_out_checks, 0);
  clock_.Advance(absl::Milliseconds(150));  // older than the recheck interval
  EXPECT_EQ(saga_.PlaceOrder(Bundle("r2"))->reject_reason, RejectReason::kSoldOut);
  EXPECT_EQ(inventory_.sold_out_checks, 1);
  EXPECT_EQ(saga_.PlaceOrder(Bundle("r3"))->reject_reason, RejectReason::kSoldOut);
  EXPECT_EQ(inventory_.sold_out_checks, 1);  // the check refreshed the entry
}

TEST_F(PlaceOrderSagaTest, RestockIsNoticedAtTheDoorWithinTheRecheckInterval) {
  sold_out_.Observe({{4, 2}}, {4}, clock_.Now());  // stock is really 30
  EXPECT_EQ(saga_.PlaceOrder(Bundle("r1"))->reject_reason, RejectReason::kSoldOut);
  clock_.Advance(absl::Milliseconds(150));
  EXPECT_EQ(saga_.PlaceOrder(Bundle("r2"))->status, OrderStatus::kApproved);
}

TEST_F(PlaceOrderSagaTest, UnknownProductIsRejected) {
  PlaceOrderCommand command = Bundle("r1");
  command.items.push_back({99, 1});
  absl::StatusOr<PlaceOrderOutcome> outcome = saga_.PlaceOrder(command);
  ASSERT_TRUE(outcome.ok());
  EXPECT_EQ(outcome->reject_reason, RejectReason::kUnknownProduct);
  EXPECT_EQ(inventory_.Stock(4), 30);
}

TEST_F(PlaceOrderSagaTest, SameRequestIdTwiceYieldsOneOrderAndOneReservation) {
  absl::StatusOr<PlaceOrderOutcome> first = saga_.PlaceOrder(Bundle("r1"));
  absl::StatusOr<PlaceOrderOutcome> second = saga_.PlaceOrder(Bundle("r1"));
  ASSERT_TRUE(first.ok() && second.ok());
  EXPECT_EQ(first->order_id, second->order_id);
  EXPECT_EQ(second->status, OrderStatus::kApproved);
  EXPECT_EQ(Orders(), 1);
  EXPECT_EQ(inventory_.Stock(4), 28);
}

TEST_F(PlaceOrderSagaTest, LostReserveAnswerIsRetriedAndReservesOnce) {
  inventory_.reserve_faults.after = 2;  // committed twice over, answers lost
  absl::StatusOr<PlaceOrderOutcome> outcome = saga_.PlaceOrder(Bundle("r1"));
  ASSERT_TRUE(outcome.ok());
  EXPECT_EQ(outcome->status, OrderStatus::kApproved);
  EXPECT_EQ(inventory_.reserve_faults.calls, 3);
  EXPECT_EQ(inventory_.Stock(4), 28);
}

TEST_F(PlaceOrderSagaTest, InventoryThatNeverAnswersIsCompensatedWithATombstone) {
  inventory_.reserve_faults.before = 1'000'000;
  const absl::Time start = clock_.Now();
  absl::StatusOr<PlaceOrderOutcome> outcome = saga_.PlaceOrder(Bundle("r1"));
  ASSERT_TRUE(outcome.ok());
  EXPECT_EQ(outcome->status, OrderStatus::kRejected);
  EXPECT_EQ(outcome->reject_reason, RejectReason::kInventoryUnavailable);
  // Retried until the next jittered pause (at most 1.5 x max_backoff) would
  // pass the deadline.
  const PlaceOrderSaga::Options defaults;
  EXPECT_GE(clock_.Now() - start,
            defaults.saga_deadline - defaults.retry.max_backoff * 1.5);
  EXPECT_GT(inventory_.reserve_faults.calls, 3);
  EXPECT_EQ(inventory_.stock_returns, 0);
  // The tombstone refuses a Reserve that arrives late.
  inventory_.reserve_faults.before = 0;
  absl::StatusOr<ReserveAnswer> late =
      inventory_.Reserve(outcome->order_id, {{4, 2}, {5, 1}}, absl::InfiniteFuture());
  EXPECT_EQ(late->outcome, ReserveOutcome::kReleased);
  EXPECT_EQ(inventory_.Stock(4), 30);
}

// Issue 13, defect 3: a saga whose deadline was spent before its Reserve
// (overload: CreateOrder took it all) used to be compensated as
// INVENTORY_UNAVAILABLE although the inventory was never asked. The
// inventory now gets one full call timeout whatever is left, and a step that
// cannot even start leaves the order PENDING for the sweep, never REJECTED.
TEST_F(PlaceOrderSagaTest, ASagaWithNoTimeLeftStillAsksTheInventoryAndIsNotRejected) {
  absl::StatusOr<orders::Order> recorded =
      orders_.lifecycle().CreateOrder({"r1", "customer-1", {{4, 2}, {5, 1}}, {}});
  ASSERT_TRUE(recorded.ok());
  absl::StatusOr<std::optional<OrderSnapshot>> order =
      orders_.FindOrder(recorded->order_id, absl::InfiniteFuture());
  ASSERT_TRUE(order.ok() && order->has_value());
  const PlaceOrderOutcome spent = saga_.Drive(**order, clock_.Now());
  EXPECT_EQ(spent.status, OrderStatus::kPending) << spent.detail;
  EXPECT_EQ(inventory_.reserve_faults.calls, 1);  // asked, with a full call timeout
  EXPECT_EQ(inventory_.Stock(4), 28);             // held for the order
  EXPECT_FALSE(orders_.lifecycle().GetOrder(recorded->order_id, "")->compensating);
  absl::StatusOr<std::optional<OrderSnapshot>> again =
      orders_.FindOrder(recorded->order_id, absl::InfiniteFuture());
  const PlaceOrderOutcome driven = saga_.Drive(**again, clock_.Now() + absl::Seconds(5));
  EXPECT_EQ(driven.status, OrderStatus::kApproved);
  EXPECT_EQ(inventory_.Stock(4), 28);  // the same reservation, not a second one
}

TEST_F(PlaceOrderSagaTest, ReservationWhoseAnswersAreAllLostIsReleasedExactlyOnce) {
  inventory_.reserve_faults.after = 1'000'000;
  absl::StatusOr<PlaceOrderOutcome> outcome = saga_.PlaceOrder(Bundle("r1"));
  ASSERT_TRUE(outcome.ok());
  EXPECT_EQ(outcome->reject_reason, RejectReason::kInventoryUnavailable);
  EXPECT_EQ(inventory_.stock_returns, 1);
  EXPECT_EQ(inventory_.Stock(4), 30);
  EXPECT_EQ(inventory_.Stock(5), 20);
}

TEST_F(PlaceOrderSagaTest, ApprovalThatLosesToAConcurrentRejectionReleasesTheStock) {
  // Another coordinator compensates the order just before our approval.
  orders_.before_approve = [this](const std::string& order_id) {
    orders_.before_approve = nullptr;
    ASSERT_TRUE(orders_.lifecycle()
                    .MarkCompensating(order_id, RejectReason::kInventoryUnavailable, "other")
                    .ok());
  };
  absl::StatusOr<PlaceOrderOutcome> outcome = saga_.PlaceOrder(Bundle("r1"));
  ASSERT_TRUE(outcome.ok());
  EXPECT_EQ(outcome->status, OrderStatus::kRejected);
  EXPECT_EQ(outcome->reject_reason, RejectReason::kInventoryUnavailable);
  EXPECT_EQ(inventory_.stock_returns, 1);
  EXPECT_EQ(inventory_.Stock(4), 30);
}

TEST_F(PlaceOrderSagaTest, CompensationThatLosesToAnApprovalKeepsTheReservation) {
  absl::StatusOr<PlaceOrderOutcome> approved = saga_.PlaceOrder(Bundle("r1"));
  ASSERT_EQ(approved->status, OrderStatus::kApproved);
  // A late compensation of the same order (say, from a stale coordinator).
  absl::StatusOr<OrderSnapshot> order = orders_.FindByRequestId("customer-1", "r1", absl::InfiniteFuture())
                                            .value()
                                            .value();
  OrderSnapshot stale = *order;
  stale.status = OrderStatus::kPending;
  stale.compensating = true;
  stale.reject_reason = RejectReason::kInventoryUnavailable;
  PlaceOrderOutcome outcome = saga_.Drive(stale, clock_.Now() + absl::Seconds(5));
  EXPECT_EQ(outcome.status, OrderStatus::kApproved);
  EXPECT_EQ(inventory_.stock_returns, 0);
  EXPECT_EQ(inventory_.Stock(4), 28);
}

TEST_F(PlaceOrderSagaTest, LostApprovalAnswerIsRetried) {
  orders_.approve_faults.after = 1;
  absl::StatusOr<PlaceOrderOutcome> outcome = saga_.PlaceOrder(Bundle("r1"));
  ASSERT_TRUE(outcome.ok());
  EXPECT_EQ(outcome->status, OrderStatus::kApproved);
  EXPECT_EQ(inventory_.Stock(4), 28);
}

TEST_F(PlaceOrderSagaTest, OrderServiceDownIsUnavailableAndWritesNothing) {
  orders_.create_faults.before = 1'000'000;
  absl::StatusOr<PlaceOrderOutcome> outcome = saga_.PlaceOrder(Bundle("r1"));
  EXPECT_EQ(outcome.status().code(), absl::StatusCode::kUnavailable);
  orders_.create_faults.before = 0;
  EXPECT_EQ(Orders(), 0);
  EXPECT_EQ(inventory_.Stock(4), 30);
}

TEST_F(PlaceOrderSagaTest, InvalidInputNamesTheFieldAndWritesNothing) {
  struct Case {
    PlaceOrderCommand command;
    std::string field;
  };
  std::vector<Case> cases = {
      {{"", "c", {{4, 1}}, {}}, "request_id"},
      {{"r", "c", {}, {}}, "items"},
      {{"r", "c", {{4, 0}}, {}}, "items[0].quantity"},
      {{"r", "c", {{4, -3}}, {}}, "items[0].quantity"},
      {{"r", "c", {{4, 1'000'000}}, {}}, "items[0].quantity"},
      {{"r", "c", {{0, 1}}, {}}, "items[0].product_id"},
      {{"r", "c", {{4, 1}, {4, 1}}, {}}, "items[1].product_id"},
      {{std::string(129, 'x'), "c", {{4, 1}}, {}}, "request_id"},
      {{"r", std::string(129, 'x'), {{4, 1}}, {}}, "customer_id"},
      {{"r", "c", {{4, 1}}, {std::string(300, 'x'), "", "", "", ""}},
       "shipping_address.recipient"},
  };
  for (const Case& c : cases) {
    absl::StatusOr<PlaceOrderOutcome> outcome = saga_.PlaceOrder(c.command);
    EXPECT_EQ(outcome.status().code(), absl::StatusCode::kInvalidArgument) << c.field;
    EXPECT_TRUE(absl::StartsWith(outcome.status().message(), c.field + ":"))
        << outcome.status() << " should name " << c.field;
  }
  EXPECT_EQ(Orders(), 0);
  EXPECT_EQ(inventory_.Stock(4), 30);
}

class RecoverySweeperTest : public PlaceOrderSagaTest {
 protected:
  RecoverySweeper::Options Options() {
    RecoverySweeper::Options options;
    options.recovery_age = absl::Seconds(15);
    return options;
  }
};

TEST_F(RecoverySweeperTest, OrderLeftPendingByACrashedCoordinatorIsApproved) {
  // The coordinator recorded the order and died before Reserve.
  ASSERT_TRUE(orders_.lifecycle().CreateOrder({"r1", "c", {{4, 2}, {5, 1}}, {}}).ok());
  RecoverySweeper sweeper(orders_, saga_, clock_, Options());
  EXPECT_EQ(*sweeper.SweepOnce(), 0);  // too young to be touched
  clock_.Advance(absl::Seconds(16));
  EXPECT_EQ(*sweeper.SweepOnce(), 1);
  EXPECT_EQ(orders_.lifecycle().GetOrder("", "r1", "c")->status, OrderStatus::kApproved);
  EXPECT_EQ(inventory_.Stock(4), 28);
  EXPECT_EQ(*sweeper.SweepOnce(), 0);
}

TEST_F(RecoverySweeperTest, CompensationCutShortByACrashIsFinished) {
  absl::StatusOr<orders::Order> order =
      orders_.lifecycle().CreateOrder({"r1", "c", {{4, 2}, {5, 1}}, {}});
  ASSERT_TRUE(inventory_.Reserve(order->order_id, order->items, absl::InfiniteFuture()).ok());
  ASSERT_TRUE(orders_.lifecycle()
                  .MarkCompensating(order->order_id, RejectReason::kInventoryUnavailable, "x")
                  .ok());
  ASSERT_EQ(inventory_.Stock(4), 28);
  clock_.Advance(absl::Seconds(16));
  RecoverySweeper sweeper(orders_, saga_, clock_, Options());
  EXPECT_EQ(*sweeper.SweepOnce(), 1);
  absl::StatusOr<orders::Order> after = orders_.lifecycle().GetOrder(order->order_id, "");
  EXPECT_EQ(after->status, OrderStatus::kRejected);
  EXPECT_EQ(after->reject_reason, RejectReason::kInventoryUnavailable);
  EXPECT_EQ(inventory_.Stock(4), 30);
}

}  // namespace
}  // namespace order_saga::coordinator
