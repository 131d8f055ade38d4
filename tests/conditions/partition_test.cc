// Issue 13, defect 7: a replica that vanishes without a word (every packet
// to and from it dropped: no FIN, no RST) or that freezes (SIGSTOP: its
// kernel still takes the connections) must cost seconds, not the service.
// One coordinator over two replicas of each service; 32 callers place
// single-item orders; replica 2 of one hop is cut off for 10 s and comes
// back. Within 5 s of the fault and of the repair the service is serving
// again (a one-second window, and the average from there to the repair or
// the end, at least a quarter of its approval rate before the fault), and
// no order is rejected: the coordinator's keepalive
// notices the dead connection, client-side health checking keeps a
// reconnected but silent replica out of the rotation, and every call that
// failed there is retried on the other replica within its saga's budget.
#include <csignal>
#include <iostream>

#include <cppconn/resultset.h>
#include <grpcpp/grpcpp.h>
#include <gtest/gtest.h>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "tests/conditions/closed_loop_load.h"
#include "tests/e2e/blackhole_proxy.h"
#include "tests/e2e/stack_test.h"

namespace order_saga::testing {
namespace {

using Role = LocalStack::Role;

constexpr int kPlainProducts = 40;  // 101..140, ample stock

// What is asserted is that the service comes back, not how fast this
// machine is: the defects this test guards against left 0.1% of the rate
// (1.6 approved/s) and 0/s until SIGCONT, so "serving" is a quarter of the
// baseline, in every build. How soon the rate is back above 80% is a
// measurement and printed, not asserted: on 2 cores it follows whatever
// else the machine does. CI once saw a steady 54% with one replica gone
// and 40% after a repair (the same code: 96% and 137% on a quiet box), and
// two busy loops beside the test reproduce such drops; under ASan every
// process costs 2-5x the CPU, unevenly (63% after a repair).
constexpr double kServingFraction = 0.25;
constexpr absl::Duration kServingWithin = absl::Seconds(5);
constexpr int64_t kHot = 31;

saga::v1::PlaceOrderRequest SingleItem(int64_t i, int64_t product) {
  saga::v1::PlaceOrderRequest request;
  request.set_request_id(absl::StrCat("partition-", product, "-", i));
  request.set_customer_id("crowd");
  common::v1::LineItem* item = request.add_items();
  item->set_product_id(product);
  item->set_quantity(1);
  return request;
}

struct Proxies {
  std::vector<std::unique_ptr<BlackholeProxy>> proxies;
  // An ipv4: target over a proxy in front of each replica.
  std::string Target(const std::vector<std::string>& replicas) {
    proxies.clear();
    std::vector<std::string> addresses;
    for (const std::string& replica : replicas) {
      absl::StatusOr<std::unique_ptr<BlackholeProxy>> proxy =
          BlackholeProxy::Start(std::stoi(replica.substr(replica.rfind(':') + 1)));
      EXPECT_TRUE(proxy.ok()) << proxy.status();
      addresses.push_back((*proxy)->address());
      proxies.push_back(*std::move(proxy));
    }
    return absl::StrCat("ipv4:", absl::StrJoin(addresses, ","));
  }
};

class PartitionTest : public ::testing::Test {
 protected:
  void StartStack(LocalStack::Options options) {
    options.inventory_replicas = 2;
    options.order_replicas = 2;
    absl::StatusOr<std::unique_ptr<LocalStack>> stack = LocalStack::Start(std::move(options));
    ASSERT_TRUE(stack.ok()) << stack.status();
    stack_ = *std::move(stack);
    auto inventory = inventory::v1::InventoryService::NewStub(
        grpc::CreateChannel(stack_->inventory_address(0), grpc::InsecureChannelCredentials()));
    std::vector<int64_t> ids = {kHot};
    for (int i = 1; i <= kPlainProducts; ++i) ids.push_back(100 + i);
    for (int64_t id : ids) {
      inventory::v1::Product product, stored;
      product.set_product_id(id);
      product.set_name(absl::StrCat("상품 ", id));
      product.set_stock(1000000000);
      grpc::ClientContext context;
      context.set_deadline(In(absl::Seconds(30)));
      ASSERT_TRUE(inventory->UpsertProduct(&context, product, &stored).ok());
    }
  }

