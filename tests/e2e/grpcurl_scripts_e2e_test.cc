// scripts/grpcurl/: every script has a usage line, names a method of the
// contract, and does its task against the real servers. With grpcurl on the
// PATH the scripts run it; without (Debian 12 does not package it) they run
// grpcurl_stand_in, the unary-call subset of grpcurl they use.
#include <sys/wait.h>

#include <cstdio>
#include <filesystem>
#include <algorithm>
#include <regex>
#include <string>

#include <google/protobuf/descriptor.h>
#include <gtest/gtest.h>

#include "absl/strings/match.h"
#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "grpc/health/v1/health.pb.h"
#include "tests/e2e/stack_test.h"

namespace order_saga::testing {
namespace {

const std::string kScripts = std::string(PROJECT_SOURCE_DIR) + "/scripts/grpcurl";

struct ShellRun {
  int exit_code = -1;
  std::string output;  // stdout and stderr
};

ShellRun Shell(const std::string& command) {
  ShellRun run;
  FILE* pipe = popen((command + " 2>&1").c_str(), "r");
  if (pipe == nullptr) return run;
  char buffer[4096];
  size_t n;
  while ((n = fread(buffer, 1, sizeof(buffer), pipe)) > 0) run.output.append(buffer, n);
  const int status = pclose(pipe);
  run.exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  return run;
}

std::vector<std::string> ScriptNames() {
  std::vector<std::string> names;
  for (const auto& entry : std::filesystem::directory_iterator(kScripts)) {
    const std::string name = entry.path().filename().string();
    if (name != "lib.sh") names.push_back(name);
  }
  std::sort(names.begin(), names.end());
  return names;
}

TEST(GrpcurlScriptsTest, EveryScriptHasAUsageLineAndNamesAMethodOfTheContract) {
  // Link the descriptors the scripts' methods are checked against.
  (void)saga::v1::PlaceOrderRequest::descriptor();
  (void)order::v1::Order::descriptor();
  (void)inventory::v1::Product::descriptor();
  (void)grpc::health::v1::HealthCheckRequest::descriptor();
  const std::vector<std::string> names = ScriptNames();
  EXPECT_GE(names.size(), 8u);
  for (const std::string& name : names) {
    SCOPED_TRACE(name);
    const std::string path = kScripts + "/" + name;
    EXPECT_EQ(Shell("bash -n " + path).exit_code, 0);
    ShellRun help = Shell(path + " --help");
    EXPECT_EQ(help.exit_code, 0) << help.output;
    EXPECT_TRUE(absl::StartsWith(help.output, "usage: scripts/grpcurl/" + name)) << help.output;
    ShellRun wrong = Shell(path + " a b c d e f");
    EXPECT_EQ(wrong.exit_code, 2) << wrong.output;
    EXPECT_TRUE(absl::StrContains(wrong.output, "usage:")) << wrong.output;
    // "# method: package.Service/Method" exists in the protos.
    ShellRun method = Shell("sed -n 's/^# method: //p' " + path);
    std::string dotted(absl::StripAsciiWhitespace(method.output));
    ASSERT_FALSE(dotted.empty()) << "no '# method:' line";
    dotted[dotted.rfind('/')] = '.';
    EXPECT_NE(google::protobuf::DescriptorPool::generated_pool()->FindMethodByName(dotted),
              nullptr)
        << dotted;
  }
}

class GrpcurlScriptsE2ETest : public StackTest {
 protected:
  // Runs scripts/grpcurl/<script> against this test's stack.
  // `prefix` runs it under another command (timeout, say).
  ShellRun Script(const std::string& script_and_args, const std::string& prefix = "") {
    const bool real = Shell("command -v grpcurl").exit_code == 0;
    return Shell(absl::StrCat("ORDERSAGA_TLS_DIR= COORDINATOR_ADDRESS=", stack_->saga_address(),
                              " ORDER_SERVICE_ADDRESS=", stack_->order_address(),
                              " INVENTORY_SERVICE_ADDRESS=", stack_->inventory_address(),
                              " GRPCURL=", real ? "grpcurl" : GRPCURL_STAND_IN_BINARY, " ",
                              prefix, kScripts, "/", script_and_args));
  }
};

TEST_F(GrpcurlScriptsE2ETest, EachScriptDoesItsTaskAgainstTheRealServers) {
  std::cout << "[grpcurl] using "
            << (Shell("command -v grpcurl").exit_code == 0 ? "grpcurl" : "grpcurl_stand_in")
            << "\n";
  ShellRun upsert = Script("upsert-product 7 '세븐 \"7\"' 1000 3");
  ASSERT_EQ(upsert.exit_code, 0) << upsert.output;
  EXPECT_TRUE(absl::StrContains(upsert.output, "PRODUCT_STATUS_ON_SALE")) << upsert.output;
  EXPECT_TRUE(absl::StrContains(Script("get-product 7").output, "세븐")) ;
  EXPECT_TRUE(absl::StrContains(Script("list-products").output, "세븐"));

  ShellRun placed = Script("place-order g-1 7:2 customer-g");
  ASSERT_EQ(placed.exit_code, 0) << placed.output;
  EXPECT_TRUE(absl::StrContains(placed.output, "ORDER_STATUS_APPROVED")) << placed.output;
  std::smatch id;
  ASSERT_TRUE(std::regex_search(placed.output, id, std::regex("\"orderId\": \"([^\"]+)\"")))
      << placed.output;
  const std::string order_id = id[1];

  ShellRun by_id = Script("get-order " + order_id);
  EXPECT_EQ(by_id.exit_code, 0) << by_id.output;
  EXPECT_TRUE(absl::StrContains(by_id.output, "customer-g")) << by_id.output;
  EXPECT_TRUE(
      absl::StrContains(Script("get-order --request-id g-1 customer-g").output, order_id));
  // Request ids are per customer: another customer has no order g-1.
  ShellRun other = Script("get-order --request-id g-1 customer-h");
  EXPECT_NE(other.exit_code, 0) << other.output;
  EXPECT_TRUE(absl::StrContains(other.output, "has no order with request_id")) << other.output;
  EXPECT_TRUE(absl::StrContains(Script("list-orders APPROVED customer-g").output, order_id));
  EXPECT_FALSE(absl::StrContains(Script("list-orders REJECTED").output, order_id));
  EXPECT_TRUE(absl::StrContains(Script("count-orders customer-g").output, "\"approved\": \"1\""));
  // The order's watch ends by itself once it is decided.
  ShellRun watched = Script("watch-order " + order_id);
  EXPECT_EQ(watched.exit_code, 0) << watched.output;
  EXPECT_TRUE(absl::StrContains(watched.output, "ORDER_STATUS_APPROVED")) << watched.output;
  // A watch of all orders runs until interrupted; replayed from the start,
  // it shows the order being created and approved.
  ShellRun all = Script("watch-orders customer-g 0", "timeout 2 ");
  EXPECT_TRUE(absl::StrContains(all.output, "ORDER_STATUS_PENDING")) << all.output;
  EXPECT_TRUE(absl::StrContains(all.output, "ORDER_STATUS_APPROVED")) << all.output;
  EXPECT_TRUE(absl::StrContains(all.output, "\"eventId\": \"2\"")) << all.output;
  ShellRun bad_after = Script("watch-orders customer-g soon");
  EXPECT_EQ(bad_after.exit_code, 2);
  EXPECT_TRUE(absl::StrContains(bad_after.output, "AFTER_EVENT_ID")) << bad_after.output;

  // Only 1 of 3 left: refused, with the reason.
  EXPECT_TRUE(absl::StrContains(Script("place-order g-2 7:2").output, "REJECT_REASON_"));

  for (const char* server : {"coordinator", "orders", "inventory"}) {
    ShellRun health = Script(std::string("health ") + server);
    EXPECT_EQ(health.exit_code, 0) << health.output;
    EXPECT_TRUE(absl::StrContains(health.output, "SERVING")) << server << health.output;
  }

  // Bad arguments are refused before any call, naming the argument.
  ShellRun bad = Script("get-product seven");
  EXPECT_EQ(bad.exit_code, 2);
  EXPECT_TRUE(absl::StrContains(bad.output, "PRODUCT_ID")) << bad.output;
  ShellRun bad_items = Script("place-order g-3 seven");
  EXPECT_EQ(bad_items.exit_code, 2);
  EXPECT_TRUE(absl::StrContains(bad_items.output, "items")) << bad_items.output;
  // A server-side refusal is a failed call (grpcurl exits non-zero).
  ShellRun refused = Script("place-order g-4 7:0");
  EXPECT_NE(refused.exit_code, 0);
  EXPECT_TRUE(absl::StrContains(refused.output, "quantity")) << refused.output;

  // The operators' scripts on a decided order: its story; it is no saga to
  // retry or reject any more.
  ShellRun explained = Script("explain-order " + order_id);
  EXPECT_EQ(explained.exit_code, 0) << explained.output;
  EXPECT_TRUE(absl::StrContains(explained.output, "order recorded (PENDING)")) << explained.output;
  EXPECT_TRUE(absl::StrContains(explained.output, "RESERVATION_OUTCOME_RESERVED"))
      << explained.output;
  EXPECT_EQ(Script("list-sagas").exit_code, 0);
  ShellRun retried = Script("retry-saga " + order_id);
  EXPECT_NE(retried.exit_code, 0);
  EXPECT_TRUE(absl::StrContains(retried.output, "already APPROVED")) << retried.output;
  EXPECT_EQ(Script("list-sagas DONE").exit_code, 2);
}

// The whole operator story with grpcurl alone, against the real binaries:
// the inventory goes away, two orders spend their retry budget (two
// attempts here) and are parked as stuck; the operator finds them, reads
// their story, brings the inventory back, retries one and force-rejects
// the other. No stock is lost.
class StuckSagaGrpcurlE2ETest : public GrpcurlScriptsE2ETest {
 protected:
  static void SetUpTestSuite() {
    LocalStack::Options options;
    options.coordinator_flags = {"--saga_max_attempts=2",        "--saga_deadline_ms=1000",
                                 "--compensation_deadline_ms=1000", "--call_timeout_ms=200",
                                 "--max_reconnect_backoff_ms=100"};
    StartStack(std::move(options));
  }

