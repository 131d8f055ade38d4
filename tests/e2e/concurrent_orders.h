// Many PlaceOrder calls released at the same instant (a barrier), as in
// the reference flash sale, for the e2e suites.
#pragma once

#include <cstdint>
#include <string>
#include <utility>
#include <vector>

#include <grpcpp/grpcpp.h>

#include "saga/v1/saga.grpc.pb.h"

namespace order_saga::testing {

struct PlacedOrder {
  grpc::Status status;
  saga::v1::PlaceOrderResponse response;
};

// `count` calls of `items` on `stub`, request ids "<prefix><i>", each with
// a 30 s deadline; one result per call, in order.
std::vector<PlacedOrder> PlaceAtOnce(saga::v1::SagaCoordinator::Stub& stub, int count,
                                     const std::string& prefix,
                                     const std::vector<std::pair<int64_t, int32_t>>& items,
                                     const std::string& customer_id = "");

// How many of `orders` were answered OK and APPROVED.
int CountApproved(const std::vector<PlacedOrder>& orders);

class LocalStack;

// The reference flash sale through `stub` against `stack` (products 4 and 5
// stocked 30 and 20 beforehand): 200 bundles {4 x2, 5 x1} at once, every
// call answered, exactly 15 approved, and a clean audit afterwards.
void ExpectReferenceFlashSale(saga::v1::SagaCoordinator::Stub& stub, const LocalStack& stack,
                              const std::string& prefix);

}  // namespace order_saga::testing
