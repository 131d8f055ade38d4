// Faults without killing anything: the real services over the test MariaDB,
// served on loopback through fault-injecting decorators, driven by the real
// saga over gRPC; and MySQL-level faults (a connection killed in the middle
// of a transaction, lock wait timeouts, deadlocks) provoked with a second
// MySQL session. Each scenario ends with the audit.
#include <iostream>
#include <thread>

#include <cppconn/resultset.h>
#include <cppconn/statement.h>
#include <grpcpp/grpcpp.h>
#include <google/protobuf/util/time_util.h>
#include <gtest/gtest.h>
#include <prometheus/registry.h>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "audit/audit_snapshot.h"
#include "common/clock.h"
#include "common/fake_clock.h"
#include "common/grpc_server.h"
#include "common/request_validation.h"
#include "common/retention_sweeper.h"
#include "common/mysql/mysql_transaction_runner.h"
#include "inventory_service/inventory_service_graph.h"
#include "inventory_service/inventory_schema.h"
#include "inventory_service/mysql_inventory_repository.h"
#include "inventory_service/stock_ledger.h"
#include "order_service/mysql_order_repository.h"
#include "order_service/order_service_graph.h"
#include "order_service/order_schema.h"
#include "saga/batching_participants.h"
#include "saga/grpc_participants.h"
#include "saga/place_order_saga.h"
#include "saga/recovery_sweeper.h"
#include "saga/coordinator_graph.h"
#include "tests/fault/faulty_services.h"
#include "tests/storage/mysql_test_database.h"

namespace order_saga::testing {
namespace {

using coordinator::PlaceOrderOutcome;

// Both services in this process, on one loopback server, each behind its
// fault-injecting decorator; a coordinator talking to them over gRPC.
// Every fault test runs twice: the saga calling each participant RPC on its
// own (false), and through the coordinator's call batching (true), whose
// batch RPCs the faulty services fail the same way.
class FaultInjectionTest : public ::testing::TestWithParam<bool> {
 protected:
  void SetUp() override {
    auto orders_db = MysqlTestDatabase::Create("fault_orders", OrderSchemaMigrations());
    ASSERT_TRUE(orders_db.ok()) << orders_db.status();
    orders_db_ = *std::move(orders_db);
    auto inventory_db =
        MysqlTestDatabase::Create("fault_inventory", InventorySchemaMigrations());
    ASSERT_TRUE(inventory_db.ok()) << inventory_db.status();
    inventory_db_ = *std::move(inventory_db);

    order_runner_ = std::make_unique<MysqlTransactionRunner>(orders_db_->pool(), RealClock());
    order_repository_ = std::make_unique<orders::MysqlOrderRepository>(*order_runner_);
    order_graph_ = std::make_unique<orders::OrderServiceGraph>(
        *order_repository_, /*writes=*/nullptr, RealClock(), orders::OrderServiceGraph::Options());
    inventory_runner_ =
        std::make_unique<MysqlTransactionRunner>(inventory_db_->pool(), RealClock());
    inventory_repository_ =
        std::make_unique<inventory::MysqlInventoryRepository>(*inventory_runner_);
    inventory_graph_ = std::make_unique<inventory::InventoryServiceGraph>(
        *inventory_repository_, RealClock(), inventory::InventoryServiceGraph::Options());
    faulty_orders_ = std::make_unique<FaultyOrderService>(order_graph_->service(), plan_);
    faulty_inventory_ = std::make_unique<FaultyInventoryService>(inventory_graph_->service(), plan_);

    // The production bootstrap (limits, keepalive policy, health, metrics
    // interceptor) on a port of its own choosing.
    GrpcServerOptions server_options;
    server_options.listen_address = "127.0.0.1:0";
    server_options.metrics = std::make_shared<prometheus::Registry>();
    auto server = StartGrpcServer(server_options, {faulty_orders_.get(), faulty_inventory_.get()});
    ASSERT_TRUE(server.ok()) << server.status();
    server_ = *std::move(server);
    channel_ = grpc::CreateChannel(absl::StrCat("127.0.0.1:", server_->port()),
                                   grpc::InsecureChannelCredentials());

    // The coordinator's own wiring, call batching on or off.
    coordinator::CoordinatorGraph::Options coordinator;
    coordinator.batch_calls = GetParam();
    coordinator.max_sagas_per_product = 8;
    coordinator::PlaceOrderSaga::Options& options = coordinator.saga;
    options.saga_deadline = absl::Seconds(2);
    options.compensation_deadline = absl::Seconds(2);
    options.retry.call_timeout = absl::Milliseconds(300);
    options.retry.initial_backoff = absl::Milliseconds(5);
    options.retry.max_backoff = absl::Milliseconds(50);
    // Failed drives may be retried at once by the tests' sweeps; three
    // failures park an order.
    options.max_attempts = 3;
    options.attempt_backoff = absl::ZeroDuration();
    options.max_attempt_backoff = absl::ZeroDuration();
    coordinator_ = std::make_unique<coordinator::CoordinatorGraph>(channel_, channel_, RealClock(),
                                                                   std::move(coordinator));
    saga_ = &coordinator_->saga();
    // The operator's service, on a server of its own (the coordinator's).
    auto admin_server = StartGrpcServer(server_options, {&coordinator_->admin()});
    ASSERT_TRUE(admin_server.ok()) << admin_server.status();
    admin_server_ = *std::move(admin_server);
    admin_stub_ = ::saga::v1::SagaAdmin::NewStub(grpc::CreateChannel(
        absl::StrCat("127.0.0.1:", admin_server_->port()), grpc::InsecureChannelCredentials()));
    inventory_stub_ = ::inventory::v1::InventoryService::NewStub(channel_);
    ASSERT_TRUE(inventory_graph_->ledger().UpsertProduct({1, "one", 100, 10, {}}).ok());
    ASSERT_TRUE(inventory_graph_->ledger().UpsertProduct({2, "two", 100, 10, {}}).ok());
  }

