// Limits against the real binaries (authentication on): one customer's
// PlaceOrder flood beyond the rate limit is refused with RESOURCE_EXHAUSTED
// and writes nothing, while another customer's orders go through; a
// customer's watch streams beyond the limit are refused; oversized
// requests are refused; the servers stay healthy.
#include <stdlib.h>

#include <atomic>
#include <fstream>
#include <thread>

#include <grpcpp/grpcpp.h>
#include <gtest/gtest.h>

#include "absl/strings/str_cat.h"
#include "common/auth/authenticator.h"
#include "common/auth/bearer_token_channel.h"
#include "tests/e2e/metrics_scrape.h"
#include "tests/e2e/stack_test.h"

namespace order_saga::testing {
namespace {

constexpr char kKey[] = "limits-e2e-key-of-at-least-thirty-two-bytes";

class LimitsE2ETest : public StackTest {
 protected:
  static void SetUpTestSuite() {
    LocalStack::Options options;
    options.auth_key = kKey;
    options.coordinator_flags = {"--place_order_rate_per_customer=5",
                                 "--place_order_burst_per_customer=5",
                                 "--max_receive_message_bytes=65536"};
    options.order_service_flags = {"--max_watch_streams_per_customer=2"};
    StartStack(std::move(options));
  }

  static std::string Token(const std::string& subject, Role role = Role::kCustomer) {
    return Authenticator(kKey, RealClock()).Mint(subject, role, absl::Hours(1));
  }
  static std::shared_ptr<grpc::Channel> Channel(const std::string& address,
                                                const std::string& token) {
    return CreateChannelWithToken(address, grpc::InsecureChannelCredentials(), token);
  }
  static void Upsert(int64_t id, int64_t stock) {
    inventory::v1::Product product, stored;
    product.set_product_id(id);
    product.set_name("limited");
    product.set_stock(stock);
    grpc::ClientContext context;
    context.set_deadline(In(absl::Seconds(10)));
    ASSERT_TRUE(inventory::v1::InventoryService::NewStub(
                    Channel(stack_->inventory_address(), stack_->admin_token()))
                    ->UpsertProduct(&context, product, &stored)
                    .ok());
  }
  static int64_t OrdersOf(const std::string& customer) {
    order::v1::CountOrdersRequest request;
    request.set_customer_id(customer);
    order::v1::CountOrdersResponse response;
    grpc::ClientContext context;
    context.set_deadline(In(absl::Seconds(10)));
    EXPECT_TRUE(order::v1::OrderService::NewStub(
                    Channel(stack_->order_address(), stack_->admin_token()))
                    ->CountOrders(&context, request, &response)
                    .ok());
    return response.total();
  }

};

TEST_F(LimitsE2ETest, FloodBeyondTheRateLimitIsRefusedWhileOthersStillOrder) {
  Upsert(3, 100000);
  std::atomic<int> flood_ok{0}, flood_refused{0}, calm_ok{0};
  auto place = [](saga::v1::SagaCoordinator::Stub& stub, const std::string& request_id) {
    saga::v1::PlaceOrderRequest request;
    request.set_request_id(request_id);
    request.add_items()->set_product_id(3);
    request.mutable_items(0)->set_quantity(1);
    saga::v1::PlaceOrderResponse response;
    grpc::ClientContext context;
    context.set_deadline(In(absl::Seconds(30)));
    return stub.PlaceOrder(&context, request, &response);
  };
  auto flooder = saga::v1::SagaCoordinator::NewStub(Channel(stack_->saga_address(), Token("flooder")));
  auto calm = saga::v1::SagaCoordinator::NewStub(Channel(stack_->saga_address(), Token("calm")));
  std::vector<std::thread> threads;
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&, t] {
      for (int i = 0; i < 15; ++i) {
        grpc::Status status = place(*flooder, absl::StrCat("flood-", t, "-", i));
        if (status.ok()) {
          ++flood_ok;
        } else {
          EXPECT_EQ(status.error_code(), grpc::StatusCode::RESOURCE_EXHAUSTED)
              << status.error_message();
          ++flood_refused;
        }
      }
    });
  }
  threads.emplace_back([&] {
    for (int i = 0; i < 4; ++i) {
      if (place(*calm, absl::StrCat("calm-", i)).ok()) ++calm_ok;
      absl::SleepFor(absl::Milliseconds(250));  // within 5/s
    }
  });
  for (std::thread& thread : threads) thread.join();
  EXPECT_GT(flood_refused.load(), 0);
  EXPECT_EQ(flood_ok.load() + flood_refused.load(), 60);
  EXPECT_EQ(calm_ok.load(), 4);
  // Refused calls wrote nothing.
  EXPECT_EQ(OrdersOf("flooder"), flood_ok.load());
  EXPECT_TRUE(IsServing(stack_->saga_address()).value_or(false));
}

