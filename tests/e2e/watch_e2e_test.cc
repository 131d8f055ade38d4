// Live order notifications (WatchOrder, WatchOrders) against the three real
// binaries: a watcher sees every decision of a flash sale exactly once, a
// reconnect with the last event id misses nothing, and respond_when_recorded
// hands the rest of the saga to a watch.
#include <algorithm>
#include <map>
#include <set>
#include <thread>

#include <grpcpp/grpcpp.h>
#include <gtest/gtest.h>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/synchronization/barrier.h"
#include "absl/synchronization/mutex.h"
#include "tests/e2e/stack_test.h"

namespace order_saga::testing {
namespace {

bool IsFinal(const order::v1::Order& order) {
  return order.status() == order::v1::ORDER_STATUS_APPROVED ||
         order.status() == order::v1::ORDER_STATUS_REJECTED;
}

// A WatchOrders stream read on a thread of its own until Stop().
class Watcher {
 public:
  Watcher(order::v1::OrderService::Stub& stub, const std::string& customer,
          std::optional<int64_t> after_event_id) {
    order::v1::WatchOrdersRequest request;
    request.set_customer_id(customer);
    if (after_event_id.has_value()) request.set_after_event_id(*after_event_id);
    reader_ = stub.WatchOrders(&context_, request);
    thread_ = std::thread([this] {
      order::v1::OrderEvent event;
      while (reader_->Read(&event)) {
        absl::MutexLock lock(&mu_);
        events_.push_back(event);
      }
      status_ = reader_->Finish();
    });
  }
  ~Watcher() { Stop(); }

  // Waits up to 20 s until `done` holds for the events so far.
  template <typename Done>
  std::vector<order::v1::OrderEvent> WaitUntil(Done done) {
    absl::MutexLock lock(&mu_);
    auto ready = [&]() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) { return done(events_); };
    mu_.AwaitWithTimeout(absl::Condition(&ready), absl::Seconds(20));
    return events_;
  }
  std::vector<order::v1::OrderEvent> WaitForCount(size_t n) {
    return WaitUntil([n](const auto& events) { return events.size() >= n; });
  }
  // Waits until an event of order `order_id` (a sentinel placed last)
  // arrives and returns the events before its first one: events arrive in
  // commit order, so that is everything committed before the sentinel
  // existed, with no sleep for "nothing more comes".
  std::vector<order::v1::OrderEvent> WaitPast(const std::string& order_id) {
    auto of_sentinel = [&](const order::v1::OrderEvent& e) {
      return e.order().order_id() == order_id;
    };
    std::vector<order::v1::OrderEvent> events = WaitUntil([&](const auto& so_far) {
      return std::any_of(so_far.begin(), so_far.end(), of_sentinel);
    });
    auto sentinel = std::find_if(events.begin(), events.end(), of_sentinel);
    EXPECT_NE(sentinel, events.end()) << "no event of the sentinel order " << order_id;
    return {events.begin(), sentinel};
  }
  // Cancels the stream (the client goes away) and returns what it got.
  std::vector<order::v1::OrderEvent> Stop() {
    if (thread_.joinable()) {
      context_.TryCancel();
      thread_.join();
    }
    absl::MutexLock lock(&mu_);
    return events_;
  }

 private:
  grpc::ClientContext context_;
  std::unique_ptr<grpc::ClientReader<order::v1::OrderEvent>> reader_;
  std::thread thread_;
  grpc::Status status_;
  absl::Mutex mu_;
  std::vector<order::v1::OrderEvent> events_ ABSL_GUARDED_BY(mu_);
};

class WatchE2ETest : public StackTest {
 protected:
  void Upsert(int64_t id, int64_t stock) {
    inventory::v1::Product request, response;
    request.set_product_id(id);
    request.set_name(absl::StrCat("product ", id));
    request.set_price(1000);
    request.set_stock(stock);
    grpc::ClientContext context;
    context.set_deadline(In(absl::Seconds(10)));
    ASSERT_TRUE(inventory_->UpsertProduct(&context, request, &response).ok());
  }