  void TearDown() override {
    if (admin_server_ != nullptr) admin_server_->Shutdown();
    if (server_ != nullptr) server_->Shutdown();
  }

  // One sweep that re-drives every stale, due order at once.
  int Sweep() {
    coordinator::RecoverySweeper::Options options;
    options.recovery_age = absl::ZeroDuration();
    coordinator::RecoverySweeper sweeper(order_ports(), *saga_, RealClock(), options);
    absl::StatusOr<int> recovered = sweeper.SweepOnce();
    EXPECT_TRUE(recovered.ok()) << recovered.status();
    return recovered.ok() ? *recovered : -1;
  }

  orders::Order OrderNamed(const std::string& request_id) {
    absl::StatusOr<orders::Order> order = order_graph_->lifecycle().GetOrder("", request_id);
    EXPECT_TRUE(order.ok()) << order.status();
    return order.ok() ? *order : orders::Order();
  }

  // ListSagas(STUCK) through the admin service.
  ::saga::v1::ListSagasResponse StuckSagas() {
    grpc::ClientContext context;
    ::saga::v1::ListSagasRequest request;
    ::saga::v1::ListSagasResponse response;
    grpc::Status status = admin_stub_->ListSagas(&context, request, &response);
    EXPECT_TRUE(status.ok()) << status.error_message();
    return response;
  }

  ::saga::v1::OrderTimeline Explain(const std::string& order_id) {
    grpc::ClientContext context;
    ::saga::v1::ExplainOrderRequest request;
    request.set_order_id(order_id);
    ::saga::v1::OrderTimeline timeline;
    grpc::Status status = admin_stub_->ExplainOrder(&context, request, &timeline);
    EXPECT_TRUE(status.ok()) << status.error_message();
    return timeline;
  }

  // Drives order `request_id` until it is parked: the first drive and two
  // sweeps, each failing at `method` (a permanent fault).
  orders::Order DriveUntilStuck(const std::string& request_id) {
    EXPECT_EQ(Place(request_id).status, OrderStatus::kPending);
    EXPECT_EQ(Sweep(), 1);
    EXPECT_EQ(Sweep(), 1);
    return OrderNamed(request_id);
  }

  PlaceOrderOutcome Place(const std::string& request_id) {
    coordinator::PlaceOrderCommand command;
    command.request_id = request_id;
    command.items = {{1, 2}, {2, 1}};
    absl::StatusOr<PlaceOrderOutcome> outcome = saga_->PlaceOrder(command);
    EXPECT_TRUE(outcome.ok()) << outcome.status();
    return outcome.ok() ? *outcome : PlaceOrderOutcome{};
  }

  int64_t Stock(int64_t product_id) { return inventory_graph_->ledger().GetProduct(product_id)->stock; }

  // The audit over the same gRPC services; every product supplied 10.
  void ExpectCleanAudit() {
    absl::StatusOr<audit::Snapshot> snapshot = audit::ReadSnapshot(channel_, channel_);
    ASSERT_TRUE(snapshot.ok()) << snapshot.status();
    audit::AuditOptions options;
    options.expected_supplied = {{1, 10}, {2, 10}};
    audit::AuditReport report = audit::AuditStock(*snapshot, options);
    EXPECT_TRUE(report.clean()) << audit::FormatAuditReport(report);
    EXPECT_EQ(report.orders_pending, 0);
  }

