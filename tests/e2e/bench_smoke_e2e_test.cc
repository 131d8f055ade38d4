// The benchmark tool against the real servers, briefly: every phase runs,
// reports one JSON line, passes its audit, and the sellout is exact. (No
// timing is asserted; figures live in docs/BENCHMARKS.md.)
#include <cstdio>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
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
      " --phases=calibrate,uniform,hot,bundle,sellout --duration_s=1 --concurrency=4",
      " --uniform_products=50 --sellout_stock=40 --json 2>&1");
  FILE* pipe = popen(command.c_str(), "r");
  ASSERT_NE(pipe, nullptr);
  std::string output;
  char buffer[4096];
  while (fgets(buffer, sizeof(buffer), pipe) != nullptr) output += buffer;
  const int status = pclose(pipe);
  std::cout << output;
  EXPECT_EQ(status, 0);
  for (const char* phase : {"calibrate", "uniform", "hot", "bundle", "sellout"}) {
    EXPECT_TRUE(absl::StrContains(output, absl::StrCat("{\"phase\":\"", phase, "\"")))
        << "no JSON line for " << phase;
  }
  EXPECT_FALSE(absl::StrContains(output, "\"audit_clean\":false"));
  EXPECT_TRUE(absl::StrContains(output, "sellout exact: 20 approved of 20 possible"));
  EXPECT_TRUE(absl::StrContains(output, "\"errors\":0"));
}

}  // namespace
}  // namespace order_saga::testing
