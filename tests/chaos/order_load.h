// A crowd of clients placing random orders until each is decided: retries
// with the same request id on any transport error or PENDING answer,
// failing over between coordinators. Used by the chaos tests.
#pragma once

#include <atomic>
#include <cstdint>
#include <map>
#include <memory>
#include <random>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "saga/v1/saga.grpc.pb.h"

namespace order_saga::testing {

// The catalogue under load: some hot products, some scarce, the rest plain.
struct ChaosCatalogue {
  struct Entry {
    int64_t product_id;
    int64_t stock;
    // Relative chance of being in an order.
    int weight;
  };
  std::vector<Entry> products;

  // 20 products: 1-2 hot (stock 1500, weight 8 each), 3-6 scarce (stock
  // 10), 7-20 plain (stock 250). 2000 orders sell the hot ones out about
  // two thirds of the way through.
  static ChaosCatalogue Standard();
  // 1 to 4 distinct products, quantities 1 to 3.
  saga::v1::PlaceOrderRequest RandomOrder(const std::string& request_id,
                                          std::mt19937_64& random) const;
  std::map<int64_t, int64_t> InitialStock() const;
};

struct LoadResult {
  int64_t approved = 0;
  int64_t rejected = 0;
  // Orders still undecided when the client gave up (should be 0).
  int64_t undecided = 0;
  // Calls that failed (UNAVAILABLE, DEADLINE_EXCEEDED...) and were retried.
  int64_t retried_calls = 0;
  std::map<std::string, int64_t> reject_reasons;
  // order id -> status, as the clients last saw it.
  std::map<std::string, std::string> decided;
};

class OrderLoad {
 public:
  // Clients talk to `coordinator_addresses`, order i preferring i % n.
  explicit OrderLoad(std::vector<std::string> coordinator_addresses);

  // Places `requests` with `concurrency` client threads; each request is
  // retried until decided or until `give_up` passes.
  LoadResult Run(const std::vector<saga::v1::PlaceOrderRequest>& requests, int concurrency,
                 absl::Duration give_up);

  // One request until decided (APPROVED or REJECTED); the last response.
  // Not OK if still undecided at `give_up_at` or for INVALID_ARGUMENT.
  absl::StatusOr<saga::v1::PlaceOrderResponse> PlaceUntilDecided(
      const saga::v1::PlaceOrderRequest& request, int preferred, absl::Time give_up_at,
      int64_t* retried_calls);

  // Orders decided so far (for a killer that waits for progress).
  int64_t decided_count() const { return decided_count_.load(); }

 private:
  std::vector<std::unique_ptr<saga::v1::SagaCoordinator::Stub>> stubs_;
  std::atomic<int64_t> decided_count_{0};
};

}  // namespace order_saga::testing
