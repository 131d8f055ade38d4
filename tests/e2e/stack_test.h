// A test fixture over one LocalStack shared by the tests of a suite, with a
// stub for each server.
#pragma once

#include <chrono>
#include <memory>

#include <grpcpp/grpcpp.h>
#include <gtest/gtest.h>

#include "absl/time/clock.h"
#include "inventory/v1/inventory.grpc.pb.h"
#include "order/v1/order.grpc.pb.h"
#include "saga/v1/saga.grpc.pb.h"
#include "tests/e2e/local_stack.h"

namespace order_saga::testing {

// A deadline `d` from now, for a grpc::ClientContext.
inline std::chrono::system_clock::time_point In(absl::Duration d) {
  return absl::ToChronoTime(absl::Now() + d);
}

// Creates or sets product `id` ("product ID", price 1000, `stock`) through
// `inventory`; a test failure if the call fails.
inline void UpsertTestProduct(inventory::v1::InventoryService::Stub& inventory, int64_t id,
                              int64_t stock) {
  inventory::v1::Product product, stored;
  product.set_product_id(id);
  product.set_name("product " + std::to_string(id));
  product.set_price(1000);
  product.set_stock(stock);
  grpc::ClientContext context;
  context.set_deadline(In(absl::Seconds(10)));
  grpc::Status status = inventory.UpsertProduct(&context, product, &stored);
  ASSERT_TRUE(status.ok()) << status.error_message();
}

class StackTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() { StartStack(LocalStack::Options()); }
  // For suites that need another stack (TLS, tokens, limits): call it from
  // their own SetUpTestSuite.
  static void StartStack(LocalStack::Options options) {
    absl::StatusOr<std::unique_ptr<LocalStack>> stack = LocalStack::Start(std::move(options));
    ASSERT_TRUE(stack.ok()) << stack.status();
    stack_ = stack->release();
  }
  static void TearDownTestSuite() {
    delete stack_;
    stack_ = nullptr;
  }

  void SetUp() override {
    ASSERT_NE(stack_, nullptr);
    saga_ = saga::v1::SagaCoordinator::NewStub(
        grpc::CreateChannel(stack_->saga_address(), grpc::InsecureChannelCredentials()));
    orders_ = order::v1::OrderService::NewStub(
        grpc::CreateChannel(stack_->order_address(), grpc::InsecureChannelCredentials()));
    inventory_ = inventory::v1::InventoryService::NewStub(
        grpc::CreateChannel(stack_->inventory_address(), grpc::InsecureChannelCredentials()));
  }

  // One stack per test binary process (ctest runs each test in its own).
  static inline LocalStack* stack_ = nullptr;
  std::unique_ptr<saga::v1::SagaCoordinator::Stub> saga_;
  std::unique_ptr<order::v1::OrderService::Stub> orders_;
  std::unique_ptr<inventory::v1::InventoryService::Stub> inventory_;
};

}  // namespace order_saga::testing
