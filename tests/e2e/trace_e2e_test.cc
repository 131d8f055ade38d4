// Trace ids across the three real binaries: a PlaceOrder's trace id (the
// client's W3C traceparent, or a new one) comes back in the response
// headers, reaches both participants in metadata (through the batch calls
// too), and is on the log lines of that order in all three logs, so one
// grep tells the order's story. No metric carries a trace or order id.
#include <fstream>
#include <sstream>

#include <grpcpp/grpcpp.h>
#include <gtest/gtest.h>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"
#include "tests/e2e/metrics_scrape.h"
#include "tests/e2e/stack_test.h"

namespace order_saga::testing {
namespace {

constexpr char kTraceId[] = "4bf92f3577b34da6a3ce929d0e0e4736";

class TraceE2ETest : public StackTest {
 protected:
  void SetUp() override {
    StackTest::SetUp();
    inventory::v1::Product product, stored;
    product.set_product_id(31);
    product.set_name("traced");
    product.set_stock(100);
    grpc::ClientContext context;
    context.set_deadline(In(absl::Seconds(30)));
    ASSERT_TRUE(inventory_->UpsertProduct(&context, product, &stored).ok());
  }

  // Places one order with `traceparent` (none if empty); returns the
  // response and the trace id the coordinator answered in its headers.
  std::pair<saga::v1::PlaceOrderResponse, std::string> Place(const std::string& request_id,
                                                             const std::string& traceparent) {
    saga::v1::PlaceOrderRequest request;
    request.set_request_id(request_id);
    common::v1::LineItem* item = request.add_items();
    item->set_product_id(31);
    item->set_quantity(1);
    saga::v1::PlaceOrderResponse response;
    grpc::ClientContext context;
    context.set_deadline(In(absl::Seconds(30)));
    if (!traceparent.empty()) context.AddMetadata("traceparent", traceparent);
    grpc::Status status = saga_->PlaceOrder(&context, request, &response);
    EXPECT_TRUE(status.ok()) << status.error_message();
    std::string trace_id;
    auto header = context.GetServerInitialMetadata().find("ordersaga-trace-id");
    if (header != context.GetServerInitialMetadata().end()) {
      trace_id.assign(header->second.data(), header->second.size());
    }
    return {response, trace_id};
  }

  // The lines of a server's log that carry `trace_id`.
  static std::vector<std::string> TracedLines(LocalStack::Role role, const std::string& trace_id) {
    std::ifstream file(stack_->LogPath(role));
    std::stringstream text;
    text << file.rdbuf();
    std::vector<std::string> lines;
    for (absl::string_view line : absl::StrSplit(text.str(), '\n')) {
      if (absl::StrContains(line, absl::StrCat("trace=", trace_id))) lines.emplace_back(line);
    }
    return lines;
  }

  static bool AnyContains(const std::vector<std::string>& lines, absl::string_view text) {
    for (const std::string& line : lines) {
      if (absl::StrContains(line, text)) return true;
    }
    return false;
  }
};

TEST_F(TraceE2ETest, TheClientsTraceIdIsOnTheOrdersLogLinesInAllThreeProcesses) {
  auto [response, trace_id] =
      Place("traced-1", absl::StrCat("00-", kTraceId, "-00f067aa0ba902b7-01"));
  ASSERT_EQ(response.status(), order::v1::ORDER_STATUS_APPROVED);
  EXPECT_EQ(trace_id, kTraceId);

  const std::vector<std::string> coordinator =
      TracedLines(LocalStack::Role::kCoordinator, kTraceId);
  const std::vector<std::string> orders = TracedLines(LocalStack::Role::kOrders, kTraceId);
  const std::vector<std::string> inventory = TracedLines(LocalStack::Role::kInventory, kTraceId);
  const std::string order_line = absl::StrCat("order ", response.order_id());
  EXPECT_TRUE(AnyContains(coordinator, absl::StrCat(order_line, " APPROVED")))
      << absl::StrJoin(coordinator, "\n");
  EXPECT_TRUE(AnyContains(orders, absl::StrCat("CreateOrder")) &&
              AnyContains(orders, order_line))
      << absl::StrJoin(orders, "\n");
  EXPECT_TRUE(AnyContains(orders, "ApproveOrder")) << absl::StrJoin(orders, "\n");
  EXPECT_TRUE(AnyContains(inventory, absl::StrCat("Reserve")) &&
              AnyContains(inventory, order_line))
      << absl::StrJoin(inventory, "\n");

  // The order keeps its trace id, for the recovery sweep and operators.
  order::v1::GetOrderRequest get;
  get.set_order_id(response.order_id());
  order::v1::Order order;
  grpc::ClientContext context;
  context.set_deadline(In(absl::Seconds(10)));
  ASSERT_TRUE(orders_->GetOrder(&context, get, &order).ok());
  EXPECT_EQ(order.trace_id(), kTraceId);

  // Trace and order ids are never metric labels.
  for (const std::string& address :
       {stack_->saga_metrics_address(), stack_->order_metrics_address(),
        stack_->inventory_metrics_address()}) {
    const std::string metrics = ScrapeMetrics(address);
    ASSERT_FALSE(metrics.empty()) << address;
    EXPECT_FALSE(absl::StrContains(metrics, kTraceId)) << address;
    EXPECT_FALSE(absl::StrContains(metrics, response.order_id())) << address;
  }
}

TEST_F(TraceE2ETest, WithoutAValidTraceparentTheCoordinatorStartsANewTrace) {
  for (const std::string& traceparent :
       {std::string(), std::string("garbage"),
        absl::StrCat("00-", std::string(32, '0'), "-00f067aa0ba902b7-01")}) {
    auto [response, trace_id] = Place(absl::StrCat("untraced-", traceparent.size()), traceparent);
    ASSERT_EQ(response.status(), order::v1::ORDER_STATUS_APPROVED) << traceparent;
    ASSERT_EQ(trace_id.size(), 32u) << traceparent;
    EXPECT_NE(trace_id, std::string(32, '0'));
    EXPECT_TRUE(AnyContains(TracedLines(LocalStack::Role::kInventory, trace_id),
                            absl::StrCat("order ", response.order_id())))
        << traceparent;
  }
}

}  // namespace
}  // namespace order_saga::testing
