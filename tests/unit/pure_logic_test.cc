// Pure functions and small classes: validation, page tokens, DSNs, the
// reservation rule, the order transition rule, the sold-out cache, the
// admission gate, the SQL splitter.
#include <cstdlib>
#include <map>
#include <optional>
#include <sstream>

#include <gflags/gflags.h>
#include <glog/logging.h>
#include <gtest/gtest.h>

#include "order/v1/order.pb.h"
#include "utf8_field_traits.h"

#include "absl/strings/match.h"
#include "common/env_flags.h"
#include "common/mysql/mysql_dsn.h"
#include "common/mysql/schema_migrator.h"
#include "common/page_token.h"
#include "common/request_validation.h"
#include "inventory_service/reservation_decision.h"
#include "order_service/order_decisions.h"
#include "saga/product_admission.h"
#include "saga/sold_out_cache.h"

DEFINE_int32(env_flag_test_port, 1, "a flag for the environment test");

namespace order_saga {
namespace {

TEST(LoadFlagsFromEnvironment, UpperCaseVariableSetsTheFlagAndBadValuesNameIt) {
  EXPECT_EQ(EnvironmentVariableForFlag("mysql_dsn"), "MYSQL_DSN");
  setenv("ENV_FLAG_TEST_PORT", "7", 1);
  ASSERT_TRUE(LoadFlagsFromEnvironment().ok());
  EXPECT_EQ(FLAGS_env_flag_test_port, 7);
  setenv("ENV_FLAG_TEST_PORT", "seven", 1);
  absl::Status bad = LoadFlagsFromEnvironment();
  EXPECT_EQ(bad.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_TRUE(absl::StrContains(bad.message(), "ENV_FLAG_TEST_PORT")) << bad;
  unsetenv("ENV_FLAG_TEST_PORT");
}

TEST(PrintProjectFlagsHelp, ShowsOurFlagsWithTheirVariableAndNotTheLibraries) {
  std::ostringstream help;
  PrintProjectFlagsHelp(help);
  EXPECT_TRUE(absl::StrContains(help.str(), "--env_flag_test_port (int32, default \""))
      << help.str();
  EXPECT_TRUE(absl::StrContains(help.str(), "(env ENV_FLAG_TEST_PORT)")) << help.str();
  EXPECT_TRUE(absl::StrContains(help.str(), "--helpfull")) << help.str();
  EXPECT_FALSE(absl::StrContains(help.str(), "logtostderr")) << help.str();
  EXPECT_FALSE(absl::StrContains(help.str(), "--flagfile")) << help.str();
}

TEST(LoadFlagsFromEnvironment, LeavesGlogsFlagsAlone) {
  setenv("V", "3", 1);  // glog's --v, not ours: a generic name a shell may hold
  ASSERT_TRUE(LoadFlagsFromEnvironment().ok());
  EXPECT_EQ(FLAGS_v, 0);
  unsetenv("V");
}

// Storage narrows a listing by saga state with CandidatesFor: the columns
// it names select exactly the orders SagaStateOf puts in that state.
TEST(OrderDecisions, TheCandidatesOfASagaStateAreExactlyItsOrders) {
  const absl::Time now = absl::FromUnixSeconds(1'800'000'000);
  for (OrderStatus status : {OrderStatus::kPending, OrderStatus::kApproved, OrderStatus::kRejected}) {
    for (bool stuck : {false, true}) {
      for (std::optional<absl::Time> retry_after :
           {std::optional<absl::Time>(), std::optional<absl::Time>(now - absl::Seconds(1)),
            std::optional<absl::Time>(now), std::optional<absl::Time>(now + absl::Seconds(1))}) {
        orders::Order order;
        order.status = status;
        order.stuck = stuck;
        order.retry_after = retry_after;
        // Every order is a candidate for its own state and for no other.
        const orders::SagaState state = orders::SagaStateOf(order, now);
        for (orders::SagaState other : {orders::SagaState::kActive, orders::SagaState::kBackingOff,
                                        orders::SagaState::kStuck, orders::SagaState::kFinished}) {
          const orders::SagaStateCandidates candidates = orders::CandidatesFor(other);
          const bool due = !retry_after.has_value() || *retry_after <= now;
          const bool candidate =
              candidates.pending == (status == OrderStatus::kPending) &&
              (!candidates.stuck.has_value() || *candidates.stuck == stuck) &&
              (!candidates.retry_due.has_value() || *candidates.retry_due == due);
          EXPECT_EQ(candidate, other == state)
              << "state " << static_cast<int>(state) << ", candidates of "
              << static_cast<int>(other);
        }
      }
    }
  }
}

TEST(OrderDecisions, AFailureBacksOffDoublingAndParksAtTheBudget) {
  const absl::Time now = absl::FromUnixSeconds(1'800'000'000);
  orders::Order order;
  order.order_id = "o1";
  orders::SagaFailure failure;
  failure.max_attempts = 3;
  failure.retry_delay = absl::Seconds(1);
  failure.max_retry_delay = absl::Seconds(3);
  std::vector<absl::Duration> delays;
  for (int attempt = 1; attempt <= 3; ++attempt) {
    failure.attempt = attempt;
    orders::SagaFailureDecision decision = orders::DecideSagaFailure(order, failure, now);
    ASSERT_TRUE(decision.counted);
    EXPECT_EQ(decision.parked, attempt == 3);
    EXPECT_EQ(decision.new_steps.size(), attempt == 3 ? 2u : 1u);
    order = decision.order;
    delays.push_back(*order.retry_after - now);
  }
  EXPECT_EQ(delays, (std::vector<absl::Duration>{absl::Seconds(1), absl::Seconds(2),
                                                 absl::Seconds(3)}));
  EXPECT_EQ(order.update_time, now);  // parking is visible
  failure.attempt = 4;
  EXPECT_FALSE(orders::DecideSagaFailure(order, failure, now).counted);  // parked
}

TEST(OrderDecisions, ABatchDecidesEachEntryAfterTheOnesBeforeIt) {
  const absl::Time now = absl::FromUnixSeconds(1'800'000'000);
  std::map<std::string, orders::Order> orders;
  orders["a"].order_id = "a";
  orders["b"].order_id = "b";
  orders["b"].compensating = true;
  const std::string a = "a", b = "b", missing = "zz";
  using Kind = orders::OrderTransition::Kind;
  std::vector<absl::StatusOr<orders::OrderChange>> changes = orders::DecideTransitions(
      {{&a, {Kind::kApprove, RejectReason::kNone, "first"}},
       {&a, {Kind::kApprove, RejectReason::kNone, "second"}},
       {&b, {Kind::kApprove, RejectReason::kNone, "compensating"}},
       {&missing, {Kind::kApprove, RejectReason::kNone, ""}}},
      orders, now);
  ASSERT_EQ(changes.size(), 4u);
  EXPECT_TRUE(changes[0]->changed);
  EXPECT_FALSE(changes[1]->changed);
  EXPECT_FALSE(changes[2]->changed);
  EXPECT_TRUE(absl::IsNotFound(changes[3].status()));
  EXPECT_EQ(orders["a"].status, OrderStatus::kApproved);
  EXPECT_EQ(orders["a"].detail, "first");
  EXPECT_EQ(orders["b"].status, OrderStatus::kPending);
}

TEST(ValidateLineItems, AcceptsAValidBundle) {
  EXPECT_TRUE(ValidateLineItems({{4, 2}, {5, 1}}).ok());
}

TEST(ValidateLineItems, RejectsTooManyItems) {
  std::vector<LineItem> items;
  for (int i = 1; i <= kMaxLineItems + 1; ++i) items.push_back({i, 1});
  absl::Status status = ValidateLineItems(items);
  EXPECT_EQ(status.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_TRUE(absl::StartsWith(status.message(), "items:")) << status;
}

TEST(ValidateLineItems, RejectsInt32AndInt64Extremes) {
  EXPECT_FALSE(ValidateLineItems({{4, INT32_MAX}}).ok());
  EXPECT_FALSE(ValidateLineItems({{4, INT32_MIN}}).ok());
  EXPECT_FALSE(ValidateLineItems({{INT64_MIN, 1}}).ok());
  EXPECT_TRUE(ValidateLineItems({{INT64_MAX, 1}}).ok());
}

TEST(TruncateUtf8, CutsOnlyBetweenCharacters) {
  EXPECT_EQ(TruncateUtf8("short", 10), "short");
  EXPECT_EQ(TruncateUtf8("abcdef", 3), "abc");
  EXPECT_EQ(TruncateUtf8("a재재", 4), "a재");    // 1 + 3 bytes fit exactly
  EXPECT_EQ(TruncateUtf8("a재재", 6), "a재");    // the second 재 would be cut
  EXPECT_EQ(TruncateUtf8("재", 2), "");
  EXPECT_EQ(TruncateUtf8("é😀", 5), "é");       // 2 + 4 bytes
}

TEST(PageToken, RoundTripsAndRejectsGarbage) {
  EXPECT_EQ(*DecodePageToken(EncodePageToken(42)), 42);
  EXPECT_EQ(*DecodePageToken(""), 0);
  for (const char* bad : {"garbage", "!!!", "YWZ0ZXI6LTE", "YWZ0ZXI6eA"}) {
    absl::StatusOr<int64_t> decoded = DecodePageToken(bad);
    EXPECT_EQ(decoded.status().code(), absl::StatusCode::kInvalidArgument) << bad;
    EXPECT_TRUE(absl::StartsWith(decoded.status().message(), "page_token:"));
  }
  EXPECT_EQ(ResolvePageSize(-1).status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(*ResolvePageSize(0), 100);
}

TEST(MysqlDsn, ParsesTcpAndSocketForms) {
  absl::StatusOr<MysqlDsn> tcp = ParseMysqlDsn("mysql://app:s3cr@t@db.local:3307/orders");
  ASSERT_TRUE(tcp.ok()) << tcp.status();
  EXPECT_EQ(tcp->user, "app");
  EXPECT_EQ(tcp->password, "s3cr@t");
  EXPECT_EQ(tcp->host, "db.local");
  EXPECT_EQ(tcp->port, 3307);
  EXPECT_EQ(tcp->schema, "orders");
  EXPECT_FALSE(absl::StrContains(tcp->Redacted(), "s3cr"));
  absl::StatusOr<MysqlDsn> socket = ParseMysqlDsn("mysql://app@localhost/inv?socket=/x/y.sock");
  ASSERT_TRUE(socket.ok());
  EXPECT_EQ(socket->socket, "/x/y.sock");
  for (const char* bad : {"", "postgres://a@b/c", "mysql://b/c", "mysql://a@b", "mysql://a@b:0/c",
                          "mysql://a@b/c?x=1"}) {
    EXPECT_FALSE(ParseMysqlDsn(bad).ok()) << bad;
  }
}

TEST(SplitSqlStatements, SplitsOnLineEndingSemicolonsAndDropsComments) {
  std::vector<std::string> statements =
      SplitSqlStatements("-- comment\nCREATE TABLE a (x INT);\n\nINSERT INTO a\nVALUES (1);\n");
  ASSERT_EQ(statements.size(), 2u);
  EXPECT_EQ(statements[0], "CREATE TABLE a (x INT)");
  EXPECT_EQ(statements[1], "INSERT INTO a\nVALUES (1)");
}

using inventory::DecideReservation;
using inventory::ReservationOutcome;

TEST(DecideReservation, AllOrNothing) {
  auto reserved = DecideReservation({{4, 2}, {5, 1}}, {30, 20});
  EXPECT_EQ(reserved.outcome, ReservationOutcome::kReserved);
  auto short_one = DecideReservation({{4, 2}, {5, 1}}, {30, 0});
  EXPECT_EQ(short_one.outcome, ReservationOutcome::kOutOfStock);
  EXPECT_TRUE(absl::StrContains(short_one.detail, "product 5"));
  EXPECT_EQ(short_one.sold_out_product_ids, std::vector<int64_t>{5});
  auto unknown = DecideReservation({{4, 2}, {9, 1}}, {30, std::nullopt});
  EXPECT_EQ(unknown.outcome, ReservationOutcome::kUnknownProduct);
}

TEST(DecideReservation, ReportsProductsItEmpties) {
  auto last = DecideReservation({{4, 2}, {5, 1}}, {2, 20});
  EXPECT_EQ(last.outcome, ReservationOutcome::kReserved);
  EXPECT_EQ(last.sold_out_product_ids, std::vector<int64_t>{4});
}

TEST(OrderTransition, FirstDecisionWins) {
  using Kind = orders::OrderTransition::Kind;
  orders::Order order;
  EXPECT_TRUE(orders::TransitionApplies(order, Kind::kApprove));
  order.compensating = true;
  EXPECT_FALSE(orders::TransitionApplies(order, Kind::kApprove));
  EXPECT_FALSE(orders::TransitionApplies(order, Kind::kMarkCompensating));
  EXPECT_TRUE(orders::TransitionApplies(order, Kind::kReject));
  order.status = OrderStatus::kApproved;
  order.compensating = false;
  for (Kind kind : {Kind::kApprove, Kind::kReject, Kind::kMarkCompensating}) {
    EXPECT_FALSE(orders::TransitionApplies(order, kind));
  }
}

TEST(SoldOutCache, RemembersUntilTtlAndForgetsOnStock) {
  const absl::Time t0 = absl::FromUnixSeconds(1000);
  coordinator::SoldOutCache cache(absl::Seconds(1), absl::Milliseconds(100));
  cache.Observe({{4, 2}, {5, 1}}, {4}, t0);
  EXPECT_EQ(cache.FirstSoldOut({{5, 1}, {4, 1}}, t0), 4);
  EXPECT_EQ(cache.FirstSoldOut({{5, 1}}, t0), std::nullopt);
  EXPECT_EQ(cache.FirstSoldOut({{4, 1}}, t0 + absl::Seconds(2)), std::nullopt);
  EXPECT_FALSE(cache.NeedsRecheck(4, t0 + absl::Milliseconds(50)));
  EXPECT_TRUE(cache.NeedsRecheck(4, t0 + absl::Milliseconds(150)));
  cache.Observe({{4, 2}}, {}, t0);
  EXPECT_EQ(cache.FirstSoldOut({{4, 1}}, t0), std::nullopt);
}

TEST(ProductAdmission, LimitsInFlightPerProductAndFreesOnRelease) {
  coordinator::ProductAdmission admission(1);
  const absl::Duration soon = absl::Milliseconds(50);
  {
    absl::StatusOr<coordinator::ProductAdmission::Ticket> first =
        admission.Admit({{5, 1}, {4, 2}}, soon);
    ASSERT_TRUE(first.ok());
    EXPECT_EQ(admission.InFlight(4), 1);
    EXPECT_EQ(admission.Admit({{4, 1}}, soon).status().code(),
              absl::StatusCode::kResourceExhausted);
    EXPECT_TRUE(admission.Admit({{6, 1}}, soon).ok());
  }
  EXPECT_EQ(admission.InFlight(4), 0);
  EXPECT_EQ(admission.InFlight(5), 0);
  EXPECT_TRUE(admission.Admit({{4, 1}}, absl::Milliseconds(50)).ok());
}

}  // namespace
TEST(Utf8FieldTraitsTest, NamesTheFirstStringFieldWithInvalidUtf8ByItsPath) {
  order::v1::ListOrdersResponse page;
  page.add_orders()->set_detail("fine, 괜찮아요");
  order::v1::Order* bad = page.add_orders();
  bad->mutable_shipping_address()->set_line2("bad \xC3\x28");
  page.add_orders()->set_detail("bad \xFF");
  std::string bytes;
  page.SerializePartialToString(&bytes);  // logs about the bad UTF-8
  EXPECT_EQ(FirstInvalidUtf8Field(bytes, *order::v1::ListOrdersResponse::descriptor()),
            "orders[1].shipping_address.line2");
  page.mutable_orders(1)->mutable_shipping_address()->set_line2("fixed");
  page.SerializePartialToString(&bytes);
  EXPECT_EQ(FirstInvalidUtf8Field(bytes, *order::v1::ListOrdersResponse::descriptor()),
            "orders[2].detail");
  page.mutable_orders(2)->set_detail("fixed");
  page.SerializePartialToString(&bytes);
  EXPECT_EQ(FirstInvalidUtf8Field(bytes, *order::v1::ListOrdersResponse::descriptor()), "");
  EXPECT_EQ(FirstInvalidUtf8Field("\xFF\xFF\xFF", *order::v1::Order::descriptor()), "");
}

}  // namespace order_saga
