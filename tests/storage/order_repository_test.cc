// One typed suite for both OrderRepository implementations.
#include <thread>

#include <gtest/gtest.h>

#include "order_service/order_schema.h"
#include "common/clock.h"
#include "common/mysql/mysql_transaction_runner.h"
#include "order_service/in_memory_order_repository.h"
#include "order_service/mysql_order_repository.h"
#include "order_service/order_lifecycle.h"
#include "tests/storage/mysql_test_database.h"

namespace order_saga::orders {
namespace {

struct InMemoryBackend {
  absl::Status Init() { return absl::OkStatus(); }
  OrderRepository& repository() { return repository_; }
  InMemoryOrderRepository repository_;
};

struct MysqlBackend {
  absl::Status Init() {
    absl::StatusOr<std::unique_ptr<testing::MysqlTestDatabase>> db =
        testing::MysqlTestDatabase::Create("orders_test", OrderSchemaMigrations());
    if (!db.ok()) return db.status();
    database = *std::move(db);
    runner = std::make_unique<MysqlTransactionRunner>(database->pool(), RealClock());
    repository_ = std::make_unique<MysqlOrderRepository>(*runner);
    return absl::OkStatus();
  }
  OrderRepository& repository() { return *repository_; }
  std::unique_ptr<testing::MysqlTestDatabase> database;
  std::unique_ptr<MysqlTransactionRunner> runner;
  std::unique_ptr<MysqlOrderRepository> repository_;
};

template <typename Backend>
class OrderRepositoryTest : public ::testing::Test {
 protected:
  void SetUp() override { ASSERT_TRUE(backend_.Init().ok()); }
  OrderRepository& repo() { return backend_.repository(); }
  absl::StatusOr<Order> Create(const std::string& request_id, const std::string& customer = "c1") {
    return repo().Create({request_id, customer, {{5, 1}, {4, 2}},
                          {"홍길동", "010-1234-5678", "04524", "서울특별시 중구 세종대로 110", "3층"}},
                         RandomOrderId());
  }
  Backend backend_;
};

using Backends = ::testing::Types<InMemoryBackend, MysqlBackend>;
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
}

TYPED_TEST(OrderRepositoryTest, CreateIsIdempotentOnRequestId) {
  absl::StatusOr<Order> first = this->Create("r1");
  absl::StatusOr<Order> second = this->Create("r1");
  ASSERT_TRUE(first.ok() && second.ok());
  EXPECT_EQ(first->order_id, second->order_id);
  EXPECT_EQ(this->repo().Count("")->pending, 1);
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
  EXPECT_EQ(this->repo().Transition(id, {Kind::kApprove, RejectReason::kNone, "ok"})->status,
            OrderStatus::kApproved);
  absl::StatusOr<Order> late =
      this->repo().Transition(id, {Kind::kReject, RejectReason::kOutOfStock, "late"});
  EXPECT_EQ(late->status, OrderStatus::kApproved);
  EXPECT_EQ(late->reject_reason, RejectReason::kNone);
  EXPECT_EQ(this->repo().Transition("nope", {Kind::kApprove, RejectReason::kNone, ""})
                .status()
                .code(),
            absl::StatusCode::kNotFound);
}

TYPED_TEST(OrderRepositoryTest, CompensatingOrderCannotBeApprovedOnlyRejected) {
  const std::string id = this->Create("r1")->order_id;
  using Kind = OrderTransition::Kind;
  absl::StatusOr<Order> marked = this->repo().Transition(
      id, {Kind::kMarkCompensating, RejectReason::kInventoryUnavailable, "timeout"});
  EXPECT_TRUE(marked->compensating);
  EXPECT_EQ(marked->status, OrderStatus::kPending);
  // A second compensation keeps the first reason.
  EXPECT_EQ(this->repo()
                .Transition(id, {Kind::kMarkCompensating, RejectReason::kOutOfStock, "x"})
                ->reject_reason,
            RejectReason::kInventoryUnavailable);
  EXPECT_EQ(this->repo().Transition(id, {Kind::kApprove, RejectReason::kNone, ""})->status,
            OrderStatus::kPending);
  absl::StatusOr<Order> rejected = this->repo().Transition(
      id, {Kind::kReject, RejectReason::kInventoryUnavailable, "released"});
  EXPECT_EQ(rejected->status, OrderStatus::kRejected);
  EXPECT_EQ(rejected->reject_reason, RejectReason::kInventoryUnavailable);
  EXPECT_FALSE(rejected->compensating);
}

TYPED_TEST(OrderRepositoryTest, ListFiltersAndPages) {
  std::vector<std::string> ids;
  for (int i = 0; i < 5; ++i) {
    ids.push_back(this->Create("r" + std::to_string(i), i % 2 ? "odd" : "even")->order_id);
  }
  using Kind = OrderTransition::Kind;
  ASSERT_TRUE(this->repo().Transition(ids[0], {Kind::kApprove, RejectReason::kNone, ""}).ok());
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

  OrderCounts all = *this->repo().Count("");
  EXPECT_EQ(all.pending, 4);
  EXPECT_EQ(all.approved, 1);
  EXPECT_EQ(this->repo().Count("odd")->pending, 2);
}

}  // namespace
}  // namespace order_saga::orders
