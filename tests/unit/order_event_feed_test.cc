// OrderEventFeed on the in-memory repository: what each subscriber gets,
// whether it joins from the window, from the database (catch-up), or live.
#include "order_service/order_event_feed.h"

#include <atomic>

#include <gtest/gtest.h>

#include "absl/strings/str_cat.h"
#include "absl/synchronization/mutex.h"
#include "order_service/in_memory_order_repository.h"
#include "order_service/order_lifecycle.h"

namespace order_saga::orders {
namespace {

// Records what it is given.
class RecordingSubscriber : public OrderEventSubscriber {
 public:
  void OnEvents(std::vector<OrderEvent> events) override {
    absl::MutexLock lock(&mu_);
    for (const OrderEvent& event : events) ids_.push_back(event.event_id);
  }
  void OnEnd(const absl::Status& status) override {
    absl::MutexLock lock(&mu_);
    end_ = status;
  }
  // Waits up to 5 s until `n` events have arrived; all of them.
  std::vector<int64_t> WaitFor(size_t n) {
    absl::MutexLock lock(&mu_);
    auto enough = [this, n]() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) { return ids_.size() >= n; };
    mu_.AwaitWithTimeout(absl::Condition(&enough), absl::Seconds(5));
    return ids_;
  }
  std::optional<absl::Status> WaitForEnd() {
    absl::MutexLock lock(&mu_);
    auto ended = [this]() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) { return end_.has_value(); };
    mu_.AwaitWithTimeout(absl::Condition(&ended), absl::Seconds(5));
    return end_;
  }

 private:
  absl::Mutex mu_;
  std::vector<int64_t> ids_ ABSL_GUARDED_BY(mu_);
  std::optional<absl::Status> end_ ABSL_GUARDED_BY(mu_);
};

std::vector<int64_t> Range(int64_t first, int64_t last) {
  std::vector<int64_t> ids;
  for (int64_t id = first; id <= last; ++id) ids.push_back(id);
  return ids;
}

// What a watch subscribes to: events after `after`, of `customer` (empty:
// any) and of `order_id` (empty: every order).
OrderEventSubscription Watch(int64_t after, std::string customer, std::string order_id) {
  OrderEventSubscription subscription;
  subscription.after_event_id = after;
  subscription.customer_id = std::move(customer);
  subscription.order_id = std::move(order_id);
  return subscription;
}

class OrderEventFeedTest : public ::testing::Test {
 protected:
  // Each order gives two events: created, then approved.
  std::string PlaceAndApprove(const std::string& customer) {
    absl::StatusOr<Order> order = repository_.Create(
        {absl::StrCat("r", ++orders_), customer, {{1, 1}}, {}}, RandomOrderId());
    EXPECT_TRUE(order.ok());
    EXPECT_TRUE(repository_
                    .Transition(order->order_id,
                                {OrderTransition::Kind::kApprove, RejectReason::kNone, ""})
                    .ok());
    return order->order_id;
  }
  std::unique_ptr<OrderEventFeed> StartFeed(size_t window_events) {
    OrderEventFeed::Options options;
    options.poll_interval = absl::Milliseconds(5);
    options.window_events = window_events;
    options.read_limit = 3;  // several reads per catch-up and per poll
    auto feed = std::make_unique<OrderEventFeed>(repository_, repository_, options);
    EXPECT_TRUE(feed->Start().ok());
    return feed;
  }

  InMemoryOrderRepository repository_{RealClock()};
  int orders_ = 0;
};

TEST_F(OrderEventFeedTest, SubscriberFromNowGetsOnlyNewEventsInOrder) {
  PlaceAndApprove("a");
  std::unique_ptr<OrderEventFeed> feed = StartFeed(100);
  RecordingSubscriber subscriber;
  feed->Subscribe(&subscriber, Watch(feed->head(), "", ""));
  for (int i = 0; i < 5; ++i) PlaceAndApprove("a");
  feed->Nudge();
  EXPECT_EQ(subscriber.WaitFor(10), Range(3, 12));
  feed->Unsubscribe(&subscriber);
}

TEST_F(OrderEventFeedTest, OldPositionIsCaughtUpFromTheDatabaseWithoutGapOrDuplicate) {
  for (int i = 0; i < 10; ++i) PlaceAndApprove("a");  // events 1..20
  // The window holds 4 events: a subscriber at 0 must read the database
  // first, while new events keep arriving.
  std::unique_ptr<OrderEventFeed> feed = StartFeed(4);
  RecordingSubscriber subscriber;
  feed->Subscribe(&subscriber, Watch(0, "", ""));
  for (int i = 0; i < 10; ++i) PlaceAndApprove("a");  // events 21..40
  EXPECT_EQ(subscriber.WaitFor(40), Range(1, 40));
  feed->Unsubscribe(&subscriber);
}

