// The benchmark tool against the real servers, briefly: every phase runs,
// reports one JSON line, passes its audit, and the sellout is exact; the
// order phases carry their ratio to the gRPC ceiling and their CPU per
// process. (No timing is asserted; figures live in docs/BENCHMARKS.md.)
#include <cstdio>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "tests/e2e/local_stack.h"

namespace order_saga::testing {
namespace {

TEST(BenchSmokeTest, EveryPhaseRunsAndPassesItsAudit) {
  absl::StatusOr<std::unique_ptr<LocalStack>> stack = LocalStack::Start();
  ASSERT_TRUE(stack.ok()) << stack.status();
  const std::string command = absl::StrCat(
      ORDERSAGA_BENCH_BINARY, " --saga_address=", (*stack)->saga_address(),
      " --order_address=", (*stack)->order_address(),
      " --inventory_address=", (*stack)->inventory_address(),
      " --mysql_dsn='mysql://root@localhost/mysql?socket=", MysqlTestDatabase::Socket(), "'",
      " --phases=calibrate,calibrate-grpc,uniform,hot,bundle,sellout --duration_s=1",
      " --concurrency=4 --server_names=coordinator,order,inventory --server_pids=",
      (*stack)->pid(LocalStack::Role::kCoordinator), ",",
      (*stack)->pid(LocalStack::Role::kOrders), ",",
      (*stack)->pid(LocalStack::Role::kInventory),
      " --uniform_products=50 --sellout_stock=40 --json 2>&1");
  FILE* pipe = popen(command.c_str(), "r");
  ASSERT_NE(pipe, nullptr);
  std::string output;
  char buffer[4096];
  while (fgets(buffer, sizeof(buffer), pipe) != nullptr) output += buffer;
  const int status = pclose(pipe);
  std::cout << output;
  EXPECT_EQ(status, 0);
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
    for (const char* process : {"coordinator", "order", "inventory", "load_generator"}) {
      EXPECT_TRUE(absl::StrContains(line, absl::StrCat("\"", process, "\":"))) << line;
    }
  }
  EXPECT_TRUE(absl::StrContains(output, "sellout exact: 20 approved of 20 possible"));
  EXPECT_TRUE(absl::StrContains(output, "\"errors\":0"));
}

}  // namespace
}  // namespace order_saga::testing
