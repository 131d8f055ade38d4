// The benchmark tool against the real servers, briefly: every phase runs,
// reports one JSON line, passes its audit, and the sellout is exact; the
// order phases carry their ratio to the gRPC ceiling and their CPU per
// process; failed calls are errors by status code, never orders. (No timing
// is asserted; figures live in docs/BENCHMARKS.md.)
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "tests/e2e/command_output.h"
#include "tests/e2e/local_stack.h"
#include "tests/e2e/unused_port.h"

namespace order_saga::testing {
namespace {

// Output and exit status of ordersaga_bench against `stack`'s servers, the
// coordinator at `saga_address`, with `arguments` added.
CommandRun RunBench(LocalStack& stack, const std::string& saga_address,
                    const std::string& arguments) {
  return RunCommand(absl::StrCat(
      ORDERSAGA_BENCH_BINARY, " --saga_address=", saga_address,
      " --order_address=", stack.order_address(),
      " --inventory_address=", stack.inventory_address(),
      " --mysql_dsn='mysql://root@localhost/mysql?socket=", MysqlTestDatabase::Socket(), "'",
      " --server_names=coordinator,order,inventory --server_pids=",
      stack.pid(LocalStack::Role::kCoordinator), ",", stack.pid(LocalStack::Role::kOrders), ",",
      stack.pid(LocalStack::Role::kInventory), " ", arguments, " --json 2>&1"));
}

TEST(BenchSmokeTest, EveryPhaseRunsAndPassesItsAudit) {
  absl::StatusOr<std::unique_ptr<LocalStack>> stack = LocalStack::Start();
  ASSERT_TRUE(stack.ok()) << stack.status();
  const CommandRun run = RunBench(
      **stack, (*stack)->saga_address(),
      "--phases=calibrate,calibrate-grpc,uniform,hot,bundle,sellout --duration_s=1 "
      "--concurrency=4 --uniform_products=50 --sellout_stock=40");
  const std::string& output = run.output;
  EXPECT_EQ(run.status, 0);
  for (const char* phase :
       {"calibrate", "calibrate-grpc", "uniform", "hot", "bundle", "sellout"}) {
    EXPECT_TRUE(absl::StrContains(output, absl::StrCat("{\"phase\":\"", phase, "\"")))
        << "no JSON line for " << phase;
  }
  EXPECT_FALSE(absl::StrContains(output, "\"audit_clean\":false"));
  // Every order phase is compared with the gRPC ceiling measured first, and
  // its CPU is given per process, the load generator included.
  for (absl::string_view line : absl::StrSplit(output, '\n')) {
    if (!absl::StartsWith(line, "{\"phase\":\"uniform\"")) continue;
    EXPECT_TRUE(absl::StrContains(line, "\"ratio_to_grpc\":0.")) << line;
    // Statements per order: at least its share of one transaction's
    // START and COMMIT, so never null or zero here.
    EXPECT_TRUE(absl::StrContains(line, "\"statements_per_order\":")) << line;
    EXPECT_FALSE(absl::StrContains(line, "\"statements_per_order\":null")) << line;
    EXPECT_FALSE(absl::StrContains(line, "\"statements_per_order\":0.00,")) << line;
    for (const char* process : {"coordinator", "order", "inventory", "load_generator"}) {
      EXPECT_TRUE(absl::StrContains(line, absl::StrCat("\"", process, "\":"))) << line;
    }
  }
  EXPECT_TRUE(absl::StrContains(output, "sellout exact: 20 approved of 20 possible"));
  for (absl::string_view line : absl::StrSplit(output, '\n')) {
    if (!absl::StartsWith(line, "{\"phase\":")) continue;
    EXPECT_TRUE(absl::StrContains(line, "\"errors\":0,\"errors_by_code\":{}")) << line;
  }
}

// Calls that fail are errors, counted by status code, and never served
// orders: with no coordinator listening, a phase answers no order at all.
TEST(BenchSmokeTest, FailedCallsAreErrorsByCodeNotOrders) {
  absl::StatusOr<std::unique_ptr<LocalStack>> stack = LocalStack::Start();
  ASSERT_TRUE(stack.ok()) << stack.status();
  const int port = UnusedLoopbackPort();
  ASSERT_GT(port, 0);
  const CommandRun run = RunBench(**stack, absl::StrCat("127.0.0.1:", port),
                                "--phases=uniform --duration_s=1 --concurrency=2 "
                                "--uniform_products=5");
  std::string line;
  for (absl::string_view l : absl::StrSplit(run.output, '\n')) {
    if (absl::StartsWith(l, "{\"phase\":\"uniform\"")) line = std::string(l);
  }
  ASSERT_FALSE(line.empty()) << run.output;
  EXPECT_TRUE(absl::StrContains(line, "\"orders\":0,\"orders_per_s\":0.0,")) << line;
  EXPECT_TRUE(absl::StrContains(line, "\"approved\":0,\"rejected\":0,\"pending\":0,"))
      << line;
  EXPECT_FALSE(absl::StrContains(line, "\"errors\":0,")) << line;
  EXPECT_TRUE(absl::StrContains(line, "\"errors_by_code\":{\"UNAVAILABLE\":")) << line;
  // Nothing was served, so nothing has a latency or a cost per order.
  EXPECT_TRUE(absl::StrContains(line, "\"p50_ms\":null,")) << line;
  EXPECT_TRUE(absl::StrContains(line, "\"p99_ms\":null,")) << line;
  EXPECT_TRUE(absl::StrContains(line, "\"cpu_ms_per_order\":null,")) << line;
  EXPECT_TRUE(absl::StrContains(line, "\"commits_per_order\":null,")) << line;
  EXPECT_TRUE(absl::StrContains(line, "\"coordinator\":null,")) << line;
  EXPECT_TRUE(absl::StrContains(run.output, "errors_by_code") &&
              absl::StrContains(run.output, "(UNAVAILABLE "))
      << "the summary line names the code";
}

}  // namespace
}  // namespace order_saga::testing