TEST_F(OrderEventFeedTest, ResumingFromTheLastSeenIdMissesNothing) {
  std::unique_ptr<OrderEventFeed> feed = StartFeed(100);
  RecordingSubscriber first;
  feed->Subscribe(&first, Watch(0, "", ""));
  for (int i = 0; i < 3; ++i) PlaceAndApprove("a");
  std::vector<int64_t> seen = first.WaitFor(6);
  feed->Unsubscribe(&first);  // the client disconnects
  for (int i = 0; i < 3; ++i) PlaceAndApprove("a");
  RecordingSubscriber resumed;
  feed->Subscribe(&resumed, Watch(seen.back(), "", ""));
  EXPECT_EQ(resumed.WaitFor(6), Range(7, 12));
  feed->Unsubscribe(&resumed);
}

TEST_F(OrderEventFeedTest, CustomerFilterSkipsOtherCustomersBothInCatchUpAndLive) {
  for (int i = 0; i < 6; ++i) PlaceAndApprove(i % 2 ? "bob" : "alice");  // 12 events
  std::unique_ptr<OrderEventFeed> feed = StartFeed(2);
  RecordingSubscriber bob;
  feed->Subscribe(&bob, Watch(0, "bob", ""));
  PlaceAndApprove("alice");  // 13, 14
  PlaceAndApprove("bob");    // 15, 16
  feed->Nudge();
  EXPECT_EQ(bob.WaitFor(8), (std::vector<int64_t>{3, 4, 7, 8, 11, 12, 15, 16}));
  feed->Unsubscribe(&bob);
}

TEST_F(OrderEventFeedTest, OneOrderWatchOfAnUnknownOrderEndsWithNotFound) {
  std::unique_ptr<OrderEventFeed> feed = StartFeed(100);
  RecordingSubscriber subscriber;
  feed->Subscribe(&subscriber, Watch(0, "", "no-such-order"));
  std::optional<absl::Status> end = subscriber.WaitForEnd();
  ASSERT_TRUE(end.has_value());
  EXPECT_EQ(end->code(), absl::StatusCode::kNotFound);
  EXPECT_EQ(feed->subscribers(), 0);
}

TEST_F(OrderEventFeedTest, OneOrderWatchGetsThatOrdersEventsOnly) {
  PlaceAndApprove("a");
  const std::string order_id = PlaceAndApprove("a");  // events 3, 4
  PlaceAndApprove("a");
  std::unique_ptr<OrderEventFeed> feed = StartFeed(100);
  RecordingSubscriber subscriber;
  feed->Subscribe(&subscriber, Watch(0, "", order_id));
  EXPECT_EQ(subscriber.WaitFor(2), (std::vector<int64_t>{3, 4}));
  feed->Unsubscribe(&subscriber);
}

TEST_F(OrderEventFeedTest, StopEndsEverySubscriptionWithItsReason) {
  std::unique_ptr<OrderEventFeed> feed = StartFeed(100);
  RecordingSubscriber subscriber;
  feed->Subscribe(&subscriber, Watch(0, "", ""));
  feed->Stop(absl::UnavailableError("shutting down"));
  std::optional<absl::Status> end = subscriber.WaitForEnd();
  ASSERT_TRUE(end.has_value());
  EXPECT_EQ(end->code(), absl::StatusCode::kUnavailable);
  RecordingSubscriber late;
  feed->Subscribe(&late, Watch(0, "", ""));
  EXPECT_EQ(late.WaitForEnd()->code(), absl::StatusCode::kUnavailable);
}