  std::string OrderIdIn(const std::string& output) {
    std::smatch id;
    EXPECT_TRUE(std::regex_search(output, id, std::regex("\"orderId\": \"([^\"]+)\"")))
        << output;
    return id.size() > 1 ? std::string(id[1]) : "";
  }

  // Waits up to 60 s until list-sagas (stuck) names every id.
  bool WaitUntilStuck(const std::vector<std::string>& order_ids) {
    const absl::Time give_up = absl::Now() + absl::Seconds(60);
    while (absl::Now() < give_up) {
      const std::string listed = Script("list-sagas").output;
      if (std::all_of(order_ids.begin(), order_ids.end(), [&](const std::string& id) {
            return absl::StrContains(listed, id);
          })) {
        return true;
      }
      absl::SleepFor(absl::Milliseconds(200));
    }
    return false;
  }
};

TEST_F(StuckSagaGrpcurlE2ETest, AnOperatorFindsExplainsRetriesAndForceRejectsWithGrpcurlAlone) {
  ASSERT_EQ(Script("upsert-product 8 eight 100 5").exit_code, 0);
  ASSERT_TRUE(stack_->Kill(LocalStack::Role::kInventory).ok());
  ShellRun first = Script("place-order stuck-1 8:1");
  ASSERT_EQ(first.exit_code, 0) << first.output;
  EXPECT_TRUE(absl::StrContains(first.output, "ORDER_STATUS_PENDING")) << first.output;
  ShellRun second = Script("place-order stuck-2 8:2");
  ASSERT_EQ(second.exit_code, 0) << second.output;
  const std::string retry_id = OrderIdIn(first.output);
  const std::string reject_id = OrderIdIn(second.output);
  ASSERT_TRUE(WaitUntilStuck({retry_id, reject_id})) << Script("list-sagas ACTIVE").output;

  ShellRun listed = Script("list-sagas STUCK");
  EXPECT_TRUE(absl::StrContains(listed.output, "SAGA_STATE_STUCK")) << listed.output;
  EXPECT_TRUE(absl::StrContains(listed.output, "\"step\": \"release\"")) << listed.output;
  ShellRun order = Script("get-order " + retry_id);
  EXPECT_TRUE(absl::StrContains(order.output, "ORDER_STATUS_PENDING")) << order.output;
  EXPECT_TRUE(absl::StrContains(order.output, "waits for an operator")) << order.output;
  ShellRun explained = Script("explain-order " + retry_id);
  EXPECT_TRUE(absl::StrContains(explained.output, "compensation started")) << explained.output;
  EXPECT_TRUE(absl::StrContains(explained.output, "release failed (attempt 2)"))
      << explained.output;
  EXPECT_TRUE(absl::StrContains(explained.output, "parked as stuck")) << explained.output;

  ASSERT_TRUE(stack_->Restart(LocalStack::Role::kInventory).ok());
  // The coordinator reconnects within --max_reconnect_backoff_ms; an
  // operator whose retry still fails simply retries again.
  ShellRun retried;
  for (int i = 0; i < 20; ++i) {
    retried = Script("retry-saga " + retry_id);
    if (absl::StrContains(retried.output, "ORDER_STATUS_REJECTED")) break;
    absl::SleepFor(absl::Milliseconds(250));
  }
  EXPECT_EQ(retried.exit_code, 0) << retried.output;
  EXPECT_TRUE(absl::StrContains(retried.output, "REJECT_REASON_INVENTORY_UNAVAILABLE"))
      << retried.output;
  ShellRun rejected = Script("force-reject-order " + reject_id + " 'customer cancelled by phone'");
  EXPECT_EQ(rejected.exit_code, 0) << rejected.output;
  EXPECT_TRUE(absl::StrContains(rejected.output, "REJECT_REASON_REJECTED_BY_OPERATOR"))
      << rejected.output;
  EXPECT_TRUE(absl::StrContains(rejected.output, "customer cancelled by phone")) << rejected.output;

  ShellRun left = Script("list-sagas");
  EXPECT_FALSE(absl::StrContains(left.output, retry_id)) << left.output;
  EXPECT_FALSE(absl::StrContains(left.output, reject_id)) << left.output;
  EXPECT_TRUE(absl::StrContains(Script("explain-order " + reject_id).output, "operator action"));
  ShellRun product = Script("get-product 8");
  EXPECT_TRUE(absl::StrContains(product.output, "\"stock\": \"5\"")) << product.output;
}

}  // namespace
}  // namespace order_saga::testing
