// One typed suite for both OrderRepository implementations.
#include <algorithm>
#include <atomic>
#include <iostream>
#include <random>
#include <thread>
#include <tuple>

#include <cppconn/resultset.h>
#include <gtest/gtest.h>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"

#include "order_service/order_decisions.h"
#include "order_service/order_schema.h"
#include "common/clock.h"
#include "common/fake_clock.h"
#include "common/mysql/mysql_transaction_runner.h"
#include "order_service/coalescing_order_writes.h"
#include "order_service/in_memory_order_repository.h"
#include "order_service/mysql_order_repository.h"
#include "order_service/order_lifecycle.h"
#include "tests/storage/lost_commits.h"
#include "tests/storage/mysql_test_database.h"

namespace order_saga::orders {
namespace {

struct InMemoryBackend {
  absl::Status Init() { return absl::OkStatus(); }
  // Commits whose outcome the backend lost on purpose (lost-commit backends).
  std::optional<int64_t> commits_lost() { return std::nullopt; }
  OrderRepository& repository() { return repository_; }
  OrderWrites& writes() { return repository_; }
  // Batches that fell back to one order at a time (none here: no batches).
  std::optional<int64_t> split_batches() { return std::nullopt; }
  InMemoryOrderRepository repository_{RealClock()};
};

struct MysqlBackend {
  absl::Status Init(MysqlTransactionRunner::Options runner_options = {}) {
    absl::StatusOr<std::unique_ptr<testing::MysqlTestDatabase>> db =
        testing::MysqlTestDatabase::Create("orders_test", OrderSchemaMigrations());
    if (!db.ok()) return db.status();
    database = *std::move(db);
    runner = std::make_unique<MysqlTransactionRunner>(database->pool(), RealClock(),
                                                      runner_options);
    repository_ = std::make_unique<MysqlOrderRepository>(*runner);
    return absl::OkStatus();
  }
  OrderRepository& repository() { return *repository_; }
  OrderWrites& writes() { return *repository_; }
  std::optional<int64_t> split_batches() { return repository_->split_batches(); }
  std::optional<int64_t> commits_lost() { return std::nullopt; }
  std::unique_ptr<testing::MysqlTestDatabase> database;
  std::unique_ptr<MysqlTransactionRunner> runner;
  std::unique_ptr<MysqlOrderRepository> repository_;
};

// MySQL behind request coalescing: creations, approvals and rejections of
// the suite go through batches (small ones, two at a time, racing each
// other); every other role goes straight to MySQL, as in the service.
struct CoalescingMysqlBackend : MysqlBackend {
  absl::Status Init(MysqlTransactionRunner::Options runner_options = {}) {
    absl::Status status = MysqlBackend::Init(runner_options);
    if (!status.ok()) return status;
    coalescing = std::make_unique<CoalescingOrderWrites>(
        *repository_, BatchOptions{4, 2, {}});
    return absl::OkStatus();
  }
  OrderWrites& writes() { return *coalescing; }
  std::unique_ptr<CoalescingOrderWrites> coalescing;
};

// MySQL, plain and below write coalescing, where every unit of work loses
// the outcome of its first COMMIT (the connection dies right after it) and
// is run again: the whole suite must pass unchanged, because every unit of
// work is idempotent.
using LostCommitMysqlBackend = testing::LostCommitBackend<MysqlBackend>;
using LostCommitCoalescingMysqlBackend = testing::LostCommitBackend<CoalescingMysqlBackend>;

template <typename Backend>
class OrderRepositoryTest : public ::testing::Test {
 protected:
  void SetUp() override { ASSERT_TRUE(backend_.Init().ok()); }
  // A lost-commit backend really lost commits (its units ran twice).
  void TearDown() override {
    if (std::optional<int64_t> lost = backend_.commits_lost(); lost.has_value()) {
      EXPECT_GT(*lost, 0);
    }
  }
  // Every role but the writes, which may be decorated (coalescing).
  OrderRepository& repo() { return backend_.repository(); }
  OrderWrites& writes() { return backend_.writes(); }
  // Where batches exist, checks that `n` of them fell back to one order at
  // a time (so a test of the batch path cannot pass on the fallback alone).
  void ExpectSplitBatches(int64_t n) {
    std::optional<int64_t> split = backend_.split_batches();
    if (split.has_value()) {
      EXPECT_EQ(*split, n);
    }
  }
  absl::StatusOr<Order> Create(const std::string& request_id, const std::string& customer = "c1") {
    return writes().Create({request_id, customer, {{5, 1}, {4, 2}},
                          {"홍길동", "010-1234-5678", "04524", "서울특별시 중구 세종대로 110", "3층"}},
                         RandomOrderId());
  }
  Backend backend_;
};

using Backends = ::testing::Types<InMemoryBackend, MysqlBackend, CoalescingMysqlBackend,
                                  LostCommitMysqlBackend, LostCommitCoalescingMysqlBackend>;
TYPED_TEST_SUITE(OrderRepositoryTest, Backends);

TYPED_TEST(OrderRepositoryTest, CreateRoundTripsEveryField) {
  absl::StatusOr<Order> created = this->Create("r1");
  ASSERT_TRUE(created.ok()) << created.status();
  absl::StatusOr<Order> order = this->repo().Get(created->order_id);
  ASSERT_TRUE(order.ok());
  EXPECT_EQ(order->request_id, "r1");
  EXPECT_EQ(order->customer_id, "c1");
  EXPECT_EQ(order->status, OrderStatus::kPending);
  EXPECT_EQ(order->items, (std::vector<LineItem>{{4, 2}, {5, 1}}));
  EXPECT_EQ(order->shipping_address.recipient, "홍길동");
  EXPECT_EQ(order->shipping_address.line1, "서울특별시 중구 세종대로 110");
  EXPECT_EQ(order->shipping_address.line2, "3층");
  EXPECT_LE(absl::AbsDuration(order->create_time - absl::Now()), absl::Minutes(1));
  // Create answered with what it stored.
  EXPECT_EQ(created->sequence, order->sequence);
  EXPECT_EQ(created->items, order->items);
  EXPECT_EQ(created->shipping_address, order->shipping_address);
  EXPECT_EQ(created->create_time, order->create_time);
  EXPECT_EQ(created->update_time, order->update_time);
}

TYPED_TEST(OrderRepositoryTest, CreateIsIdempotentOnRequestId) {
  absl::StatusOr<Order> first = this->Create("r1");
  absl::StatusOr<Order> second = this->Create("r1");
  ASSERT_TRUE(first.ok() && second.ok());
  EXPECT_EQ(first->order_id, second->order_id);
  EXPECT_EQ(this->repo().Count("")->pending, 1);
}

// A request id is its customer's own key: another customer's use of the
// same string makes another order, and lookups by request id see only the
// customer's own.
TYPED_TEST(OrderRepositoryTest, RequestIdsAreScopedToTheirCustomer) {
  absl::StatusOr<Order> alice = this->Create("R", "alice");
  absl::StatusOr<Order> bob = this->Create("R", "bob");
  ASSERT_TRUE(alice.ok() && bob.ok());
  EXPECT_NE(alice->order_id, bob->order_id);
  EXPECT_EQ(bob->customer_id, "bob");
  EXPECT_EQ(this->repo().Count("")->pending, 2);
  EXPECT_EQ(this->repo().GetByRequestId("alice", "R")->order_id, alice->order_id);
  EXPECT_EQ(this->repo().GetByRequestId("bob", "R")->order_id, bob->order_id);
  EXPECT_TRUE(absl::IsNotFound(this->repo().GetByRequestId("carol", "R").status()));
}

// Through the lifecycle (the rule is in C++, once): the same key with other
// items, quantities or address is refused naming request_id, and nothing is
// written; the same content gets the recorded order.
TYPED_TEST(OrderRepositoryTest, TheSameKeyWithOtherContentIsRefusedNamingRequestId) {
  OrderLifecycle lifecycle({this->writes(), this->repo()});
  const NewOrder first = {"R", "alice", {{4, 2}, {5, 1}}, {"홍길동", "010", "04524", "line1", ""}};
  absl::StatusOr<Order> placed = lifecycle.CreateOrder(first);
  ASSERT_TRUE(placed.ok()) << placed.status();
  NewOrder reordered = first;
  reordered.items = {{5, 1}, {4, 2}};  // the same order, listed the other way round
  EXPECT_EQ(lifecycle.CreateOrder(reordered)->order_id, placed->order_id);
  const int64_t events = *this->repo().LastEventId();
  NewOrder more = first;
  more.items = {{4, 3}, {5, 1}};
  NewOrder other_product = first;
  other_product.items = {{4, 2}, {6, 1}};
  NewOrder elsewhere = first;
  elsewhere.shipping_address.line1 = "부산광역시";
  for (const NewOrder& changed : {more, other_product, elsewhere}) {
    absl::StatusOr<Order> refused = lifecycle.CreateOrder(changed);
    EXPECT_TRUE(absl::IsInvalidArgument(refused.status())) << refused.status();
    EXPECT_TRUE(absl::StartsWith(refused.status().message(), "request_id: "))
        << refused.status();
    std::vector<absl::StatusOr<Order>> batch = lifecycle.CreateOrders({changed, first});
    ASSERT_EQ(batch.size(), 2u);
    EXPECT_TRUE(absl::IsInvalidArgument(batch[0].status())) << batch[0].status();
    EXPECT_EQ(batch[1]->order_id, placed->order_id);
  }
  EXPECT_EQ(this->repo().Count("")->pending, 1);
  EXPECT_EQ(*this->repo().LastEventId(), events);
  EXPECT_EQ(this->repo().Get(placed->order_id)->items, (std::vector<LineItem>{{4, 2}, {5, 1}}));
}

TYPED_TEST(OrderRepositoryTest, ConcurrentCreatesWithOneRequestIdMakeOneOrder) {
  std::vector<std::thread> threads;
  std::vector<std::string> ids(20);
  for (int i = 0; i < 20; ++i) {
    threads.emplace_back([&, i] {
      absl::StatusOr<Order> order = this->Create("same");
      ASSERT_TRUE(order.ok()) << order.status();
      ids[i] = order->order_id;
    });
  }
  for (auto& t : threads) t.join();
  for (const std::string& id : ids) EXPECT_EQ(id, ids[0]);
  EXPECT_EQ(this->repo().Count("")->pending, 1);
}

TYPED_TEST(OrderRepositoryTest, FirstDecisionWinsAndLaterOnesReportIt) {
  const std::string id = this->Create("r1")->order_id;
  using Kind = OrderTransition::Kind;
  EXPECT_EQ(this->writes().Transition(id, {Kind::kApprove, RejectReason::kNone, "ok"})->status,
            OrderStatus::kApproved);
  absl::StatusOr<Order> late =
      this->writes().Transition(id, {Kind::kReject, RejectReason::kOutOfStock, "late"});
  EXPECT_EQ(late->status, OrderStatus::kApproved);
  EXPECT_EQ(late->reject_reason, RejectReason::kNone);
  EXPECT_EQ(this->writes().Transition("nope", {Kind::kApprove, RejectReason::kNone, ""})
                .status()
                .code(),
            absl::StatusCode::kNotFound);
}

TYPED_TEST(OrderRepositoryTest, CompensatingOrderCannotBeApprovedOnlyRejected) {
  const std::string id = this->Create("r1")->order_id;
  using Kind = OrderTransition::Kind;
  absl::StatusOr<Order> marked = this->writes().Transition(
      id, {Kind::kMarkCompensating, RejectReason::kInventoryUnavailable, "timeout"});
  EXPECT_TRUE(marked->compensating);
  EXPECT_EQ(marked->status, OrderStatus::kPending);
  // A second compensation keeps the first reason.
  EXPECT_EQ(this->writes()
                .Transition(id, {Kind::kMarkCompensating, RejectReason::kOutOfStock, "x"})
                ->reject_reason,
            RejectReason::kInventoryUnavailable);
  EXPECT_EQ(this->writes().Transition(id, {Kind::kApprove, RejectReason::kNone, ""})->status,
            OrderStatus::kPending);
  absl::StatusOr<Order> rejected = this->writes().Transition(
      id, {Kind::kReject, RejectReason::kInventoryUnavailable, "released"});
  EXPECT_EQ(rejected->status, OrderStatus::kRejected);
  EXPECT_EQ(rejected->reject_reason, RejectReason::kInventoryUnavailable);
  EXPECT_FALSE(rejected->compensating);
}

NewOrder NewOrderFor(const std::string& request_id, std::vector<LineItem> items) {
  return {request_id, "c-" + request_id, std::move(items),
          {"홍길동", "010", "04524", "line1 " + request_id, ""}};
}

TYPED_TEST(OrderRepositoryTest, CreateBatchRecordsEachOrderWithItsOwnFields) {
  std::vector<OrderToCreate> orders;
  for (int i = 0; i < 70; ++i) {  // more than one multi-row statement holds
    orders.push_back({NewOrderFor("rb" + std::to_string(i), {{9, 1}, {int64_t{i} + 100, 3}}),
                      RandomOrderId()});
    orders.back().order.trace_id = absl::StrCat("4bf92f3577b34da6a3ce929d0e0e47", 10 + i);
  }
  std::vector<const OrderToCreate*> batch;
  for (const OrderToCreate& o : orders) batch.push_back(&o);
  std::vector<absl::StatusOr<Order>> created = this->writes().CreateBatch(batch);
  ASSERT_EQ(created.size(), orders.size());
  for (size_t i = 0; i < orders.size(); ++i) {
    ASSERT_TRUE(created[i].ok()) << created[i].status();
    EXPECT_EQ(created[i]->order_id, orders[i].order_id);
    EXPECT_EQ(created[i]->request_id, orders[i].order.request_id);
    EXPECT_EQ(created[i]->customer_id, orders[i].order.customer_id);
    EXPECT_EQ(created[i]->shipping_address.line1, orders[i].order.shipping_address.line1);
    EXPECT_EQ(created[i]->status, OrderStatus::kPending);
    std::vector<LineItem> sorted = SortedByProductId(orders[i].order.items);
    EXPECT_EQ(created[i]->items, sorted);
    absl::StatusOr<Order> stored =
        this->repo().GetByRequestId(orders[i].order.customer_id, orders[i].order.request_id);
    ASSERT_TRUE(stored.ok());
    EXPECT_EQ(stored->items, sorted);
    // What the batch answered is what was stored, to the column (MySQL
    // answers with RETURNING instead of reading the orders back).
    EXPECT_EQ(created[i]->sequence, stored->sequence);
    EXPECT_EQ(created[i]->shipping_address, stored->shipping_address);
    EXPECT_EQ(created[i]->create_time, stored->create_time);
    EXPECT_EQ(created[i]->update_time, stored->update_time);
    EXPECT_EQ(created[i]->trace_id, stored->trace_id);
    EXPECT_EQ(created[i]->detail, stored->detail);
    EXPECT_EQ(created[i]->reject_reason, stored->reject_reason);
    EXPECT_EQ(created[i]->compensating, stored->compensating);
    EXPECT_EQ(created[i]->saga_attempts, stored->saga_attempts);
    EXPECT_EQ(created[i]->stuck, stored->stuck);
    EXPECT_EQ(created[i]->retry_after, stored->retry_after);
    EXPECT_GT(created[i]->create_time, absl::UnixEpoch());
  }
  this->ExpectSplitBatches(0);
  EXPECT_EQ(this->repo().Count("")->pending, 70);
}

TYPED_TEST(OrderRepositoryTest, CreateBatchWithAKnownRequestIdReturnsTheExistingOrder) {
  absl::StatusOr<Order> existing = this->Create("known", "c-known");  // NewOrderFor's customer
  ASSERT_TRUE(existing.ok());
  const std::vector<OrderToCreate> orders = {
      {NewOrderFor("fresh", {{1, 1}}), RandomOrderId()},
      {NewOrderFor("known", {{1, 1}}), RandomOrderId()},
      {NewOrderFor("twice", {{1, 1}}), RandomOrderId()},
      {NewOrderFor("twice", {{1, 1}}), RandomOrderId()}};
  std::vector<absl::StatusOr<Order>> created =
      this->writes().CreateBatch({&orders[0], &orders[1], &orders[2], &orders[3]});
  for (const auto& order : created) ASSERT_TRUE(order.ok()) << order.status();
  EXPECT_EQ(created[0]->order_id, orders[0].order_id);
  EXPECT_EQ(created[1]->order_id, existing->order_id);
  EXPECT_EQ(created[2]->order_id, orders[2].order_id);
  EXPECT_EQ(created[3]->order_id, orders[2].order_id);
  EXPECT_EQ(this->repo().Count("")->pending, 3);
  this->ExpectSplitBatches(1);
}

TYPED_TEST(OrderRepositoryTest, ApproveBatchApprovesOnlyWhatMayBeApproved) {
  absl::StatusOr<Order> plain = this->Create("plain");
  absl::StatusOr<Order> rejected = this->Create("rejected");
  absl::StatusOr<Order> compensating = this->Create("compensating");
  ASSERT_TRUE(plain.ok() && rejected.ok() && compensating.ok());
  ASSERT_TRUE(this->writes()
                  .Transition(rejected->order_id,
                              {OrderTransition::Kind::kReject, RejectReason::kOutOfStock, "x"})
                  .ok());
  ASSERT_TRUE(this->writes()
                  .Transition(compensating->order_id, {OrderTransition::Kind::kMarkCompensating,
                                                       RejectReason::kInventoryUnavailable, "y"})
                  .ok());
  const std::vector<OrderApproval> approvals = {{plain->order_id, "ok"},
                                                {rejected->order_id, "ok"},
                                                {compensating->order_id, "ok"},
                                                {"no-such-order", "ok"},
                                                {plain->order_id, "again"}};
  std::vector<const OrderApproval*> batch;
  for (const OrderApproval& a : approvals) batch.push_back(&a);
  std::vector<absl::StatusOr<Order>> after = this->writes().ApproveBatch(batch);
  ASSERT_EQ(after.size(), approvals.size());
  ASSERT_TRUE(after[0].ok());
  EXPECT_EQ(after[0]->status, OrderStatus::kApproved);
  EXPECT_EQ(after[0]->detail, "ok");
  EXPECT_EQ(after[1]->status, OrderStatus::kRejected);
  EXPECT_EQ(after[1]->reject_reason, RejectReason::kOutOfStock);
  EXPECT_EQ(after[2]->status, OrderStatus::kPending);
  EXPECT_TRUE(after[2]->compensating);
  EXPECT_EQ(after[3].status().code(), absl::StatusCode::kNotFound);
  EXPECT_EQ(after[4]->status, OrderStatus::kApproved);
  EXPECT_EQ(after[4]->detail, "ok");
  EXPECT_EQ(this->repo().Get(plain->order_id)->status, OrderStatus::kApproved);
  this->ExpectSplitBatches(0);
}

TYPED_TEST(OrderRepositoryTest, RejectBatchDecidesEachOrderAsTransitionWould) {
  using Kind = OrderTransition::Kind;
  absl::StatusOr<Order> plain = this->Create("p");
  absl::StatusOr<Order> approved = this->Create("a");
  absl::StatusOr<Order> compensating = this->Create("c");
  ASSERT_TRUE(plain.ok() && approved.ok() && compensating.ok());
  ASSERT_TRUE(
      this->writes().Transition(approved->order_id, {Kind::kApprove, RejectReason::kNone, ""}).ok());
  ASSERT_TRUE(this->writes()
                  .Transition(compensating->order_id,
                              {Kind::kMarkCompensating, RejectReason::kInventoryUnavailable, "t"})
                  .ok());
  const int64_t events_before = *this->repo().LastEventId();
  const std::vector<OrderRejection> rejections = {
      {plain->order_id, RejectReason::kOutOfStock, "none left"},
      {approved->order_id, RejectReason::kOutOfStock, "late"},
      {compensating->order_id, RejectReason::kInventoryUnavailable, "released"},
      {"no-such-order", RejectReason::kOutOfStock, ""},
      {plain->order_id, RejectReason::kUnknownProduct, "again"}};
  std::vector<const OrderRejection*> batch;
  for (const OrderRejection& r : rejections) batch.push_back(&r);
  std::vector<absl::StatusOr<Order>> after = this->writes().RejectBatch(batch);
  ASSERT_EQ(after.size(), rejections.size());
  ASSERT_TRUE(after[0].ok()) << after[0].status();
  EXPECT_EQ(after[0]->status, OrderStatus::kRejected);
  EXPECT_EQ(after[0]->reject_reason, RejectReason::kOutOfStock);
  EXPECT_EQ(after[0]->detail, "none left");
  EXPECT_EQ(after[1]->status, OrderStatus::kApproved);
  EXPECT_EQ(after[2]->status, OrderStatus::kRejected);
  EXPECT_FALSE(after[2]->compensating);
  EXPECT_EQ(after[2]->reject_reason, RejectReason::kInventoryUnavailable);
  EXPECT_EQ(after[3].status().code(), absl::StatusCode::kNotFound);
  EXPECT_EQ(after[4]->reject_reason, RejectReason::kOutOfStock);  // the first entry won
  EXPECT_EQ(*this->repo().LastEventId(), events_before + 2);  // two orders changed
  this->ExpectSplitBatches(0);
}

TYPED_TEST(OrderRepositoryTest, ListFiltersAndPages) {
  std::vector<std::string> ids;
  for (int i = 0; i < 5; ++i) {
    ids.push_back(this->Create("r" + std::to_string(i), i % 2 ? "odd" : "even")->order_id);
  }
  using Kind = OrderTransition::Kind;
  ASSERT_TRUE(this->writes().Transition(ids[0], {Kind::kApprove, RejectReason::kNone, ""}).ok());
  OrderFilter filter;
  filter.limit = 2;
  absl::StatusOr<std::vector<Order>> page = this->repo().List(filter);
  ASSERT_EQ(page->size(), 2u);
  EXPECT_EQ((*page)[0].order_id, ids[0]);
  EXPECT_EQ((*page)[0].items.size(), 2u);
  filter.after_sequence = page->back().sequence;
  page = this->repo().List(filter);
  ASSERT_EQ(page->size(), 2u);
  EXPECT_EQ((*page)[0].order_id, ids[2]);

  OrderFilter pending_even;
  pending_even.status = OrderStatus::kPending;
  pending_even.customer_id = "even";
  page = this->repo().List(pending_even);
  ASSERT_EQ(page->size(), 2u);
  EXPECT_EQ((*page)[0].order_id, ids[2]);

  OrderFilter stale;
  stale.updated_before = absl::Now() - absl::Hours(1);
  EXPECT_TRUE(this->repo().List(stale)->empty());
  // By age, on the storage's own clock (the caller's need not agree).
  OrderFilter old_enough;
  old_enough.min_age = absl::Hours(1);
  EXPECT_TRUE(this->repo().List(old_enough)->empty());
  old_enough.min_age = absl::ZeroDuration();
  EXPECT_EQ(this->repo().List(old_enough)->size(), 5u);

  OrderCounts all = *this->repo().Count("");
  EXPECT_EQ(all.pending, 4);
  EXPECT_EQ(all.approved, 1);
  EXPECT_EQ(this->repo().Count("odd")->pending, 2);
}

// (event id, order id, status, compensating) of every event after `after`.
template <typename Repository>
std::vector<std::tuple<int64_t, std::string, OrderStatus, bool>> EventSummary(
    Repository& repo, OrderEventFilter filter) {
  std::vector<std::tuple<int64_t, std::string, OrderStatus, bool>> summary;
  absl::StatusOr<std::vector<OrderEvent>> events = repo.Events(filter);
  EXPECT_TRUE(events.ok()) << events.status();
  if (!events.ok()) return summary;
  for (const OrderEvent& e : *events) {
    summary.emplace_back(e.event_id, e.order.order_id, e.order.status, e.order.compensating);
  }
  return summary;
}

TYPED_TEST(OrderRepositoryTest, EveryChangeAppendsOneEventAndNoOpsAppendNone) {
  using Kind = OrderTransition::Kind;
  EXPECT_EQ(*this->repo().LastEventId(), 0);
  const std::string a = this->Create("r1", "alice")->order_id;
  ASSERT_TRUE(this->Create("r1", "alice").ok());  // idempotent repeat
  ASSERT_TRUE(this->writes()
                  .Transition(a, {Kind::kMarkCompensating, RejectReason::kOutOfStock, "x"})
                  .ok());
  ASSERT_TRUE(this->writes()
                  .Transition(a, {Kind::kMarkCompensating, RejectReason::kOutOfStock, "y"})
                  .ok());  // no-op
  ASSERT_TRUE(
      this->writes().Transition(a, {Kind::kReject, RejectReason::kOutOfStock, "none left"}).ok());
  ASSERT_TRUE(this->writes().Transition(a, {Kind::kApprove, RejectReason::kNone, ""}).ok());
  const std::string b = this->Create("r2", "bob")->order_id;
  ASSERT_TRUE(this->writes().Transition(b, {Kind::kApprove, RejectReason::kNone, "ok"}).ok());

  using Row = std::tuple<int64_t, std::string, OrderStatus, bool>;
  EXPECT_EQ(EventSummary(this->repo(), {}),
            (std::vector<Row>{{1, a, OrderStatus::kPending, false},
                              {2, a, OrderStatus::kPending, true},
                              {3, a, OrderStatus::kRejected, false},
                              {4, b, OrderStatus::kPending, false},
                              {5, b, OrderStatus::kApproved, false}}));
  EXPECT_EQ(*this->repo().LastEventId(), 5);

  // The event carries the whole order as it stood then.
  absl::StatusOr<std::vector<OrderEvent>> events = this->repo().Events({2, "", "", 1});
  ASSERT_TRUE(events.ok());
  ASSERT_EQ(events->size(), 1u);
  const Order& rejected = (*events)[0].order;
  EXPECT_EQ(rejected.reject_reason, RejectReason::kOutOfStock);
  EXPECT_EQ(rejected.detail, "none left");
  EXPECT_EQ(rejected.customer_id, "alice");
  EXPECT_EQ(rejected.request_id, "r1");
  EXPECT_EQ(rejected.items, (std::vector<LineItem>{{4, 2}, {5, 1}}));
  EXPECT_EQ(rejected.shipping_address.line1, "서울특별시 중구 세종대로 110");

  EXPECT_EQ(EventSummary(this->repo(), {0, "bob", "", 100}),
            (std::vector<Row>{{4, b, OrderStatus::kPending, false},
                              {5, b, OrderStatus::kApproved, false}}));
  EXPECT_EQ(EventSummary(this->repo(), {1, "", a, 100}).size(), 2u);
  EXPECT_TRUE(EventSummary(this->repo(), {0, "", "no-such-order", 100}).empty());
  EXPECT_EQ(EventSummary(this->repo(), {3, "", "", 100}).size(), 2u);
}

TYPED_TEST(OrderRepositoryTest, BatchesAppendOneEventPerOrderTheyChange) {
  using Kind = OrderTransition::Kind;
  std::vector<OrderToCreate> creates;
  for (const char* r : {"b1", "b2", "b3"}) {
    creates.push_back({{r, "c", {{1, 1}}, {}}, RandomOrderId()});
  }
  std::vector<const OrderToCreate*> create_batch;
  for (const OrderToCreate& c : creates) create_batch.push_back(&c);
  for (const absl::StatusOr<Order>& created : this->writes().CreateBatch(create_batch)) {
    ASSERT_TRUE(created.ok()) << created.status();
  }
  const std::string& approved = creates[0].order_id;
  const std::string& compensating = creates[1].order_id;
  const std::string& pending = creates[2].order_id;
  ASSERT_TRUE(this->writes().Transition(approved, {Kind::kApprove, RejectReason::kNone, ""}).ok());
  ASSERT_TRUE(this->writes()
                  .Transition(compensating,
                              {Kind::kMarkCompensating, RejectReason::kOutOfStock, ""})
                  .ok());
  const std::vector<OrderApproval> approvals = {
      {approved, "again"}, {compensating, "ok"}, {pending, "ok"}};
  std::vector<const OrderApproval*> batch;
  for (const OrderApproval& a : approvals) batch.push_back(&a);
  this->writes().ApproveBatch(batch);

  using Row = std::tuple<int64_t, std::string, OrderStatus, bool>;
  std::vector<Row> events = EventSummary(this->repo(), {});
  ASSERT_EQ(events.size(), 6u);
  for (size_t i = 0; i < events.size(); ++i) EXPECT_EQ(std::get<0>(events[i]), int64_t(i + 1));
  EXPECT_EQ(events.back(), (Row{6, pending, OrderStatus::kApproved, false}));
  this->ExpectSplitBatches(0);
}

// Batches whose size is no power of two: the reads, the decisions and the
// events are one statement each, padded by repeating an order, which must
// still be decided once and get one event.
TYPED_TEST(OrderRepositoryTest, BatchesOfEverySmallSizeDecideEachOrderOnce) {
  using Row = std::tuple<int64_t, std::string, OrderStatus, bool>;
  int64_t event_id = 0;
  for (int size = 1; size <= 9; ++size) {
    std::vector<OrderToCreate> creates;
    for (int i = 0; i < size; ++i) {
      creates.push_back({NewOrderFor(absl::StrCat("odd", size, "-", i), {{1, 1}}),
                         RandomOrderId()});
    }
    std::vector<const OrderToCreate*> create_batch;
    for (const OrderToCreate& c : creates) create_batch.push_back(&c);
    for (const absl::StatusOr<Order>& created : this->writes().CreateBatch(create_batch)) {
      ASSERT_TRUE(created.ok()) << created.status();
    }
    std::vector<OrderApproval> approvals;
    for (int i = 0; i < size; ++i) {
      approvals.push_back({creates[i].order_id, absl::StrCat("ok ", i)});
    }
    std::vector<const OrderApproval*> batch;
    for (const OrderApproval& a : approvals) batch.push_back(&a);
    std::vector<absl::StatusOr<Order>> after = this->writes().ApproveBatch(batch);
    ASSERT_EQ(after.size(), approvals.size());
    for (int i = 0; i < size; ++i) {
      ASSERT_TRUE(after[i].ok()) << after[i].status();
      EXPECT_EQ(after[i]->status, OrderStatus::kApproved);
      absl::StatusOr<Order> stored = this->repo().Get(creates[i].order_id);
      ASSERT_TRUE(stored.ok());
      EXPECT_EQ(stored->status, OrderStatus::kApproved);
      EXPECT_EQ(stored->detail, absl::StrCat("ok ", i)) << "batch of " << size;
    }
    // One event per order and batch, numbered on from the last: each
    // order's creation (in the batch's order), then each one's approval (in
    // an order of the repository's choosing: compared sorted).
    std::vector<Row> events = EventSummary(this->repo(), {event_id, "", "", 100});
    ASSERT_EQ(events.size(), 2u * size) << "batch of " << size;
    std::vector<Row> created(events.begin(), events.begin() + size);
    std::vector<Row> approved(events.begin() + size, events.end());
    std::vector<Row> expected_created, expected_approved;
    for (int i = 0; i < size; ++i) {
      expected_created.emplace_back(event_id + 1 + i, creates[i].order_id, OrderStatus::kPending,
                                    false);
    }
    for (size_t i = 0; i < approved.size(); ++i) {
      EXPECT_EQ(std::get<0>(approved[i]), event_id + size + 1 + static_cast<int64_t>(i));
      std::get<0>(approved[i]) = 0;
    }
    for (int i = 0; i < size; ++i) {
      expected_approved.emplace_back(0, creates[i].order_id, OrderStatus::kApproved, false);
    }
    std::sort(approved.begin(), approved.end());
    std::sort(expected_approved.begin(), expected_approved.end());
    EXPECT_EQ(created, expected_created) << "batch of " << size;
    EXPECT_EQ(approved, expected_approved) << "batch of " << size;
    event_id += 2 * size;
  }
  this->ExpectSplitBatches(0);
}

// A reader that polls while many writers commit sees event ids in an
// unbroken sequence: never an id after a gap that is filled in later. That
// is what lets a watcher resume from the last id it saw.
TYPED_TEST(OrderRepositoryTest, ConcurrentWritersLeaveNoGapBehindAReader) {
  using Kind = OrderTransition::Kind;
  constexpr int kWriters = 8, kOrdersPerWriter = 25;
  std::atomic<bool> done{false};
  std::vector<std::thread> writers;
  for (int w = 0; w < kWriters; ++w) {
    writers.emplace_back([&, w] {
      for (int i = 0; i < kOrdersPerWriter; ++i) {
        absl::StatusOr<Order> order =
            this->Create(absl::StrCat("w", w, "-", i), absl::StrCat("c", w));
        ASSERT_TRUE(order.ok()) << order.status();
        ASSERT_TRUE(
            this->writes()
                .Transition(order->order_id, {Kind::kApprove, RejectReason::kNone, ""})
                .ok());
      }
    });
  }
  int64_t last = 0;
  int reads = 0;
  auto read_more = [&] {
    absl::StatusOr<std::vector<OrderEvent>> events = this->repo().Events({last, "", "", 50});
    ASSERT_TRUE(events.ok()) << events.status();
    ++reads;
    for (const OrderEvent& event : *events) {
      ASSERT_EQ(event.event_id, last + 1) << "gap or reorder after event " << last;
      last = event.event_id;
    }
  };
  std::thread reader([&] {
    while (!done.load()) read_more();
  });
  for (std::thread& writer : writers) writer.join();
  done.store(true);
  reader.join();
  for (int i = 0; i < 100 && last < 2 * kWriters * kOrdersPerWriter; ++i) read_more();
  EXPECT_EQ(last, 2 * kWriters * kOrdersPerWriter);
  EXPECT_GT(reads, 1);
}


// The report of failed attempt `attempt` (the first by default).
SagaFailure Failure(const std::string& step, int max_attempts, int attempt = 1) {
  return {attempt, step, "UNAVAILABLE: " + step + " down", "0af7651916cd43dd8448eb211c80319c",
          max_attempts, absl::Seconds(10), absl::Seconds(25)};
}

// The saga's bookkeeping: each failure counts, backs off (10 s, 20 s, then
// capped at 25 s), and is recorded; the budget's last one parks the order
// with an event; a parked or final order is not counted further.
TYPED_TEST(OrderRepositoryTest, SagaFailuresBackOffAndParkTheOrderAtTheBudget) {
  absl::StatusOr<Order> order = this->Create("r1");
  ASSERT_TRUE(order.ok());
  const int64_t events_before = *this->repo().LastEventId();
  const absl::Time start = absl::Now();
  absl::StatusOr<Order> first = this->repo().RecordSagaFailure(order->order_id, Failure("reserve", 3));
  ASSERT_TRUE(first.ok()) << first.status();
  EXPECT_EQ(first->saga_attempts, 1);
  EXPECT_FALSE(first->stuck);
  EXPECT_EQ(first->saga_last_error, "UNAVAILABLE: reserve down");
  ASSERT_TRUE(first->retry_after.has_value());
  EXPECT_NEAR(absl::ToDoubleSeconds(*first->retry_after - start), 10, 2);
  EXPECT_EQ(SagaStateOf(*first, absl::Now()), SagaState::kBackingOff);
  EXPECT_EQ(*this->repo().LastEventId(), events_before);  // not a visible change

  absl::StatusOr<Order> second = this->repo().RecordSagaFailure(order->order_id, Failure("release", 3, 2));
  ASSERT_TRUE(second.ok());
  EXPECT_NEAR(absl::ToDoubleSeconds(*second->retry_after - start), 20, 2);
  absl::StatusOr<Order> third = this->repo().RecordSagaFailure(order->order_id, Failure("release", 3, 3));
  ASSERT_TRUE(third.ok());
  EXPECT_TRUE(third->stuck);
  EXPECT_EQ(third->saga_attempts, 3);
  EXPECT_EQ(third->status, OrderStatus::kPending);
  EXPECT_EQ(SagaStateOf(*third, absl::Now()), SagaState::kStuck);
  EXPECT_EQ(*this->repo().LastEventId(), events_before + 1);  // parking is an event

  // Parked: no further counting.
  EXPECT_EQ(this->repo().RecordSagaFailure(order->order_id, Failure("release", 3, 4))->saga_attempts, 3);
  absl::StatusOr<std::vector<SagaStep>> steps = this->repo().SagaSteps(order->order_id);
  ASSERT_TRUE(steps.ok());
  ASSERT_EQ(steps->size(), 4u);
  EXPECT_EQ((*steps)[0].step, "reserve");
  EXPECT_EQ((*steps)[0].attempt, 1);
  EXPECT_EQ((*steps)[2].step, "release");
  EXPECT_EQ((*steps)[2].attempt, 3);
  EXPECT_EQ((*steps)[3].step, "stuck");
  EXPECT_EQ((*steps)[3].trace_id, "0af7651916cd43dd8448eb211c80319c");

  OrderFilter stuck;
  stuck.saga_state = SagaState::kStuck;
  EXPECT_EQ(this->repo().List(stuck)->size(), 1u);
  OrderFilter active;
  active.saga_state = SagaState::kActive;
  EXPECT_TRUE(this->repo().List(active)->empty());

  // A final order is returned unchanged.
  absl::StatusOr<Order> other = this->Create("r2");
  ASSERT_TRUE(this->writes().Transition(other->order_id, {OrderTransition::Kind::kApprove, {}, "ok"}).ok());
  EXPECT_EQ(this->repo().RecordSagaFailure(other->order_id, Failure("approve", 3))->saga_attempts, 0);
  EXPECT_TRUE(absl::IsNotFound(
      this->repo().RecordSagaFailure("no-such-order", Failure("approve", 3)).status()));
}

// A listing by saga state pages past the orders of other states: with a
// limit of 2, the active orders among five where two back off, one is stuck
// and one is final, in creation order, page after page.
TYPED_TEST(OrderRepositoryTest, ListBySagaStateSkipsOtherStatesAndPages) {
  std::vector<std::string> ids;
  for (int i = 1; i <= 7; ++i) {
    absl::StatusOr<Order> order = this->Create(absl::StrCat("r", i));
    ASSERT_TRUE(order.ok()) << order.status();
    ids.push_back(order->order_id);
  }
  // 1: active; 2, 3: backing off; 4: stuck; 5: final; 6, 7: active.
  ASSERT_TRUE(this->repo().RecordSagaFailure(ids[1], Failure("reserve", 3)).ok());
  ASSERT_TRUE(this->repo().RecordSagaFailure(ids[2], Failure("reserve", 3)).ok());
  ASSERT_TRUE(this->repo().RecordSagaFailure(ids[3], Failure("reserve", 1))->stuck);
  ASSERT_TRUE(
      this->writes().Transition(ids[4], {OrderTransition::Kind::kApprove, {}, "ok"}).ok());
  auto list = [&](SagaState state, int64_t after, int limit) {
    OrderFilter filter;
    filter.saga_state = state;
    filter.after_sequence = after;
    filter.limit = limit;
    std::vector<std::string> found;
    absl::StatusOr<std::vector<Order>> listed = this->repo().List(filter);
    EXPECT_TRUE(listed.ok()) << listed.status();
    if (listed.ok()) {
      for (const Order& order : *listed) found.push_back(order.order_id);
    }
    return found;
  };
  EXPECT_EQ(list(SagaState::kActive, 0, 2), (std::vector<std::string>{ids[0], ids[5]}));
  absl::StatusOr<Order> sixth = this->repo().Get(ids[5]);
  ASSERT_TRUE(sixth.ok());
  EXPECT_EQ(list(SagaState::kActive, sixth->sequence, 2), (std::vector<std::string>{ids[6]}));
  EXPECT_EQ(list(SagaState::kBackingOff, 0, 1), (std::vector<std::string>{ids[1]}));
  EXPECT_EQ(list(SagaState::kBackingOff, 0, 10), (std::vector<std::string>{ids[1], ids[2]}));
  EXPECT_EQ(list(SagaState::kStuck, 0, 10), (std::vector<std::string>{ids[3]}));
  EXPECT_EQ(list(SagaState::kFinished, 0, 10), (std::vector<std::string>{ids[4]}));
}

// A failed attempt reported twice (a retried report, or the order service's
// rerun of the unit after a lost COMMIT) counts once, so an order is never
// parked early; a report of an attempt that is not the next one changes
// nothing either.
TYPED_TEST(OrderRepositoryTest, ARepeatedFailureReportCountsOnce) {
  absl::StatusOr<Order> order = this->Create("r1");
  ASSERT_TRUE(order.ok());
  ASSERT_EQ(this->repo().RecordSagaFailure(order->order_id, Failure("reserve", 2, 1))->saga_attempts, 1);
  absl::StatusOr<Order> again = this->repo().RecordSagaFailure(order->order_id, Failure("reserve", 2, 1));
  ASSERT_TRUE(again.ok());
  EXPECT_EQ(again->saga_attempts, 1);
  EXPECT_FALSE(again->stuck);
  EXPECT_EQ(this->repo().RecordSagaFailure(order->order_id, Failure("reserve", 2, 5))->saga_attempts, 1);
  EXPECT_EQ(this->repo().SagaSteps(order->order_id)->size(), 1u);
  EXPECT_TRUE(this->repo().RecordSagaFailure(order->order_id, Failure("reserve", 2, 2))->stuck);
}

TYPED_TEST(OrderRepositoryTest, ResumeSagaClearsStuckAndRefusesFinalOrders) {
  absl::StatusOr<Order> order = this->Create("r1");
  ASSERT_TRUE(order.ok());
  ASSERT_TRUE(this->repo().RecordSagaFailure(order->order_id, Failure("approve", 1))->stuck);
  const int64_t events_before = *this->repo().LastEventId();
  absl::StatusOr<Order> resumed = this->repo().ResumeSaga(order->order_id, "retry by ops", "");
  ASSERT_TRUE(resumed.ok()) << resumed.status();
  EXPECT_FALSE(resumed->stuck);
  EXPECT_EQ(resumed->saga_attempts, 0);
  EXPECT_FALSE(resumed->retry_after.has_value());
  EXPECT_EQ(SagaStateOf(*resumed, absl::Now()), SagaState::kActive);
  EXPECT_EQ(*this->repo().LastEventId(), events_before + 1);
  // One history row for the action, also when the unit ran twice.
  absl::StatusOr<std::vector<SagaStep>> steps = this->repo().SagaSteps(order->order_id);
  ASSERT_TRUE(steps.ok());
  ASSERT_EQ(steps->size(), 3u);  // the failure, the parking, the operator
  EXPECT_EQ(steps->back().step, "operator");
  EXPECT_EQ(steps->back().detail, "retry by ops");

  ASSERT_TRUE(this->writes().Transition(order->order_id, {OrderTransition::Kind::kReject, RejectReason::kRejectedByOperator, "no"}).ok());
  EXPECT_EQ(this->repo().Get(order->order_id)->reject_reason, RejectReason::kRejectedByOperator);
  EXPECT_TRUE(absl::IsFailedPrecondition(
      this->repo().ResumeSaga(order->order_id, "again", "").status()));
  EXPECT_TRUE(absl::IsNotFound(this->repo().ResumeSaga("no-such-order", "x", "").status()));
}

// Retention: events older than the cutoff go, oldest first, a batch at a
// time; history goes only for final orders.
TYPED_TEST(OrderRepositoryTest, RetentionDeletesOldEventsAndTheHistoryOfFinalOrdersOnly) {
  absl::StatusOr<Order> pending = this->Create("r1");
  absl::StatusOr<Order> final_order = this->Create("r2");
  ASSERT_TRUE(pending.ok() && final_order.ok());
  ASSERT_TRUE(this->repo().RecordSagaFailure(pending->order_id, Failure("approve", 5)).ok());
  ASSERT_TRUE(this->repo().RecordSagaFailure(final_order->order_id, Failure("approve", 5)).ok());
  ASSERT_TRUE(this->writes().Transition(final_order->order_id, {OrderTransition::Kind::kApprove, {}, "ok"}).ok());
  // 3 events: two creations and one approval.
  EXPECT_EQ(*this->repo().DeleteEventsBefore(absl::Now() - absl::Hours(1), 10), 0);
  EXPECT_EQ(*this->repo().DeleteEventsBefore(absl::Now() + absl::Seconds(1), 2), 2);
  absl::StatusOr<std::vector<OrderEvent>> left = this->repo().Events({});
  ASSERT_TRUE(left.ok());
  ASSERT_EQ(left->size(), 1u);
  EXPECT_EQ(left->front().event_id, 3);  // the oldest went first
  EXPECT_EQ(*this->repo().DeleteEventsBefore(absl::Now() + absl::Seconds(1), 2), 1);
  EXPECT_EQ(*this->repo().LastEventId(), 3);  // ids go on from where they were

  EXPECT_EQ(*this->repo().DeleteFinishedSagaStepsBefore(absl::Now() + absl::Seconds(1), 10), 1);
  EXPECT_EQ(this->repo().SagaSteps(pending->order_id)->size(), 1u);
  EXPECT_TRUE(this->repo().SagaSteps(final_order->order_id)->empty());
}

// What is kept of the outbox: one unbroken range of ids ending at the last
// event, or nothing.
// One statement, so one consistent read of both tables.
void ExpectOneUnbrokenRangeOfEvents(MysqlSession& session) {
  std::unique_ptr<sql::ResultSet> row(
      session
          .Prepare("SELECT IFNULL(MIN(event_id), 0), IFNULL(MAX(event_id), 0), COUNT(*), "
                   "(SELECT last_event_id FROM order_event_counter WHERE id = 1) "
                   "FROM order_events")
          .executeQuery());
  ASSERT_TRUE(row->next());
  const int64_t min = row->getInt64(1), max = row->getInt64(2), count = row->getInt64(3);
  if (count == 0) return;
  EXPECT_EQ(count, max - min + 1) << "a hole among events " << min << " to " << max;
  EXPECT_EQ(max, row->getInt64(4)) << "the newest event was deleted";
}

// Issue 13, defect 5: occurred_at is not in event-id order across concurrent
// writers. Writer A stamps its change at t1 and waits for the event counter
// while writer B stamps t2 > t1 and takes event 3 first; A gets event 4,
// stamped t1. Retention with a cutoff between t1 and t2 used to delete
// event 4 and keep 3: a hole behind any reader at 3. It cuts at an event id
// now: only the oldest events in id order go, up to the first new one.
TEST(OutboxRetentionTest, RetentionNeverOpensAHoleBehindACursor) {
  absl::StatusOr<std::unique_ptr<testing::MysqlTestDatabase>> db =
      testing::MysqlTestDatabase::Create("orders_test", OrderSchemaMigrations());
  ASSERT_TRUE(db.ok()) << db.status();
  MysqlTransactionRunner runner((*db)->pool(), RealClock());
  MysqlOrderRepository repository(runner);
  const NewOrder order = {"x", "c", {{1, 1}}, {}};
  absl::StatusOr<Order> a = repository.Create(order, RandomOrderId());  // event 1
  absl::StatusOr<Order> b = repository.Create({"y", "c", {{1, 1}}, {}}, RandomOrderId());  // 2
  ASSERT_TRUE(a.ok() && b.ok());

  absl::StatusOr<MysqlConnectionPool::Lease> writer_b = (*db)->pool().Acquire();
  ASSERT_TRUE(writer_b.ok());
  MysqlSession& session = writer_b->session();
  session.Execute("START TRANSACTION");
  std::unique_ptr<sql::ResultSet>(
      session.Prepare("SELECT last_event_id FROM order_event_counter WHERE id = 1 FOR UPDATE")
          .executeQuery());
  std::thread writer_a([&] {  // stamps t1, then waits for the counter
    EXPECT_TRUE(repository.Transition(a->order_id, {OrderTransition::Kind::kApprove, {}, "ok"}).ok());
  });
  absl::SleepFor(absl::Milliseconds(200));
  sql::PreparedStatement& stamp = session.Prepare(
      "UPDATE orders SET detail = 'b', updated_at = CURRENT_TIMESTAMP(6) WHERE order_id = ?");
  stamp.setString(1, b->order_id);
  stamp.executeUpdate();
  session
      .Prepare("UPDATE order_event_counter SET last_event_id = LAST_INSERT_ID(last_event_id + 1) "
               "WHERE id = 1")
      .executeUpdate();
  sql::PreparedStatement& append = session.Prepare(
      "INSERT INTO order_events (event_id, order_pk, customer_id, status, compensating, "
      "reject_reason, detail, occurred_at) SELECT LAST_INSERT_ID(), id, customer_id, status, "
      "compensating, reject_reason, detail, updated_at FROM orders WHERE order_id = ?");
  append.setString(1, b->order_id);
  append.executeUpdate();
  session.Execute("COMMIT");
  writer_a.join();

  std::unique_ptr<sql::ResultSet> times(
      session.Prepare("SELECT event_id, TIMESTAMPDIFF(MICROSECOND, '1970-01-01', occurred_at) "
                      "FROM order_events WHERE event_id IN (3, 4) ORDER BY event_id")
          .executeQuery());
  ASSERT_TRUE(times->next());
  const int64_t t2 = times->getInt64(2);
  ASSERT_TRUE(times->next());
  const int64_t t1 = times->getInt64(2);
  ASSERT_LT(t1, t2) << "event 4 was stamped before event 3";
  const absl::Time between = absl::FromUnixMicros(t1 + (t2 - t1) / 2);

  EXPECT_EQ(*repository.DeleteEventsBefore(between, 100), 2);  // events 1 and 2
  ExpectOneUnbrokenRangeOfEvents(session);
  EXPECT_EQ(*repository.OldestEventId(), 3);
  EXPECT_EQ(repository.Events({2, "", "", 10})->size(), 2u);
}

// The same under live load: eight writers through write coalescing while
// retention keeps cutting just behind them (a fake clock a few milliseconds
// behind the database's): what is kept is always one unbroken range.
TEST(OutboxRetentionTest, UnderLiveLoadWhatIsKeptIsAlwaysOneUnbrokenRange) {
  absl::StatusOr<std::unique_ptr<testing::MysqlTestDatabase>> db =
      testing::MysqlTestDatabase::Create("orders_test", OrderSchemaMigrations());
  ASSERT_TRUE(db.ok()) << db.status();
  MysqlTransactionRunner runner((*db)->pool(), RealClock());
  MysqlOrderRepository repository(runner);
  CoalescingOrderWrites coalescing(repository, BatchOptions{8, 2, {}});
  FakeClock clock(absl::Now());
  std::atomic<bool> done{false};
  std::vector<std::thread> writers;
  for (int w = 0; w < 8; ++w) {
    writers.emplace_back([&, w] {
      for (int i = 0; i < 40; ++i) {
        absl::StatusOr<Order> created = coalescing.Create(
            {absl::StrCat("live-", w, "-", i), "c", {{1, 1}}, {}}, RandomOrderId());
        const OrderApproval approval{created.ok() ? created->order_id : "", "ok"};
        if (!created.ok() || !coalescing.ApproveBatch({&approval}).front().ok()) {
          ADD_FAILURE() << "writer " << w << " failed: " << created.status();
          done.store(true);  // the loop below must not wait for this writer
          return;
        }
      }
    });
  }
  std::mt19937 random(42);
  int64_t deleted = 0, checks = 0;
  absl::StatusOr<MysqlConnectionPool::Lease> checker = (*db)->pool().Acquire();
  ASSERT_TRUE(checker.ok());
  std::thread retention([&] {
    while (!done.load()) {
      clock.Set(absl::Now() - absl::Milliseconds(std::uniform_int_distribution<int>(0, 20)(random)));
      absl::StatusOr<int64_t> batch = repository.DeleteEventsBefore(clock.Now(), 50);
      ASSERT_TRUE(batch.ok()) << batch.status();
      deleted += *batch;
    }
  });
  while (!done.load()) {
    ExpectOneUnbrokenRangeOfEvents(checker->session());
    ++checks;
    if (*repository.LastEventId() >= 8 * 40 * 2) done.store(true);
  }
  for (std::thread& writer : writers) writer.join();
  retention.join();
  ExpectOneUnbrokenRangeOfEvents(checker->session());
  std::cout << "[retention] " << deleted << " events deleted under load, " << checks
            << " consistent reads\n";
  EXPECT_GT(deleted, 0);
}

}  // namespace
}  // namespace order_saga::orders
