// The audit's rules on hand-made snapshots: each invariant, broken once.
#include <google/protobuf/util/time_util.h>
#include <gtest/gtest.h>

#include "absl/strings/match.h"
#include "audit/stock_audit.h"

namespace order_saga::audit {
namespace {

using ::google::protobuf::util::TimeUtil;
const absl::Time kNow = absl::FromUnixSeconds(1'800'000'000);

::inventory::v1::Product Product(int64_t id, int64_t stock, int64_t supplied) {
  ::inventory::v1::Product product;
  product.set_product_id(id);
  product.set_stock(stock);
  product.set_supplied(supplied);
  return product;
}

::order::v1::Order Order(const std::string& id, ::order::v1::OrderStatus status,
                         int64_t product_id, int32_t quantity,
                         absl::Duration age = absl::Seconds(1)) {
  ::order::v1::Order order;
  order.set_order_id(id);
  order.set_status(status);
  auto* item = order.add_items();
  item->set_product_id(product_id);
  item->set_quantity(quantity);
  *order.mutable_update_time() =
      TimeUtil::MicrosecondsToTimestamp(absl::ToUnixMicros(kNow - age));
  return order;
}

::inventory::v1::Reservation Held(const std::string& order_id, int64_t product_id,
                                  int32_t quantity,
                                  ::inventory::v1::ReservationOutcome outcome =
                                      ::inventory::v1::RESERVATION_OUTCOME_RESERVED) {
  ::inventory::v1::Reservation reservation;
  reservation.set_order_id(order_id);
  reservation.set_outcome(outcome);
  auto* item = reservation.add_items();
  item->set_product_id(product_id);
  item->set_quantity(quantity);
  return reservation;
}

// Product 4: 10 supplied, 2 held by an APPROVED order, 3 by one in flight.
Snapshot Healthy() {
  Snapshot snapshot;
  snapshot.taken_at = kNow;
  snapshot.products = {Product(4, 5, 10)};
  snapshot.orders = {Order("a", ::order::v1::ORDER_STATUS_APPROVED, 4, 2),
                     Order("p", ::order::v1::ORDER_STATUS_PENDING, 4, 3),
                     Order("r", ::order::v1::ORDER_STATUS_REJECTED, 4, 1)};
  snapshot.reservations = {
      Held("a", 4, 2), Held("p", 4, 3),
      Held("r", 4, 1, ::inventory::v1::RESERVATION_OUTCOME_RELEASED)};
  return snapshot;
}

bool Mentions(const AuditReport& report, const std::string& text) {
  for (const std::string& violation : report.violations) {
    if (absl::StrContains(violation, text)) return true;
  }
  return false;
}

TEST(StockAuditTest, HealthySystemIsCleanAndCountsWhatIsHeld) {
  AuditReport report = AuditStock(Healthy(), {});
  EXPECT_TRUE(report.clean()) << FormatAuditReport(report);
  ASSERT_EQ(report.products.size(), 1u);
  EXPECT_EQ(report.products[0].held_by_approved, 2);
  EXPECT_EQ(report.products[0].held_in_flight, 3);
  EXPECT_EQ(report.orders_pending, 1);
  EXPECT_EQ(report.reservations_held, 2);
  EXPECT_EQ(report.reservations_released, 1);
  EXPECT_TRUE(absl::StrContains(FormatAuditReport(report), "audit: clean"));
}

TEST(StockAuditTest, LostAndInventedUnitsAreViolations) {
  Snapshot lost = Healthy();
  lost.products[0].set_stock(4);
  EXPECT_TRUE(Mentions(AuditStock(lost, {}), "1 units lost"));
  Snapshot invented = Healthy();
  invented.products[0].set_stock(7);
  EXPECT_TRUE(Mentions(AuditStock(invented, {}), "2 units invented"));
}

TEST(StockAuditTest, NegativeStockIsAViolation) {
  Snapshot snapshot = Healthy();
  snapshot.products[0].set_stock(-1);
  snapshot.products[0].set_supplied(4);
  EXPECT_TRUE(Mentions(AuditStock(snapshot, {}), "negative stock"));
}

TEST(StockAuditTest, RejectedOrderHoldingStockIsAViolation) {
  Snapshot snapshot = Healthy();
  snapshot.reservations[2].set_outcome(::inventory::v1::RESERVATION_OUTCOME_RESERVED);
  snapshot.products[0].set_supplied(11);
  EXPECT_TRUE(Mentions(AuditStock(snapshot, {}), "ORDER_STATUS_REJECTED order r still holds"));
}

TEST(StockAuditTest, ApprovedOrderWithoutStockIsAViolation) {
  Snapshot snapshot = Healthy();
  snapshot.reservations[0].set_outcome(::inventory::v1::RESERVATION_OUTCOME_RELEASED);
  snapshot.products[0].set_supplied(8);
  EXPECT_TRUE(Mentions(AuditStock(snapshot, {}), "APPROVED order a holds no stock"));
  snapshot.reservations.erase(snapshot.reservations.begin());
  EXPECT_TRUE(Mentions(AuditStock(snapshot, {}), "APPROVED order a holds no reservation"));
}

TEST(StockAuditTest, ApprovedOrderHoldingOtherItemsIsAViolation) {
  Snapshot snapshot = Healthy();
  snapshot.reservations[0].mutable_items(0)->set_quantity(1);
  snapshot.products[0].set_supplied(9);
  EXPECT_TRUE(Mentions(AuditStock(snapshot, {}), "but its reservation holds 4x1"));
}

TEST(StockAuditTest, ReservationWithoutOrderIsAViolation) {
  Snapshot snapshot = Healthy();
  snapshot.reservations.push_back(Held("ghost", 4, 1));
  snapshot.products[0].set_supplied(11);
  EXPECT_TRUE(Mentions(AuditStock(snapshot, {}), "reservation ghost holds stock"));
}

TEST(StockAuditTest, PendingBeyondTheRecoveryWindowIsAViolation) {
  Snapshot snapshot = Healthy();
  snapshot.orders[1] = Order("p", ::order::v1::ORDER_STATUS_PENDING, 4, 3, absl::Minutes(2));
  AuditOptions options;
  options.recovery_window = absl::Seconds(30);
  AuditReport report = AuditStock(snapshot, options);
  EXPECT_TRUE(Mentions(report, "order p has been PENDING for 2m"));
  EXPECT_EQ(report.products[0].held_in_flight, 0);
}

TEST(StockAuditTest, ExpectedSupplyIsCheckedIndependently) {
  AuditOptions options;
  options.expected_supplied = {{4, 12}, {9, 1}};
  AuditReport report = AuditStock(Healthy(), options);
  EXPECT_TRUE(Mentions(report, "product 4: supplied 10, expected 12"));
  EXPECT_TRUE(Mentions(report, "product 9 is missing"));
}

}  // namespace
}  // namespace order_saga::audit
