#include "tests/chaos/order_load.h"

#include <thread>

#include <grpcpp/client_context.h>

#include "absl/time/clock.h"
#include "common/grpc_channel.h"
#include "common/grpc_status.h"

namespace order_saga::testing {

ChaosCatalogue ChaosCatalogue::Standard() {
  ChaosCatalogue catalogue;
  for (int64_t id = 1; id <= 20; ++id) {
    if (id <= 2) {
      catalogue.products.push_back({id, 1500, 8});
    } else if (id <= 6) {
      catalogue.products.push_back({id, 10, 1});
    } else {
      catalogue.products.push_back({id, 250, 1});
    }
  }
  return catalogue;
}

std::map<int64_t, int64_t> ChaosCatalogue::InitialStock() const {
  std::map<int64_t, int64_t> stock;
  for (const Entry& entry : products) stock[entry.product_id] = entry.stock;
  return stock;
}

saga::v1::PlaceOrderRequest ChaosCatalogue::RandomOrder(const std::string& request_id,
                                                        std::mt19937_64& random) const {
  std::vector<int> weights;
  for (const Entry& entry : products) weights.push_back(entry.weight);
  std::discrete_distribution<size_t> pick(weights.begin(), weights.end());
  const int lines = std::uniform_int_distribution<int>(
      1, std::min<int>(4, static_cast<int>(products.size())))(random);
  std::map<int64_t, int32_t> chosen;
  while (static_cast<int>(chosen.size()) < lines) {
    chosen[products[pick(random)].product_id] =
        std::uniform_int_distribution<int32_t>(1, 3)(random);
  }
  saga::v1::PlaceOrderRequest request;
  request.set_request_id(request_id);
  request.set_customer_id("chaos");
  for (const auto& [product_id, quantity] : chosen) {
    auto* item = request.add_items();
    item->set_product_id(product_id);
    item->set_quantity(quantity);
  }
  return request;
}

OrderLoad::OrderLoad(std::vector<std::string> coordinator_addresses) {
  for (const std::string& address : coordinator_addresses) {
    stubs_.push_back(saga::v1::SagaCoordinator::NewStub(
        CreateServiceChannel(address, absl::Milliseconds(200))));
  }
}

absl::StatusOr<saga::v1::PlaceOrderResponse> OrderLoad::PlaceUntilDecided(
    const saga::v1::PlaceOrderRequest& request, int preferred, absl::Time give_up_at,
    int64_t* retried_calls) {
  int stub = preferred % static_cast<int>(stubs_.size());
  absl::Status last = absl::DeadlineExceededError("never tried");
  while (absl::Now() < give_up_at) {
    grpc::ClientContext context;
    context.set_deadline(absl::ToChronoTime(absl::Now() + absl::Seconds(10)));
    saga::v1::PlaceOrderResponse response;
    grpc::Status status = stubs_[stub]->PlaceOrder(&context, request, &response);
    if (status.ok() && response.status() != order::v1::ORDER_STATUS_PENDING) {
      ++decided_count_;
      return response;
    }
    if (status.error_code() == grpc::StatusCode::INVALID_ARGUMENT) {
      return FromGrpcStatus(status);
    }
    last = status.ok() ? absl::UnavailableError("still PENDING") : FromGrpcStatus(status);
    ++*retried_calls;
    // A coordinator that is down: try the next one (if any) after a pause.
    if (!status.ok()) stub = (stub + 1) % static_cast<int>(stubs_.size());
    absl::SleepFor(absl::Milliseconds(100));
  }
  return absl::DeadlineExceededError(
      absl::StrCat("request ", request.request_id(), " undecided: ", last.message()));
}

LoadResult OrderLoad::Run(const std::vector<saga::v1::PlaceOrderRequest>& requests,
                          int concurrency, absl::Duration give_up) {
  absl::Mutex mu;
  LoadResult result;
  std::atomic<size_t> next{0};
  const absl::Time give_up_at = absl::Now() + give_up;
  std::vector<std::thread> clients;
  for (int c = 0; c < concurrency; ++c) {
    clients.emplace_back([&] {
      int64_t retried = 0;
      for (size_t i = next++; i < requests.size(); i = next++) {
        absl::StatusOr<saga::v1::PlaceOrderResponse> response =
            PlaceUntilDecided(requests[i], static_cast<int>(i), give_up_at, &retried);
        absl::MutexLock lock(&mu);
        if (!response.ok()) {
          ++result.undecided;
          continue;
        }
        if (response->status() == order::v1::ORDER_STATUS_APPROVED) {
          ++result.approved;
        } else {
          ++result.rejected;
          ++result.reject_reasons[order::v1::RejectReason_Name(response->reject_reason())];
        }
        if (!response->order_id().empty()) {
          result.decided[response->order_id()] =
              order::v1::OrderStatus_Name(response->status());
        }
      }
      absl::MutexLock lock(&mu);
      result.retried_calls += retried;
    });
  }
  for (std::thread& client : clients) client.join();
  return result;
}

}  // namespace order_saga::testing
