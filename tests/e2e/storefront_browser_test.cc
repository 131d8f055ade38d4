// The storefront in a real browser: Debian's Chromium driven by
// playwright-core (tests/browser/storefront.test.mjs) against the gateway
// of a real stack. The page places a bundle and shows APPROVED; while the
// client tool runs the reference flash sale its counters end at 15 approved
// and product 4 shows SOLD_OUT; the gateway is killed (SIGKILL) mid-stream
// and restarted, and the page reconnects by itself with no event missing or
// shown twice. The run's screenshot is storefront.png in the test log folder
// (docs/images/storefront.png is one of them).
#include <atomic>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <sstream>
#include <thread>

#include <gtest/gtest.h>

#include "absl/strings/str_cat.h"
#include "tests/e2e/stack_test.h"

namespace order_saga::testing {
namespace {

class StorefrontBrowserTest : public StackTest {
 protected:
  static void SetUpTestSuite() {
    LocalStack::Options options;
    options.gateway = true;
    options.gateway_flags = {"--sse_retry_ms=500"};
    StartStack(std::move(options));
  }
};

std::string ReadFile(const std::string& path) {
  std::ifstream in(path);
  std::stringstream text;
  text << in.rdbuf();
  return text.str();
}

TEST_F(StorefrontBrowserTest, PlacesABundleFollowsTheFlashSaleAndSurvivesAGatewayRestart) {
  ASSERT_EQ(system("test -x /usr/bin/chromium"), 0)
      << "Debian's chromium is not installed (scripts/test installs it)";
  ASSERT_EQ(system(absl::StrCat("test -d ", PROJECT_SOURCE_DIR, "/tests/browser/node_modules/playwright-core")
                       .c_str()),
            0)
      << "npm ci in tests/browser first (scripts/test does)";
  const std::string tool = ORDERSAGA_TOOL_BINARY;
  const std::string seed =
      absl::StrCat(tool, " seed-reference --inventory_address=", stack_->inventory_address());
  ASSERT_EQ(system((seed + " > /dev/null").c_str()), 0);
  const std::string gateway = stack_->gateway_address();
  const std::string port = gateway.substr(gateway.rfind(':') + 1);
  const std::string flash_sale =
      absl::StrCat(seed, " && ", tool, " flash-sale --saga_address=", stack_->saga_address(),
                   " --inventory_address=", stack_->inventory_address(),
                   " --order_address=", stack_->order_address(), " --orders=200 --items=4:2,5:1");
  // SIGKILL, wait until the process is gone (reaped below, where this test
  // restarts it), then until the restarted gateway accepts again.
  const std::string probe = absl::StrCat("(exec 3<>/dev/tcp/127.0.0.1/", port, ") 2>/dev/null");
  const std::string script = absl::StrCat(E2E_LOG_DIR, "/storefront_restart_gateway.sh");
  // While it is down, three orders go straight to the coordinator: the
  // page must get their events when it reconnects (the test checks the
  // ids it saw are contiguous). Only then does this test restart it.
  const pid_t pid = stack_->pid(LocalStack::Role::kGateway);
  const std::string go = absl::StrCat(E2E_LOG_DIR, "/storefront_restart_now");
  std::remove(go.c_str());
  std::ofstream(script) << "kill -9 " << pid << "\nwhile kill -0 " << pid
                        << " 2>/dev/null; do sleep 0.05; done\n"
                        << tool << " flash-sale --saga_address=" << stack_->saga_address()
                        << " --inventory_address=" << stack_->inventory_address()
                        << " --order_address=" << stack_->order_address()
                        << " --orders=3 --items=1:1 --show_products= > /dev/null\ntouch " << go
                        << "\nuntil " << probe << "; do sleep 0.1; done\n";
  const std::string restart = "bash " + script;  // /dev/tcp is bash's
  const std::string out = absl::StrCat(E2E_LOG_DIR, "/storefront_browser.log");
  const std::string command = absl::StrCat(
      "GATEWAY_URL=http://", gateway, " SCREENSHOT=", E2E_LOG_DIR, "/storefront.png",
      " FLASH_SALE_CMD='", flash_sale, "' RESTART_GATEWAY_CMD='", restart, "' node ",
      PROJECT_SOURCE_DIR, "/tests/browser/storefront.test.mjs > ", out, " 2>&1");
  std::atomic<bool> done{false};
  int exit_code = -1;
  std::thread browser([&] {
    exit_code = system(command.c_str());
    done = true;
  });
  // The restart command kills the gateway; bring it back on its port.
  int restarts = 0;
  while (!done) {
    absl::StatusOr<int> exited =
        stack_->WaitForExit(LocalStack::Role::kGateway, 0, absl::Milliseconds(100));
    if (exited.ok()) {
      // Down: wait for the orders placed meanwhile, then start it again.
      while (!done && !std::ifstream(go)) absl::SleepFor(absl::Milliseconds(20));
      ASSERT_TRUE(stack_->Restart(LocalStack::Role::kGateway).ok());
      ++restarts;
    }
  }
  browser.join();
  const std::string log = ReadFile(out);
  EXPECT_EQ(exit_code, 0) << log;
  EXPECT_EQ(restarts, 1) << log;
  EXPECT_NE(log.find(", 0 failed"), std::string::npos) << log;
}

}  // namespace
}  // namespace order_saga::testing