  FaultPlan plan_;
  std::unique_ptr<MysqlTestDatabase> orders_db_, inventory_db_;
  std::unique_ptr<MysqlTransactionRunner> order_runner_, inventory_runner_;
  std::unique_ptr<orders::MysqlOrderRepository> order_repository_;
  std::unique_ptr<orders::OrderServiceGraph> order_graph_;
  std::unique_ptr<inventory::MysqlInventoryRepository> inventory_repository_;
  std::unique_ptr<inventory::InventoryServiceGraph> inventory_graph_;
  std::unique_ptr<FaultyOrderService> faulty_orders_;
  std::unique_ptr<FaultyInventoryService> faulty_inventory_;
  std::unique_ptr<RunningGrpcServer> server_;
  std::shared_ptr<grpc::Channel> channel_;
  std::unique_ptr<coordinator::CoordinatorGraph> coordinator_;
  coordinator::PlaceOrderSaga* saga_ = nullptr;
  coordinator::OrderPorts order_ports() const { return coordinator_->order_ports(); }
  std::unique_ptr<::inventory::v1::InventoryService::Stub> inventory_stub_;
  std::unique_ptr<RunningGrpcServer> admin_server_;
  std::unique_ptr<::saga::v1::SagaAdmin::Stub> admin_stub_;
};

// True if some timeline entry's `what` contains `text`.
bool HasEntry(const ::saga::v1::OrderTimeline& timeline, const std::string& text) {
  for (const ::saga::v1::TimelineEntry& entry : timeline.entries()) {
    if (absl::StrContains(entry.what(), text)) return true;
  }
  return false;
}

TEST_P(FaultInjectionTest, ReserveAnswerLostAfterCommitIsRetriedAndTakesStockOnce) {
  plan_.Set("Reserve", Fault::kLoseAnswer, 2);
  EXPECT_EQ(Place("r1").status, OrderStatus::kApproved);
  EXPECT_EQ(plan_.Completed("Reserve"), 3);
  EXPECT_EQ(Stock(1), 8);
  EXPECT_EQ(Stock(2), 9);
  ExpectCleanAudit();
}

TEST_P(FaultInjectionTest, ReserveFailingBeforeCommitIsRetried) {
  plan_.Set("Reserve", Fault::kFailBefore, 3);
  EXPECT_EQ(Place("r1").status, OrderStatus::kApproved);
  EXPECT_EQ(plan_.Completed("Reserve"), 1);
  EXPECT_EQ(Stock(1), 8);
  ExpectCleanAudit();
}

TEST_P(FaultInjectionTest, CreateAndApproveAnswersLostYieldOneApprovedOrder) {
  plan_.Set("CreateOrder", Fault::kLoseAnswer, 2);
  plan_.Set("ApproveOrder", Fault::kLoseAnswer, 2);
  PlaceOrderOutcome outcome = Place("r1");
  EXPECT_EQ(outcome.status, OrderStatus::kApproved);
  EXPECT_EQ(Stock(1), 8);
  EXPECT_EQ(order_graph_->lifecycle().GetOrder("", "r1")->order_id, outcome.order_id);
  ExpectCleanAudit();
}

TEST_P(FaultInjectionTest, InventoryDownIsCompensatedAndALateReserveIsRefused) {
  plan_.Set("Reserve", Fault::kFailBefore, -1);
  PlaceOrderOutcome outcome = Place("r1");
  EXPECT_EQ(outcome.status, OrderStatus::kRejected);
  EXPECT_EQ(outcome.reject_reason, RejectReason::kInventoryUnavailable);
  // The Release of the compensation left a tombstone: a Reserve that comes
  // now (a retry from a stale coordinator, say) takes nothing.
  plan_.Set("Reserve", Fault::kNone, 0);
  absl::StatusOr<inventory::ReservationResult> late =
      inventory_graph_->ledger().ReserveStock(outcome.order_id, {{1, 2}, {2, 1}});
  ASSERT_TRUE(late.ok());
  EXPECT_EQ(late->outcome, inventory::ReservationOutcome::kReleased);
  EXPECT_EQ(Stock(1), 10);
  ExpectCleanAudit();
}

TEST_P(FaultInjectionTest, ReserveDelayedPastTheDeadlineArrivesAfterTheTombstone) {
  // The Reserve reaches the inventory only after the saga gave up on it and
  // compensated: it must be refused, not take stock for a rejected order.
  plan_.Set("Reserve", Fault::kDelay, -1, absl::Milliseconds(2500));
  PlaceOrderOutcome outcome = Place("r1");
  EXPECT_EQ(outcome.status, OrderStatus::kRejected);
  // Every delayed attempt lands (the saga has answered: no more come).
  const absl::Time give_up = absl::Now() + absl::Seconds(20);
  while ((plan_.Completed("Reserve") == 0 ||
          plan_.Completed("Reserve") < plan_.Calls("Reserve")) &&
         absl::Now() < give_up) {
    absl::SleepFor(absl::Milliseconds(20));
  }
  EXPECT_GE(plan_.Completed("Reserve"), 1);
  EXPECT_EQ(plan_.Completed("Reserve"), plan_.Calls("Reserve"));
  EXPECT_EQ(Stock(1), 10);
  EXPECT_EQ(Stock(2), 10);
  ExpectCleanAudit();
}

TEST_P(FaultInjectionTest, ReleaseAnswerLostDuringCompensationGivesStockBackOnce) {
  // Reserve commits but its answer never comes back: the saga compensates.
  // The first Release answer is lost too, so Release runs twice.
  plan_.Set("Reserve", Fault::kLoseAnswer, -1);
  plan_.Set("Release", Fault::kLoseAnswer, 1);
  PlaceOrderOutcome outcome = Place("r1");
  EXPECT_EQ(outcome.status, OrderStatus::kRejected);
  EXPECT_GE(plan_.Completed("Release"), 2);
  EXPECT_EQ(Stock(1), 10);
  EXPECT_EQ(Stock(2), 10);
  ExpectCleanAudit();
}

TEST_P(FaultInjectionTest, OrderLeftPendingByALostApprovalIsFinishedByRecovery) {
  plan_.Set("ApproveOrder", Fault::kFailBefore, -1);
  PlaceOrderOutcome outcome = Place("r1");
  EXPECT_EQ(outcome.status, OrderStatus::kPending);
  plan_.Set("ApproveOrder", Fault::kNone, 0);
  coordinator::RecoverySweeper::Options options;
  options.recovery_age = absl::ZeroDuration();
  coordinator::RecoverySweeper sweeper(order_ports(), *saga_, RealClock(), options);
  absl::StatusOr<int> recovered = sweeper.SweepOnce();
  ASSERT_TRUE(recovered.ok()) << recovered.status();
  EXPECT_EQ(*recovered, 1);
  EXPECT_EQ(order_graph_->lifecycle().GetOrder("", "r1")->status, OrderStatus::kApproved);
  ExpectCleanAudit();
}

// A participant that fails permanently: the order is parked as STUCK after
// its budget (3 drives), each permanent error is tried once per drive (no
// retry storm), the sweep then leaves it alone, and it shows up in the
// admin listing with its history. RetrySaga resolves it once the fault is
// gone.
TEST_P(FaultInjectionTest, PermanentFailureEndsStuckAndRetrySagaResolvesIt) {
  plan_.Set("Reserve", Fault::kFailPermanently, -1);
  plan_.Set("Release", Fault::kFailPermanently, -1);
  const orders::Order stuck = DriveUntilStuck("r1");
  EXPECT_EQ(stuck.status, OrderStatus::kPending);
  EXPECT_TRUE(stuck.stuck);
  EXPECT_EQ(stuck.saga_attempts, 3);
  EXPECT_TRUE(absl::StrContains(stuck.saga_last_error, "permanent failure of Release"))
      << stuck.saga_last_error;
  EXPECT_EQ(plan_.Calls("Release"), 3);
  // Parked: the sweep does not touch it any more.
  EXPECT_EQ(Sweep(), 0);
  EXPECT_EQ(plan_.Calls("Release"), 3);

  ::saga::v1::ListSagasResponse listed = StuckSagas();
  ASSERT_EQ(listed.sagas_size(), 1);
  const ::saga::v1::Saga& saga = listed.sagas(0);
  EXPECT_EQ(saga.order().order_id(), stuck.order_id);
  EXPECT_EQ(saga.order().status(), ::order::v1::ORDER_STATUS_PENDING);
  EXPECT_EQ(saga.order().saga_state(), ::order::v1::SAGA_STATE_STUCK);
  EXPECT_TRUE(absl::StrContains(saga.order().detail(), "waits for an operator"))
      << saga.order().detail();
  ASSERT_EQ(saga.steps_size(), 4);  // three failed releases, then parked
  for (int i = 0; i < 3; ++i) {
    EXPECT_EQ(saga.steps(i).step(), "release");
    EXPECT_EQ(saga.steps(i).attempt(), i + 1);
  }
  EXPECT_EQ(saga.steps(3).step(), "stuck");

  plan_.Set("Reserve", Fault::kNone, 0);
  plan_.Set("Release", Fault::kNone, 0);
  grpc::ClientContext context;
  ::saga::v1::RetrySagaRequest retry;
  retry.set_order_id(stuck.order_id);
  ::saga::v1::PlaceOrderResponse outcome;
  grpc::Status status = admin_stub_->RetrySaga(&context, retry, &outcome);
  ASSERT_TRUE(status.ok()) << status.error_message();
  // The compensation it was in is finished: rejected, nothing held.
  EXPECT_EQ(outcome.status(), ::order::v1::ORDER_STATUS_REJECTED);
  EXPECT_EQ(outcome.reject_reason(), ::order::v1::REJECT_REASON_INVENTORY_UNAVAILABLE);
  EXPECT_EQ(StuckSagas().sagas_size(), 0);
  EXPECT_EQ(Stock(1), 10);

  const ::saga::v1::OrderTimeline timeline = Explain(stuck.order_id);
  EXPECT_TRUE(HasEntry(timeline, "order recorded")) << timeline.DebugString();
  EXPECT_TRUE(HasEntry(timeline, "compensation started")) << timeline.DebugString();
  EXPECT_TRUE(HasEntry(timeline, "release failed (attempt 3)")) << timeline.DebugString();
  EXPECT_TRUE(HasEntry(timeline, "parked as stuck")) << timeline.DebugString();
  EXPECT_TRUE(HasEntry(timeline, "operator action")) << timeline.DebugString();
  EXPECT_TRUE(HasEntry(timeline, "tombstone recorded")) << timeline.DebugString();
  EXPECT_TRUE(HasEntry(timeline, "REJECTED")) << timeline.DebugString();
  ExpectCleanAudit();
}

// A participant's error longer than a history entry holds, in Korean: the
// saga cuts it at a character boundary, so the order service (which refuses
// invalid UTF-8 over gRPC) still records the attempt.
TEST_P(FaultInjectionTest, LongMultibyteErrorIsRecordedCutAtACharacterBoundary) {
  std::string message = "x";
  for (int i = 0; i < 600; ++i) message += "재";
  plan_.SetMessage("Release", message);
  plan_.Set("Reserve", Fault::kFailPermanently, -1);
  plan_.Set("Release", Fault::kFailPermanently, -1);
  EXPECT_EQ(Place("r1").status, OrderStatus::kPending);
  const orders::Order order = OrderNamed("r1");
  EXPECT_EQ(order.saga_attempts, 1);
  EXPECT_LE(order.saga_last_error.size(), kMaxDetailBytes);
  EXPECT_TRUE(absl::StartsWith(order.saga_last_error, "INTERNAL: x재재")) << order.saga_last_error;
  EXPECT_EQ(order.saga_last_error.size() % 3, 11 % 3);  // whole characters only
}

// Stock reserved, then the approval fails permanently: stuck while holding
// stock. ForceRejectOrder runs the compensation: stock back, order
// REJECTED_BY_OPERATOR with the operator's note.
TEST_P(FaultInjectionTest, PermanentFailureEndsStuckAndForceRejectResolvesIt) {
  plan_.Set("ApproveOrder", Fault::kFailPermanently, -1);
  const orders::Order stuck = DriveUntilStuck("r1");
  ASSERT_TRUE(stuck.stuck);
  EXPECT_EQ(Stock(1), 8);  // held for the stuck order
  EXPECT_EQ(plan_.Calls("ApproveOrder"), 3);

  grpc::ClientContext context;
  ::saga::v1::ForceRejectOrderRequest reject;
  reject.set_order_id(stuck.order_id);
  reject.set_note("customer called; approval service broken");
  ::saga::v1::PlaceOrderResponse outcome;
  grpc::Status status = admin_stub_->ForceRejectOrder(&context, reject, &outcome);
  ASSERT_TRUE(status.ok()) << status.error_message();
  EXPECT_EQ(outcome.status(), ::order::v1::ORDER_STATUS_REJECTED);
  EXPECT_EQ(outcome.reject_reason(), ::order::v1::REJECT_REASON_REJECTED_BY_OPERATOR);
  EXPECT_TRUE(absl::StrContains(outcome.detail(), "customer called")) << outcome.detail();
  EXPECT_EQ(Stock(1), 10);
  EXPECT_EQ(Stock(2), 10);

  // A final order cannot be retried or force-rejected again.
  grpc::ClientContext again_context;
  grpc::Status again = admin_stub_->ForceRejectOrder(&again_context, reject, &outcome);
  EXPECT_EQ(again.error_code(), grpc::StatusCode::FAILED_PRECONDITION) << again.error_message();
  const ::saga::v1::OrderTimeline timeline = Explain(stuck.order_id);
  EXPECT_TRUE(HasEntry(timeline, "stock reserved")) << timeline.DebugString();
  EXPECT_TRUE(HasEntry(timeline, "stock released")) << timeline.DebugString();
  EXPECT_TRUE(HasEntry(timeline, "REJECTED REJECT_REASON_REJECTED_BY_OPERATOR"))
      << timeline.DebugString();
  ExpectCleanAudit();
}

// An inventory outage (UNAVAILABLE): each drive retries with backoff within
// its deadline, and between drives the sweep waits out a doubling backoff
// instead of re-driving the order on every pass. Once the inventory is back
// the order is finished, and the attempts are counted in its history.
TEST_P(FaultInjectionTest, TransientOutageIsRetriedWithBackoffWithoutAStorm) {
  coordinator::PlaceOrderSaga::Options options;
  options.saga_deadline = absl::Milliseconds(300);
  options.compensation_deadline = absl::Milliseconds(300);
  options.retry.call_timeout = absl::Milliseconds(100);
  options.retry.initial_backoff = absl::Milliseconds(10);
  options.retry.max_backoff = absl::Milliseconds(50);
  options.max_attempts = 100;
  options.attempt_backoff = absl::Milliseconds(400);
  options.max_attempt_backoff = absl::Seconds(10);
  coordinator::SoldOutCache sold_out(absl::Seconds(2), absl::Milliseconds(100));
  coordinator::ProductAdmission admission(8);
  coordinator::PlaceOrderSaga saga(order_ports(), coordinator_->inventory(), sold_out,
                                   admission, RealClock(), options);
  coordinator::RecoverySweeper::Options sweep;
  sweep.recovery_age = absl::ZeroDuration();
  coordinator::RecoverySweeper sweeper(order_ports(), saga, RealClock(), sweep);

  plan_.Set("Reserve", Fault::kFailBefore, -1);
  plan_.Set("Release", Fault::kFailBefore, -1);
  coordinator::PlaceOrderCommand command;
  command.request_id = "r1";
  command.items = {{1, 2}, {2, 1}};
  absl::StatusOr<PlaceOrderOutcome> placed = saga.PlaceOrder(command);
  ASSERT_TRUE(placed.ok()) << placed.status();
  EXPECT_EQ(placed->status, OrderStatus::kPending);
  // Sweep every 20 ms for 2.5 s of outage. Without the backoff that would
  // re-drive the order on about every pass (8 drives or more, each 300 ms);
  // with it, the waits of 0.4, 0.8 and 1.6 s allow at most 4 drives.
  const absl::Time outage_end = absl::Now() + absl::Milliseconds(2500);
  while (absl::Now() < outage_end) {
    ASSERT_TRUE(sweeper.SweepOnce().ok());
    absl::SleepFor(absl::Milliseconds(20));
  }
  const orders::Order during = OrderNamed("r1");
  EXPECT_EQ(during.status, OrderStatus::kPending);
  EXPECT_FALSE(during.stuck);
  EXPECT_GE(during.saga_attempts, 2);
  EXPECT_LE(during.saga_attempts, 4);
  // Within a drive, calls back off too: at most ~10 per 300 ms drive.
  EXPECT_LE(plan_.Calls("Release"), 12 * during.saga_attempts);

  plan_.Set("Reserve", Fault::kNone, 0);
  plan_.Set("Release", Fault::kNone, 0);
  const absl::Time give_up = absl::Now() + absl::Seconds(30);
  while (OrderNamed("r1").status == OrderStatus::kPending && absl::Now() < give_up) {
    ASSERT_TRUE(sweeper.SweepOnce().ok());
    absl::SleepFor(absl::Milliseconds(50));
  }
  const orders::Order after = OrderNamed("r1");
  EXPECT_EQ(after.status, OrderStatus::kRejected);
  EXPECT_EQ(after.reject_reason, RejectReason::kInventoryUnavailable);
  absl::StatusOr<std::vector<orders::SagaStep>> steps = order_repository_->SagaSteps(after.order_id);
  ASSERT_TRUE(steps.ok());
  EXPECT_EQ(static_cast<int>(steps->size()), after.saga_attempts);
  EXPECT_EQ(Stock(1), 10);
  ExpectCleanAudit();
}

// Retention with an injected clock: eight days later, with seven days of
// retention, it deletes the outbox, the history of finished orders and the
// reservation records that hold nothing, and keeps held reservations and
// the history of a PENDING order. A Reserve for a deleted order that comes
// after its deadline is still refused and takes nothing.
TEST_P(FaultInjectionTest, RetentionDeletesOnlyWhatItMayAndALateReserveIsStillRefused) {
  const std::string approved = Place("approved").order_id;  // RESERVED, held
  coordinator::PlaceOrderCommand too_big;
  too_big.request_id = "out-of-stock";
  too_big.items = {{1, 50}};
  absl::StatusOr<PlaceOrderOutcome> refused = saga_->PlaceOrder(too_big);
  ASSERT_TRUE(refused.ok());
  EXPECT_EQ(refused->reject_reason, RejectReason::kOutOfStock);
  plan_.Set("Reserve", Fault::kFailPermanently, 1);
  const PlaceOrderOutcome tombstoned = Place("tombstone");  // Release before any Reserve
  EXPECT_EQ(tombstoned.status, OrderStatus::kRejected);
  plan_.Set("ApproveOrder", Fault::kFailPermanently, 1);
  const PlaceOrderOutcome pending = Place("pending");  // one failed attempt, PENDING
  EXPECT_EQ(pending.status, OrderStatus::kPending);
  ASSERT_EQ(order_repository_->SagaSteps(pending.order_id)->size(), 1u);

  FakeClock later(absl::Now() + absl::Hours(24 * 8));
  RetentionOptions options;
  options.retention = absl::Hours(24 * 7);
  options.batch_size = 2;  // several small batches
  RetentionSweeper retention(options, later);
  orders::MysqlOrderRepository& orders = *order_repository_;
  inventory::MysqlInventoryRepository& reservations = *inventory_repository_;
  retention.Add("order_events", [&orders](absl::Time cutoff, int limit) {
    return orders.DeleteEventsBefore(cutoff, limit);
  });
  retention.Add("saga_steps", [&orders](absl::Time cutoff, int limit) {
    return orders.DeleteFinishedSagaStepsBefore(cutoff, limit);
  });
  retention.Add("reservations", [&reservations](absl::Time cutoff, int limit) {
    return reservations.DeleteFinishedReservationsBefore(cutoff, limit);
  });
  // Nothing is old yet with the real clock.
  RetentionSweeper today(options, RealClock());
  today.Add("reservations", [&reservations](absl::Time cutoff, int limit) {
    return reservations.DeleteFinishedReservationsBefore(cutoff, limit);
  });
  EXPECT_EQ(today.SweepOnce()->at("reservations"), 0);

  absl::StatusOr<std::map<std::string, int64_t>> deleted = retention.SweepOnce();
  ASSERT_TRUE(deleted.ok()) << deleted.status();
  EXPECT_GE(deleted->at("order_events"), 8);  // every event of the 4 orders
  EXPECT_EQ(deleted->at("saga_steps"), 0);    // the only steps are the PENDING order's
  EXPECT_EQ(deleted->at("reservations"), 2);  // the refusal and the tombstone
  EXPECT_TRUE(orders.Events({})->empty());
  EXPECT_EQ(orders.SagaSteps(pending.order_id)->size(), 1u);
  EXPECT_TRUE(reservations.GetReservation(approved).ok());
  EXPECT_TRUE(reservations.GetReservation(pending.order_id).ok());
  EXPECT_TRUE(absl::IsNotFound(reservations.GetReservation(tombstoned.order_id).status()));
  EXPECT_TRUE(absl::IsNotFound(reservations.GetReservation(refused->order_id).status()));

  // The tombstone is gone. A Reserve for that order, sent with the deadline
  // of an attempt long past, is refused and records nothing...
  ::inventory::v1::ReserveRequest late;
  late.set_order_id(tombstoned.order_id);
  for (const auto& [product, quantity] : {std::pair<int64_t, int>{1, 2}, {2, 1}}) {
    ::common::v1::LineItem* item = late.add_items();
    item->set_product_id(product);
    item->set_quantity(quantity);
  }
  *late.mutable_not_after() = google::protobuf::util::TimeUtil::MicrosecondsToTimestamp(
      absl::ToUnixMicros(absl::Now() - absl::Minutes(5)));
  grpc::ClientContext context;
  ::inventory::v1::ReserveResponse response;
  grpc::Status status = inventory_stub_->Reserve(&context, late, &response);
  EXPECT_EQ(status.error_code(), grpc::StatusCode::FAILED_PRECONDITION) << status.error_message();
  EXPECT_TRUE(absl::IsNotFound(reservations.GetReservation(tombstoned.order_id).status()));
  // ...and so is one judged by the injected clock, eight days on.
  inventory::StockLedger ledger_later(reservations, later);
  absl::StatusOr<inventory::ReservationResult> from_the_past = ledger_later.ReserveStock(
      tombstoned.order_id, {{1, 2}, {2, 1}}, absl::Now() + absl::Seconds(1));
  EXPECT_TRUE(absl::IsFailedPrecondition(from_the_past.status())) << from_the_past.status();
  // A late repeat for an order with a record still gets that record.
  absl::StatusOr<inventory::ReservationResult> repeat =
      ledger_later.ReserveStock(approved, {{1, 2}, {2, 1}}, absl::Now());
  ASSERT_TRUE(repeat.ok()) << repeat.status();
  EXPECT_EQ(repeat->outcome, inventory::ReservationOutcome::kReserved);
  EXPECT_EQ(Stock(1), 6);  // the approved and the pending order hold 2 each
}

INSTANTIATE_TEST_SUITE_P(Calls, FaultInjectionTest, ::testing::Bool(),
                         [](const ::testing::TestParamInfo<bool>& info) {
                           return info.param ? "Batched" : "Single";
                         });

// MySQL-level faults on the inventory repository, provoked from a second
// (root) session on the same server.
class MysqlFaultTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto db = MysqlTestDatabase::Create("mysql_fault", InventorySchemaMigrations());
    ASSERT_TRUE(db.ok()) << db.status();
    db_ = *std::move(db);
    MysqlConnectionPool::Options options = db_->pool().options();
    options.lock_wait_timeout = absl::Seconds(1);
    pool_ = std::make_unique<MysqlConnectionPool>(options);
    runner_ = std::make_unique<MysqlTransactionRunner>(*pool_, RealClock());
    repository_ = std::make_unique<inventory::MysqlInventoryRepository>(*runner_);
    ASSERT_TRUE(repository_->UpsertProduct({1, "one", 100, 10, {}}).ok());
    ASSERT_TRUE(repository_->UpsertProduct({2, "two", 100, 10, {}}).ok());
    auto lease = db_->pool().Acquire();
    ASSERT_TRUE(lease.ok());
    other_ = std::make_unique<MysqlConnectionPool::Lease>(*std::move(lease));
  }