  // Runs the load for 5 s, applies `fault` (which returns when the fault
  // began), runs 10 s, applies `repair`, runs 8 s more, and checks
  // that the service served again soon after each, and every outcome.
  void RunThroughFault(const std::string& name, bool hot,
                       const std::function<absl::Time()>& fault,
                       const std::function<void()>& repair) {
    ClosedLoopLoad load({stack_->saga_address()}, 32, [hot](int64_t i) {
      return SingleItem(i, hot ? kHot : 101 + i % kPlainProducts);
    });
    load.Start();
    absl::SleepFor(absl::Seconds(5));
    const absl::Time before_fault = absl::Now();
    const absl::Time fault_at = fault();
    absl::SleepFor(absl::Seconds(10));
    const absl::Time repair_at = absl::Now();
    repair();
    absl::SleepFor(absl::Seconds(8));
    const absl::Time end = absl::Now();
    load.Stop();
    if (reconnected_) reconnected_();
    const std::vector<OpenLoopAnswer> answers = load.answers();

    const double baseline =
        ApprovedPerSecond(answers, load.started() + absl::Seconds(1), before_fault);
    const double during = ApprovedPerSecond(answers, fault_at + absl::Seconds(5), repair_at);
    const double after = ApprovedPerSecond(answers, repair_at + absl::Seconds(5), end);
    const absl::Duration recovered = RecoveryTime(answers, fault_at, repair_at, baseline, 0.8);
    const absl::Duration back = RecoveryTime(answers, repair_at, end, baseline, 0.8);
    const absl::Duration serving =
        RecoveryTime(answers, fault_at, repair_at, baseline, kServingFraction);
    const absl::Duration serving_after_repair =
        RecoveryTime(answers, repair_at, end, baseline, kServingFraction);
    const OpenLoopSummary summary = Summarize(answers);
    std::cout << "[partition] " << name << ": " << baseline << " approved/s before, " << during
              << " with the replica gone, " << after << " after it is back; back above 80% "
              << recovered << " after the fault and " << back
              << " after the repair (serving: above 25% " << serving << " and "
              << serving_after_repair << "); " << summary.ToString() << "\n[partition] approved per second (fault at "
              << absl::ToDoubleSeconds(fault_at - load.started()) << " s, repair at "
              << absl::ToDoubleSeconds(repair_at - load.started()) << " s):";
    for (absl::Time second = load.started(); second + absl::Seconds(1) <= end;
         second += absl::Seconds(1)) {
      std::cout << " " << ApprovedPerSecond(answers, second, second + absl::Seconds(1));
    }
    std::cout << "\n";
    // A quarter of a baseline this low would let the 1.6/s defect pass.
    EXPECT_GT(baseline, 50.0) << "too slow a baseline to tell serving from stalled";
    EXPECT_LE(serving, kServingWithin) << name << ": not serving again after the fault";
    EXPECT_LE(serving_after_repair, kServingWithin) << name << ": not serving after the repair";
    EXPECT_TRUE(summary.rejected.empty()) << summary.ToString();
    EXPECT_TRUE(summary.refused.empty()) << summary.ToString();
    ExpectEveryOrderApproved();
  }

  // Once the sweep has finished whatever was answered PENDING: no order is
  // rejected, none pending, and the audit is clean.
  void ExpectEveryOrderApproved() {
    const order::v1::CountOrdersResponse counted =
        CountOrdersOnceNothingPending(*stack_, absl::Seconds(60));
    EXPECT_EQ(counted.pending(), 0);
    EXPECT_EQ(counted.rejected(), 0) << "wrong rejections";
    absl::StatusOr<audit::AuditReport> report = AuditStack(*stack_, absl::Seconds(60));
    ASSERT_TRUE(report.ok()) << report.status();
    EXPECT_TRUE(report->clean()) << audit::FormatAuditReport(*report);
  }

  // Turns `proxy` into a black hole (after checking that replica 2 carried
  // its share, so the test cannot pass on a target that never used it).
  static absl::Time CutOff(BlackholeProxy& proxy) {
    EXPECT_GT(proxy.bytes(), 100000) << "replica 2 carried no traffic";
    proxy.SetBlackhole(true);
    return absl::Now();
  }
  // Ends the black hole; replica 2 must carry traffic again.
  void Reconnect(BlackholeProxy& proxy) {
    const int64_t before = proxy.bytes();
    proxy.SetBlackhole(false);
    reconnected_ = [&proxy, before] {
      EXPECT_GT(proxy.bytes(), before + 100000) << "replica 2 was not used again";
    };
  }