  saga::v1::PlaceOrderResponse Place(const std::string& request_id, const std::string& customer,
                                     std::vector<std::pair<int64_t, int32_t>> items,
                                     bool respond_when_recorded = false) {
    saga::v1::PlaceOrderRequest request;
    request.set_request_id(request_id);
    request.set_customer_id(customer);
    request.set_respond_when_recorded(respond_when_recorded);
    for (auto [product, quantity] : items) {
      auto* item = request.add_items();
      item->set_product_id(product);
      item->set_quantity(quantity);
    }
    saga::v1::PlaceOrderResponse response;
    grpc::ClientContext context;
    context.set_deadline(In(absl::Seconds(30)));
    grpc::Status status = saga_->PlaceOrder(&context, request, &response);
    EXPECT_TRUE(status.ok()) << status.error_message();
    return response;
  }

  // Every event of one order's watch, and how the stream ended.
  std::pair<std::vector<order::v1::OrderEvent>, grpc::Status> WatchOrder(
      const std::string& order_id) {
    order::v1::WatchOrderRequest request;
    request.set_order_id(order_id);
    grpc::ClientContext context;
    context.set_deadline(In(absl::Seconds(20)));
    auto reader = orders_->WatchOrder(&context, request);
    std::vector<order::v1::OrderEvent> events;
    order::v1::OrderEvent event;
    while (reader->Read(&event)) events.push_back(event);
    return {events, reader->Finish()};
  }
};

TEST_F(WatchE2ETest, WatcherConnectedBeforeAFlashSaleSeesOneFinalEventPerOrder) {
  Upsert(4, 30);
  Upsert(5, 20);
  Watcher watcher(*orders_, "flash-watch", /*after_event_id=*/0);
  constexpr int kOrders = 200;
  std::vector<saga::v1::PlaceOrderResponse> responses(kOrders);
  absl::Barrier* start = new absl::Barrier(kOrders);
  std::vector<std::thread> clients;
  for (int i = 0; i < kOrders; ++i) {
    clients.emplace_back([&, i] {
      if (start->Block()) delete start;
      responses[i] = Place(absl::StrCat("watched-", i), "flash-watch", {{4, 2}, {5, 1}});
    });
  }
  for (std::thread& client : clients) client.join();

  std::map<std::string, order::v1::OrderStatus> decided;  // orders that were written
  int approved = 0;
  for (const saga::v1::PlaceOrderResponse& response : responses) {
    if (response.status() == order::v1::ORDER_STATUS_APPROVED) ++approved;
    if (!response.order_id().empty()) decided[response.order_id()] = response.status();
  }
  ASSERT_EQ(approved, 15);
  std::vector<order::v1::OrderEvent> events =
      watcher.WaitUntil([&](const std::vector<order::v1::OrderEvent>& so_far) {
        size_t finals = 0;
        for (const auto& e : so_far) finals += IsFinal(e.order()) ? 1 : 0;
        return finals >= decided.size();
      });
  // Nothing more may arrive (no duplicate finals): everything committed
  // before a sentinel order is delivered before its events.
  Upsert(99, 10);
  const std::string sentinel = Place("watched-sentinel", "flash-watch", {{99, 1}}).order_id();
  ASSERT_FALSE(sentinel.empty());
  events = watcher.WaitPast(sentinel);
  watcher.Stop();

  std::map<std::string, int> finals, creations;
  int64_t previous = 0;
  for (const order::v1::OrderEvent& event : events) {
    EXPECT_GT(event.event_id(), previous) << "events out of order";
    previous = event.event_id();
    EXPECT_EQ(event.order().customer_id(), "flash-watch");
    if (IsFinal(event.order())) {
      ++finals[event.order().order_id()];
      EXPECT_EQ(event.order().status(), decided[event.order().order_id()])
          << "the watcher saw another decision than PlaceOrder returned";
    } else if (!event.order().compensating()) {
      ++creations[event.order().order_id()];
      EXPECT_EQ(finals.count(event.order().order_id()), 0u) << "created after its decision";
    }
  }
  EXPECT_EQ(finals.size(), decided.size());
  for (const auto& [order_id, status] : decided) {
    EXPECT_EQ(finals[order_id], 1) << order_id;
    EXPECT_EQ(creations[order_id], 1) << order_id;
  }
}

TEST_F(WatchE2ETest, ReconnectingWithTheLastEventIdMissesNothingAndRepeatsNothing) {
  Upsert(7, 100000);
  const std::string customer = "resumer";
  // Orders keep coming while the first stream is cut and a second resumes.
  std::atomic<bool> placing{true};
  std::atomic<int> placed{0};
  std::thread orders([&] {
    for (int i = 0; placing.load() || i < 20; ++i) {
      Place(absl::StrCat("resume-", i), customer, {{7, 1}});
      placed.fetch_add(1);
    }
  });
  auto first = std::make_unique<Watcher>(*orders_, customer, 0);
  std::vector<order::v1::OrderEvent> before = first->WaitForCount(9);
  before = first->Stop();
  first.reset();
  ASSERT_GE(before.size(), 9u);
  Watcher resumed(*orders_, customer, before.back().event_id());
  // Orders go on until the resumed stream has delivered one placed after it
  // opened (live, not only the backlog of the cut).
  const std::string placed_after_resume = absl::StrCat("resume-", placed.load() + 1);
  resumed.WaitUntil([&](const auto& so_far) {
    return std::any_of(so_far.begin(), so_far.end(), [&](const order::v1::OrderEvent& e) {
      return e.order().request_id() == placed_after_resume;
    });
  });
  placing.store(false);
  orders.join();
  // Each order: PENDING, then APPROVED (stock is ample). A sentinel order
  // placed last marks the end.
  const size_t expected = 2 * static_cast<size_t>(placed.load());
  const std::string sentinel = Place("resume-sentinel", customer, {{7, 1}}).order_id();
  ASSERT_FALSE(sentinel.empty());
  std::vector<order::v1::OrderEvent> after = resumed.WaitPast(sentinel);
  resumed.Stop();

  // What one uninterrupted watch from the start sees.
  Watcher whole(*orders_, customer, 0);
  std::vector<order::v1::OrderEvent> all = whole.WaitPast(sentinel);
  whole.Stop();
  ASSERT_EQ(all.size(), expected);

  std::vector<int64_t> joined, uninterrupted;
  for (const auto& e : before) joined.push_back(e.event_id());
  for (const auto& e : after) joined.push_back(e.event_id());
  for (const auto& e : all) uninterrupted.push_back(e.event_id());
  EXPECT_EQ(joined, uninterrupted);
}

TEST_F(WatchE2ETest, RespondWhenRecordedAnswersPendingAndWatchOrderFollowsToTheDecision) {
  Upsert(8, 1000);
  saga::v1::PlaceOrderResponse recorded = Place("early-1", "early", {{8, 3}}, true);
  ASSERT_FALSE(recorded.order_id().empty());
  EXPECT_EQ(recorded.status(), order::v1::ORDER_STATUS_PENDING) << recorded.DebugString();

  auto [events, status] = WatchOrder(recorded.order_id());
  EXPECT_TRUE(status.ok()) << status.error_message();
  ASSERT_FALSE(events.empty());
  EXPECT_EQ(events.back().order().status(), order::v1::ORDER_STATUS_APPROVED);
  EXPECT_EQ(events.back().order().items(0).quantity(), 3);
  for (size_t i = 0; i + 1 < events.size(); ++i) {
    EXPECT_FALSE(IsFinal(events[i].order()));
  }

  // A decided order: its state, once, and the stream ends.
  auto [again, again_status] = WatchOrder(recorded.order_id());
  EXPECT_TRUE(again_status.ok());
  ASSERT_EQ(again.size(), 1u);
  EXPECT_EQ(again[0].event_id(), events.back().event_id());

  // The same request_id again: the decision, not a second order.
  saga::v1::PlaceOrderResponse retry = Place("early-1", "early", {{8, 3}}, true);
  EXPECT_EQ(retry.order_id(), recorded.order_id());
  EXPECT_EQ(retry.status(), order::v1::ORDER_STATUS_APPROVED);
}

TEST_F(WatchE2ETest, BadWatchRequestsNameTheField) {
  auto [none, unknown] = WatchOrder("no-such-order");
  EXPECT_EQ(unknown.error_code(), grpc::StatusCode::NOT_FOUND);
  EXPECT_TRUE(absl::StartsWith(unknown.error_message(), "order_id")) << unknown.error_message();
  auto [empty_events, empty] = WatchOrder("");
  EXPECT_EQ(empty.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_TRUE(absl::StartsWith(empty.error_message(), "order_id")) << empty.error_message();

  order::v1::WatchOrdersRequest request;
  request.set_after_event_id(-1);
  grpc::ClientContext context;
  context.set_deadline(In(absl::Seconds(10)));
  auto reader = orders_->WatchOrders(&context, request);
  order::v1::OrderEvent event;
  EXPECT_FALSE(reader->Read(&event));
  grpc::Status status = reader->Finish();
  EXPECT_EQ(status.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_TRUE(absl::StartsWith(status.error_message(), "after_event_id"))
      << status.error_message();
}

}  // namespace
}  // namespace order_saga::testing