  // Runs SQL on the second session.
  void Other(const std::string& sql) { other_->session().Execute(sql); }
  int64_t OtherInt(const std::string& sql) {
    std::unique_ptr<sql::Statement> statement(
        other_->session().connection().createStatement());
    std::unique_ptr<sql::ResultSet> row(statement->executeQuery(sql));
    return row->next() ? row->getInt64(1) : -1;
  }
  // The connection id of a session of our pool waiting on a row lock.
  int64_t WaitingConnection() {
    for (int i = 0; i < 200; ++i) {
      const int64_t id = OtherInt(absl::StrCat(
          "SELECT ID FROM information_schema.PROCESSLIST WHERE DB = '", db_->schema(),
          "' AND INFO LIKE 'SELECT stock FROM products%' LIMIT 1"));
      if (id > 0) return id;
      absl::SleepFor(absl::Milliseconds(10));
    }
    std::unique_ptr<sql::Statement> statement(
        other_->session().connection().createStatement());
    std::unique_ptr<sql::ResultSet> rows(statement->executeQuery(
        "SELECT ID, DB, COMMAND, STATE, INFO FROM information_schema.PROCESSLIST"));
    while (rows->next()) {
      std::cerr << "processlist: " << rows->getInt64(1) << " | " << rows->getString(2)
                << " | " << rows->getString(3) << " | " << rows->getString(4) << " | "
                << rows->getString(5) << "\n";
    }
    return -1;
  }
  int64_t Stock(int64_t id) { return repository_->GetProduct(id)->stock; }