  // Open transactions of this stack's inventory schema whose session has
  // sent nothing for more than 250 ms (the frozen replica's); another
  // test's sessions on the same server do not count.
  int64_t IdleTransactions() {
    absl::StatusOr<MysqlConnectionPool::Lease> lease =
        stack_->inventory_database().pool().Acquire();
    if (!lease.ok()) return -1;
    std::unique_ptr<sql::ResultSet> row(
        lease->session()
            .Prepare("SELECT COUNT(*) FROM information_schema.innodb_trx t "
                     "JOIN information_schema.processlist p ON p.id = t.trx_mysql_thread_id "
                     "WHERE p.command = 'Sleep' AND p.time_ms > 250 AND p.db = DATABASE()")
            .executeQuery());
    return row->next() ? row->getInt64(1) : 0;
  }

  std::unique_ptr<LocalStack> stack_;
  // Checked at the end of the run.
  std::function<void()> reconnected_;
};

TEST_F(PartitionTest, AnInventoryReplicaCutOffWithoutAWordCostsSeconds) {
  Proxies proxies;
  LocalStack::Options options;
  options.inventory_target = [&](const std::vector<std::string>& replicas) {
    return proxies.Target(replicas);
  };
  StartStack(std::move(options));
  RunThroughFault(
      "inventory replica 2 black-holed", /*hot=*/false,
      [&] { return CutOff(*proxies.proxies[1]); },
      [&] { Reconnect(*proxies.proxies[1]); });
}

TEST_F(PartitionTest, AnOrderServiceReplicaCutOffWithoutAWordCostsSeconds) {
  Proxies proxies;
  LocalStack::Options options;
  options.order_target = [&](const std::vector<std::string>& replicas) {
    return proxies.Target(replicas);
  };
  StartStack(std::move(options));
  RunThroughFault(
      "order service replica 2 black-holed", /*hot=*/false,
      [&] { return CutOff(*proxies.proxies[1]); },
      [&] { Reconnect(*proxies.proxies[1]); });
}

// Frozen with SIGSTOP in the middle of a batch on the hot product: its
// transaction holds the product's row lock. The database ends that session
// after --mysql_idle_transaction_timeout_ms (2 s), so the other replica
// reserves again long before the frozen one wakes up; the frozen replica's
// own transaction is rolled back and its rerun is idempotent.
TEST_F(PartitionTest, AnInventoryReplicaFrozenInsideATransactionCostsSeconds) {
  StartStack(LocalStack::Options());
  bool frozen_in_transaction = false;
  RunThroughFault(
      "inventory replica 2 frozen (SIGSTOP) mid-batch on the hot product", /*hot=*/true,
      [&] {
        // Freeze until the freeze lands inside a transaction: an open
        // transaction whose session has sent nothing for 300 ms.
        absl::Time frozen_at = absl::Now();
        for (int attempt = 0; attempt < 50 && !frozen_in_transaction; ++attempt) {
          frozen_at = absl::Now();
          EXPECT_TRUE(stack_->Signal(Role::kInventory, 1, SIGSTOP).ok());
          absl::SleepFor(absl::Milliseconds(300));
          frozen_in_transaction = IdleTransactions() > 0;
          if (!frozen_in_transaction) {
            EXPECT_TRUE(stack_->Signal(Role::kInventory, 1, SIGCONT).ok());
            absl::SleepFor(absl::Milliseconds(100));
          }
        }
        return frozen_at;
      },
      [&] {
        // Still frozen: the database has ended its session (idle
        // transaction timeout, 2 s), so its locks are gone.
        EXPECT_EQ(IdleTransactions(), 0) << "the frozen replica's transaction is still open";
        ASSERT_TRUE(stack_->Signal(Role::kInventory, 1, SIGCONT).ok());
      });
  EXPECT_TRUE(frozen_in_transaction) << "no freeze landed inside a transaction";
}

}  // namespace
}  // namespace order_saga::testing