TEST_F(LimitsE2ETest, WatchStreamsBeyondTheCustomersLimitAreRefused) {
  auto orders = order::v1::OrderService::NewStub(Channel(stack_->order_address(), Token("eve")));
  std::vector<std::unique_ptr<grpc::ClientContext>> contexts;
  std::vector<std::unique_ptr<grpc::ClientReader<order::v1::OrderEvent>>> open;
  for (int i = 0; i < 2; ++i) {
    contexts.push_back(std::make_unique<grpc::ClientContext>());
    open.push_back(orders->WatchOrders(contexts.back().get(), order::v1::WatchOrdersRequest()));
  }
  // Both are open on the server.
  for (int i = 0; i < 250; ++i) {
    if (Sample(ScrapeMetrics(stack_->order_metrics_address()), "ordersaga_watch_streams") == 2) {
      break;
    }
    absl::SleepFor(absl::Milliseconds(20));
  }
  grpc::ClientContext third_context;
  third_context.set_deadline(In(absl::Seconds(10)));
  auto third = orders->WatchOrders(&third_context, order::v1::WatchOrdersRequest());
  order::v1::OrderEvent event;
  EXPECT_FALSE(third->Read(&event));
  grpc::Status refused = third->Finish();
  EXPECT_EQ(refused.error_code(), grpc::StatusCode::RESOURCE_EXHAUSTED) << refused.error_message();
  // Another customer still may.
  auto frank = order::v1::OrderService::NewStub(Channel(stack_->order_address(), Token("frank")));
  grpc::ClientContext frank_context;
  auto frank_stream = frank->WatchOrders(&frank_context, order::v1::WatchOrdersRequest());
  absl::SleepFor(absl::Milliseconds(300));
  frank_context.TryCancel();
  EXPECT_EQ(frank_stream->Finish().error_code(), grpc::StatusCode::CANCELLED);
  for (auto& context : contexts) context->TryCancel();
  for (auto& stream : open) EXPECT_EQ(stream->Finish().error_code(), grpc::StatusCode::CANCELLED);
}

TEST_F(LimitsE2ETest, OversizedRequestIsRefusedAndTheServerStaysHealthy) {
  saga::v1::PlaceOrderRequest request;
  request.set_request_id("huge");
  request.mutable_shipping_address()->set_line1(std::string(100000, 'x'));
  saga::v1::PlaceOrderResponse response;
  grpc::ClientContext context;
  context.set_deadline(In(absl::Seconds(10)));
  grpc::Status status =
      saga::v1::SagaCoordinator::NewStub(Channel(stack_->saga_address(), Token("gina")))
          ->PlaceOrder(&context, request, &response);
  EXPECT_EQ(status.error_code(), grpc::StatusCode::RESOURCE_EXHAUSTED) << status.error_message();
  EXPECT_TRUE(IsServing(stack_->saga_address()).value_or(false));
}

}  // namespace
}  // namespace order_saga::testing