  std::unique_ptr<MysqlTestDatabase> db_;
  std::unique_ptr<MysqlConnectionPool> pool_;
  std::unique_ptr<MysqlTransactionRunner> runner_;
  std::unique_ptr<inventory::MysqlInventoryRepository> repository_;
  std::unique_ptr<MysqlConnectionPool::Lease> other_;
};

const std::vector<LineItem> kBundle = {{1, 2}, {2, 1}};

TEST_F(MysqlFaultTest, ConnectionKilledMidTransactionIsRetriedOnANewOne) {
  Other("START TRANSACTION");
  OtherInt("SELECT stock FROM products WHERE product_id = 1 FOR UPDATE");
  absl::StatusOr<inventory::ReservationResult> result;
  std::thread reserve([&] { result = repository_->Reserve("o-1", kBundle); });
  const int64_t victim = WaitingConnection();
  ASSERT_GT(victim, 0) << "the Reserve never waited on the lock";
  Other(absl::StrCat("KILL CONNECTION ", victim));
  Other("COMMIT");
  reserve.join();
  ASSERT_TRUE(result.ok()) << result.status();
  EXPECT_EQ(result->outcome, inventory::ReservationOutcome::kReserved);
  EXPECT_EQ(Stock(1), 8);
  EXPECT_EQ(Stock(2), 9);
  EXPECT_EQ(repository_->GetProduct(1)->supplied, 10);
}

