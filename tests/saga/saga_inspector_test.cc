// SagaInspector's rules on fake ports: the checks on a ListSagas request,
// one histories exchange per page, and an order's timeline merged across
// the services in time order.
#include "saga/saga_inspector.h"

#include <gtest/gtest.h>

#include <map>

#include "common/fake_clock.h"
#include "common/proto_conversion.h"

namespace order_saga::coordinator {
namespace {

class FakeRecords final : public SagaRecordsReader {
 public:
  absl::StatusOr<::order::v1::ListOrdersResponse> ListPending(
      ::order::v1::SagaState state, int page_size, const std::string& page_token,
      absl::Time) override {
    ++list_calls;
    last_state = state;
    last_page_size = page_size;
    last_token = page_token;
    return page;
  }
  std::vector<absl::StatusOr<::order::v1::SagaHistory>> Histories(
      const std::vector<std::string>& order_ids, absl::Time) override {
    ++history_calls;
    std::vector<absl::StatusOr<::order::v1::SagaHistory>> out;
    for (const std::string& id : order_ids) {
      auto it = histories.find(id);
      if (it == histories.end()) {
        out.push_back(absl::NotFoundError("order_id: no such order"));
      } else {
        out.push_back(it->second);
      }
    }
    return out;
  }

  ::order::v1::ListOrdersResponse page;
  std::map<std::string, ::order::v1::SagaHistory> histories;
  int list_calls = 0;
  int history_calls = 0;
  ::order::v1::SagaState last_state = ::order::v1::SAGA_STATE_UNSPECIFIED;
  int last_page_size = -1;
  std::string last_token;
};

class FakeReservations final : public ReservationReader {
 public:
  absl::StatusOr<std::optional<::inventory::v1::Reservation>> FindReservation(
      const std::string&, absl::Time) override {
    return answer;
  }
  absl::StatusOr<std::optional<::inventory::v1::Reservation>> answer = std::nullopt;
};

::order::v1::SagaStep Step(const std::string& name, int attempt, absl::Time time) {
  ::order::v1::SagaStep step;
  step.set_step(name);
  step.set_attempt(attempt);
  step.set_detail(name + " detail");
  *step.mutable_time() = TimeToProto(time);
  return step;
}

class SagaInspectorTest : public ::testing::Test {
 protected:
  const absl::Time t0_ = absl::FromUnixSeconds(1'700'000'000);
  FakeClock clock_{t0_};
  FakeRecords records_;
  FakeReservations reservations_;
  SagaInspector inspector_{records_, reservations_, clock_, absl::Seconds(1)};
};

TEST_F(SagaInspectorTest, ListSagasChecksStateAndPageSizeNamingTheField) {
  absl::StatusOr<SagaPage> finished = inspector_.ListSagas(::order::v1::SAGA_STATE_FINISHED, 0, "");
  ASSERT_EQ(finished.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_NE(finished.status().message().find("state:"), std::string::npos);
  for (int bad : {-1, SagaInspector::kMaxPage + 1}) {
    absl::StatusOr<SagaPage> page = inspector_.ListSagas(::order::v1::SAGA_STATE_STUCK, bad, "");
    ASSERT_EQ(page.status().code(), absl::StatusCode::kInvalidArgument) << bad;
    EXPECT_NE(page.status().message().find("page_size:"), std::string::npos);
  }
  EXPECT_EQ(records_.list_calls, 0) << "a refused request reads nothing";
}

TEST_F(SagaInspectorTest, ListSagasDefaultsToStuckAndFetchesEveryHistoryInOneExchange) {
  for (const char* id : {"o1", "o2", "o3"}) {
    ::order::v1::Order* order = records_.page.add_orders();
    order->set_order_id(id);
    ::order::v1::SagaHistory history;
    *history.mutable_order() = *order;
    *history.add_steps() = Step(std::string("reserve-") + id, 1, t0_);
    records_.histories[id] = history;
  }
  records_.page.set_next_page_token("next");
  absl::StatusOr<SagaPage> page =
      inspector_.ListSagas(::order::v1::SAGA_STATE_UNSPECIFIED, 0, "token");
  ASSERT_TRUE(page.ok()) << page.status();
  EXPECT_EQ(records_.last_state, ::order::v1::SAGA_STATE_STUCK);
  EXPECT_EQ(records_.last_page_size, SagaInspector::kDefaultPage);
  EXPECT_EQ(records_.last_token, "token");
  EXPECT_EQ(records_.history_calls, 1);
  ASSERT_EQ(page->sagas.size(), 3u);
  EXPECT_EQ(page->next_page_token, "next");
  for (size_t i = 0; i < 3; ++i) {
    const std::string id = "o" + std::to_string(i + 1);
    EXPECT_EQ(page->sagas[i].order.order_id(), id);
    ASSERT_EQ(page->sagas[i].steps.size(), 1u);
    EXPECT_EQ(page->sagas[i].steps[0].step(), "reserve-" + id);
  }
}

TEST_F(SagaInspectorTest, ListSagasFailsWhenAHistoryCannotBeRead) {
  records_.page.add_orders()->set_order_id("gone");
  absl::StatusOr<SagaPage> page = inspector_.ListSagas(::order::v1::SAGA_STATE_ACTIVE, 10, "");
  EXPECT_EQ(page.status().code(), absl::StatusCode::kNotFound);
}

TEST_F(SagaInspectorTest, ExplainOrderMergesTheServicesInTimeOrder) {
  ::order::v1::SagaHistory history;
  history.mutable_order()->set_order_id("o1");
  ::order::v1::OrderEvent* created = history.add_events();
  created->set_event_id(7);
  created->mutable_order()->set_status(::order::v1::ORDER_STATUS_PENDING);
  *created->mutable_order()->mutable_update_time() = TimeToProto(t0_);
  ::order::v1::OrderEvent* rejected = history.add_events();
  rejected->set_event_id(9);
  rejected->mutable_order()->set_status(::order::v1::ORDER_STATUS_REJECTED);
  rejected->mutable_order()->set_reject_reason(::order::v1::REJECT_REASON_INVENTORY_UNAVAILABLE);
  *rejected->mutable_order()->mutable_update_time() = TimeToProto(t0_ + absl::Seconds(5));
  *history.add_steps() = Step("reserve", 1, t0_ + absl::Seconds(2));
  records_.histories["o1"] = history;
  ::inventory::v1::Reservation tombstone;
  tombstone.set_outcome(::inventory::v1::RESERVATION_OUTCOME_RELEASED);
  *tombstone.mutable_create_time() = TimeToProto(t0_ + absl::Seconds(4));
  reservations_.answer = tombstone;

  absl::StatusOr<OrderTimelineView> timeline = inspector_.ExplainOrder("o1");
  ASSERT_TRUE(timeline.ok()) << timeline.status();
  EXPECT_EQ(timeline->order.order_id(), "o1");
  EXPECT_EQ(timeline->reservation, "RESERVATION_OUTCOME_RELEASED (tombstone)");
  ASSERT_EQ(timeline->entries.size(), 4u);
  EXPECT_EQ(timeline->entries[0].what, "order recorded (PENDING) [event 7]");
  EXPECT_EQ(timeline->entries[1].what, "reserve failed (attempt 1)");
  EXPECT_EQ(timeline->entries[1].source, "saga-coordinator");
  EXPECT_EQ(timeline->entries[2].source, "inventory-service");
  EXPECT_NE(timeline->entries[2].what.find("tombstone"), std::string::npos);
  EXPECT_EQ(timeline->entries[3].what, "REJECTED REJECT_REASON_INVENTORY_UNAVAILABLE [event 9]");
}

TEST_F(SagaInspectorTest, ExplainOrderShowsAnInventoryThatDoesNotAnswer) {
  records_.histories["o1"].mutable_order()->set_order_id("o1");
  reservations_.answer = absl::UnavailableError("connection refused");
  absl::StatusOr<OrderTimelineView> timeline = inspector_.ExplainOrder("o1");
  ASSERT_TRUE(timeline.ok()) << timeline.status();
  EXPECT_EQ(timeline->reservation,
            "unknown: the inventory did not answer (connection refused)");
  EXPECT_EQ(inspector_.ExplainOrder("nope").status().code(), absl::StatusCode::kNotFound);
}

}  // namespace
}  // namespace order_saga::coordinator