// Retention deleted the events: a watch of one order gets its current
// state as event 0; a watch of everything that asks for deleted events is
// told so (OUT_OF_RANGE) instead of silently missing them.
TEST_F(OrderEventFeedTest, EventsDeletedByRetentionAreReplacedOrReported) {
  const std::string old_order = PlaceAndApprove("a");  // events 1, 2
  PlaceAndApprove("a");                                // events 3, 4
  ASSERT_EQ(*repository_.DeleteEventsBefore(absl::Now() + absl::Seconds(1), 100), 4);
  PlaceAndApprove("a");  // events 5, 6
  std::unique_ptr<OrderEventFeed> feed = StartFeed(1);
  RecordingSubscriber one;
  feed->Subscribe(&one, Watch(0, "", old_order));
  EXPECT_EQ(one.WaitFor(1), (std::vector<int64_t>{0}));
  feed->Unsubscribe(&one);

  RecordingSubscriber all;
  feed->Subscribe(&all, Watch(0, "", ""));
  std::optional<absl::Status> end = all.WaitForEnd();
  ASSERT_TRUE(end.has_value());
  EXPECT_EQ(end->code(), absl::StatusCode::kOutOfRange) << *end;
  EXPECT_NE(end->message().find("events 1 to 4 were deleted"), std::string::npos) << *end;

  RecordingSubscriber recent;
  feed->Subscribe(&recent, Watch(4, "", ""));
  EXPECT_EQ(recent.WaitFor(2), (std::vector<int64_t>{5, 6}));
  feed->Unsubscribe(&recent);
}

// Issue 13, defect 5: a customer-filtered watch that resumes from before
// what retention deleted used to skip the deleted events silently (its
// filtered read cannot see the jump); it gets OUT_OF_RANGE as the
// unfiltered one does. Customer "b" has events 3 and 4 (deleted) and 7, 8.
TEST_F(OrderEventFeedTest, ACustomersWatchFromBeforeRetentionIsToldOutOfRange) {
  PlaceAndApprove("a");  // events 1, 2
  PlaceAndApprove("b");  // events 3, 4
  ASSERT_EQ(*repository_.DeleteEventsBefore(absl::Now() + absl::Seconds(1), 100), 4);
  PlaceAndApprove("a");  // events 5, 6
  PlaceAndApprove("b");  // events 7, 8
  std::unique_ptr<OrderEventFeed> feed = StartFeed(1);
  for (int64_t after : {0, 2, 3}) {
    SCOPED_TRACE(after);
    RecordingSubscriber customer;
    feed->Subscribe(&customer, Watch(after, "b", ""));
    std::optional<absl::Status> end = customer.WaitForEnd();
    ASSERT_TRUE(end.has_value());
    EXPECT_EQ(end->code(), absl::StatusCode::kOutOfRange) << *end;
    EXPECT_NE(end->message().find("to 4 were deleted"), std::string::npos) << *end;
  }
  RecordingSubscriber kept;
  feed->Subscribe(&kept, Watch(4, "b", ""));
  EXPECT_EQ(kept.WaitFor(2), (std::vector<int64_t>{7, 8}));
  feed->Unsubscribe(&kept);
}

TEST_F(OrderEventFeedTest, ACustomersWatchOfAnotherCustomersOrderIsRefusedOnTheFeedsThread) {
  const std::string alices = PlaceAndApprove("alice");
  std::unique_ptr<OrderEventFeed> feed = StartFeed(100);
  // Refused as the subscription says, with nothing delivered.
  RecordingSubscriber bob;
  OrderEventSubscription foreign = Watch(0, "bob", alices);
  std::atomic<int> refusals{0};
  foreign.refuse_foreign = [&refusals, alices](const Order& order) {
    ++refusals;
    EXPECT_EQ(order.order_id, alices);
    return absl::PermissionDeniedError("order_id: the order belongs to another customer");
  };
  feed->Subscribe(&bob, std::move(foreign));
  std::optional<absl::Status> end = bob.WaitForEnd();
  ASSERT_TRUE(end.has_value());
  EXPECT_TRUE(absl::IsPermissionDenied(*end)) << *end;
  EXPECT_EQ(refusals.load(), 1);
  EXPECT_TRUE(bob.WaitFor(0).empty());
  // Without a refusal of its own: NOT_FOUND, as for an unknown order.
  RecordingSubscriber carol;
  feed->Subscribe(&carol, Watch(0, "carol", alices));
  end = carol.WaitForEnd();
  ASSERT_TRUE(end.has_value());
  EXPECT_TRUE(absl::IsNotFound(*end)) << *end;
  EXPECT_TRUE(carol.WaitFor(0).empty());
  // The owner's own watch gets the order's two events.
  RecordingSubscriber alice;
  feed->Subscribe(&alice, Watch(0, "alice", alices));
  EXPECT_EQ(alice.WaitFor(2).size(), 2u);
  feed->Unsubscribe(&alice);
}

}  // namespace
}  // namespace order_saga::orders