TEST_F(MysqlFaultTest, LockWaitTimeoutIsRetriedNotReportedAsARejection) {
  Other("START TRANSACTION");
  OtherInt("SELECT stock FROM products WHERE product_id = 2 FOR UPDATE");
  absl::StatusOr<inventory::ReservationResult> result;
  std::thread reserve([&] { result = repository_->Reserve("o-1", kBundle); });
  // Hold the lock past one lock wait timeout (1 s), then let go.
  absl::SleepFor(absl::Milliseconds(1600));
  Other("COMMIT");
  reserve.join();
  ASSERT_TRUE(result.ok()) << result.status();
  EXPECT_EQ(result->outcome, inventory::ReservationOutcome::kReserved);
  EXPECT_EQ(Stock(2), 9);
}

TEST_F(MysqlFaultTest, DeadlockVictimIsRetried) {
  const int64_t deadlocks_before = OtherInt(
      "SELECT VARIABLE_VALUE FROM information_schema.GLOBAL_STATUS "
      "WHERE VARIABLE_NAME = 'INNODB_DEADLOCKS'");
  // The other session does a lot of work first (so InnoDB picks the
  // Reserve as the cheaper victim), then holds product 2.
  Other("START TRANSACTION");
  for (int i = 0; i < 20; ++i) {
    Other(absl::StrCat("INSERT INTO reservations (order_id, state) VALUES ('filler-", i,
                       "', 'TOMBSTONE')"));
  }
  OtherInt("SELECT stock FROM products WHERE product_id = 2 FOR UPDATE");
  absl::StatusOr<inventory::ReservationResult> result;
  std::thread reserve([&] { result = repository_->Reserve("o-1", kBundle); });
  // The Reserve holds product 1 and waits for 2; now we want 1: a cycle.
  ASSERT_GT(WaitingConnection(), 0);
  absl::SleepFor(absl::Milliseconds(50));
  OtherInt("SELECT stock FROM products WHERE product_id = 1 FOR UPDATE");
  Other("ROLLBACK");
  reserve.join();
  const int64_t deadlocks_after = OtherInt(
      "SELECT VARIABLE_VALUE FROM information_schema.GLOBAL_STATUS "
      "WHERE VARIABLE_NAME = 'INNODB_DEADLOCKS'");
  EXPECT_GE(deadlocks_after - deadlocks_before, 1);
  ASSERT_TRUE(result.ok()) << result.status();
  EXPECT_EQ(result->outcome, inventory::ReservationOutcome::kReserved);
  EXPECT_EQ(Stock(1), 8);
  EXPECT_EQ(Stock(2), 9);
}

TEST_F(MysqlFaultTest, ConcurrentReleasesGiveStockBackOnce) {
  ASSERT_EQ(repository_->Reserve("o-1", kBundle)->outcome,
            inventory::ReservationOutcome::kReserved);
  std::atomic<int> returned{0};
  std::vector<std::thread> releases;
  for (int i = 0; i < 20; ++i) {
    releases.emplace_back([&] {
      absl::StatusOr<inventory::ReleaseResult> result = repository_->Release("o-1");
      if (result.ok() && result->stock_returned) ++returned;
    });
  }
  for (std::thread& release : releases) release.join();
  EXPECT_EQ(returned.load(), 1);
  EXPECT_EQ(Stock(1), 10);
  EXPECT_EQ(Stock(2), 10);
}

}  // namespace
}  // namespace order_saga::testing
