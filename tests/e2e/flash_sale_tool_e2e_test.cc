// The operator's tool (`ordersaga flash-sale`, what scripts/demo runs)
// against the real servers: the reference flash sale spread over
// connections of its own (counted by a proxy in front of the coordinator),
// never more of them than orders, a server that is down, and a bad
// --connections refused before anything is sent.
#include <sys/wait.h>

#include <cstdint>
#include <string>

#include <gtest/gtest.h>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "tests/e2e/blackhole_proxy.h"
#include "tests/e2e/command_output.h"
#include "tests/e2e/stack_test.h"
#include "tests/e2e/unused_port.h"

namespace order_saga::testing {
namespace {

// Output (stdout and stderr) and exit status of `ordersaga COMMAND` against
// `stack`, with `arguments` added.
CommandRun RunTool(const LocalStack& stack, const std::string& command,
                   const std::string& arguments) {
  return RunCommand(absl::StrCat(ORDERSAGA_TOOL_BINARY, " ", command,
                                 " --saga_address=", stack.saga_address(),
                                 " --order_address=", stack.order_address(),
                                 " --inventory_address=", stack.inventory_address(), " ",
                                 arguments, " 2>&1"));
}

// The port of a "host:port" address.
int PortOf(const std::string& address) {
  return std::stoi(address.substr(address.rfind(':') + 1));
}

class FlashSaleToolE2ETest : public StackTest {
 protected:
  // Orders recorded so far (-1 if the call fails, which fails the test).
  int64_t TotalOrders() {
    order::v1::CountOrdersRequest request;
    order::v1::CountOrdersResponse response;
    grpc::ClientContext context;
    context.set_deadline(In(absl::Seconds(10)));
    const grpc::Status status = orders_->CountOrders(&context, request, &response);
    EXPECT_TRUE(status.ok()) << status.error_message();
    return status.ok() ? response.total() : -1;
  }
};

TEST_F(FlashSaleToolE2ETest, ReferenceFlashSaleOverFourConnectionsApprovesExactlyFifteen) {
  ASSERT_EQ(RunTool(*stack_, "seed-reference", "").status, 0);
  // A proxy in front of the coordinator counts the connections the tool
  // opens.
  absl::StatusOr<std::unique_ptr<BlackholeProxy>> proxy =
      BlackholeProxy::Start(PortOf(stack_->saga_address()));
  ASSERT_TRUE(proxy.ok()) << proxy.status();
  const CommandRun run = RunTool(*stack_, "flash-sale",
                                 "--orders=200 --items=4:2,5:1 --saga_address=" +
                                     (*proxy)->address());
  EXPECT_EQ(run.status, 0);
  // 200 orders, one connection per 50 of them (no connection needs more
  // than the server's 100 streams at once).
  EXPECT_EQ((*proxy)->connections(), 4);
  EXPECT_TRUE(absl::StrContains(run.output, "flash sale: 200 concurrent orders of {4:2,5:1} via " +
                                                (*proxy)->address() + " (4 connections)"))
      << run.output;
  EXPECT_TRUE(absl::StrContains(run.output, "  approved                         15\n"));
  EXPECT_TRUE(absl::StrContains(run.output, "  still pending                     0\n"));
  EXPECT_TRUE(absl::StrContains(run.output, "  errors                            0\n"));
  EXPECT_FALSE(absl::StrContains(run.output, "not ready")) << run.output;
  absl::StatusOr<audit::AuditReport> report = AuditStack(*stack_, absl::Seconds(10));
  ASSERT_TRUE(report.ok()) << report.status();
  EXPECT_TRUE(report->clean()) << audit::FormatAuditReport(*report);
}

TEST_F(FlashSaleToolE2ETest, NeverMoreConnectionsThanOrders) {
  UpsertTestProduct(*inventory_, 901, 100);
  absl::StatusOr<std::unique_ptr<BlackholeProxy>> proxy =
      BlackholeProxy::Start(PortOf(stack_->saga_address()));
  ASSERT_TRUE(proxy.ok()) << proxy.status();
  const CommandRun run =
      RunTool(*stack_, "flash-sale",
              "--orders=3 --items=901:1 --connections=10 --show_products= --saga_address=" +
                  (*proxy)->address());
  EXPECT_EQ(run.status, 0);
  EXPECT_EQ((*proxy)->connections(), 3);
  EXPECT_TRUE(absl::StrContains(run.output, "(3 connections)")) << run.output;
  EXPECT_TRUE(absl::StrContains(run.output, "  approved                          3\n"));
}

TEST_F(FlashSaleToolE2ETest, AServerThatIsDownIsSaidAndEveryOrderIsAnError) {
  const int64_t before = TotalOrders();
  const CommandRun run =
      RunTool(*stack_, "flash-sale",
              absl::StrCat("--orders=3 --items=1:1 --show_products= --saga_address=127.0.0.1:",
                           UnusedLoopbackPort()));
  EXPECT_EQ(WEXITSTATUS(run.status), 1);
  EXPECT_TRUE(absl::StrContains(run.output, "1 of 1 connections to 127.0.0.1:")) << run.output;
  EXPECT_TRUE(absl::StrContains(run.output, "not ready before the start")) << run.output;
  EXPECT_TRUE(absl::StrContains(run.output, "  errors                            3\n"))
      << run.output;
  EXPECT_EQ(TotalOrders(), before);
}

TEST_F(FlashSaleToolE2ETest, NegativeConnectionsIsRefusedNamingTheFlagAndSendsNothing) {
  const int64_t before = TotalOrders();
  const CommandRun run = RunTool(*stack_, "flash-sale", "--orders=3 --items=1:1 --connections=-1");
  EXPECT_EQ(WEXITSTATUS(run.status), 2);
  EXPECT_TRUE(absl::StrContains(run.output, "--connections: must be between 0 and 1000"))
      << run.output;
  EXPECT_FALSE(absl::StrContains(run.output, "flash sale:")) << run.output;
  EXPECT_EQ(TotalOrders(), before);
}

}  // namespace
}  // namespace order_saga::testing
