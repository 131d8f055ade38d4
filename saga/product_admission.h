// Admission control per product: at most N sagas touching the same product
// are in flight in this coordinator. Later orders wait their turn and then
// pass the sold-out door again, so once a hot product sells out the queue
// drains at the door (no order row, no database work) instead of piling up
// on the product's row lock. Thread-safe.
#pragma once

#include <cstdint>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "absl/status/statusor.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "common/order_types.h"

namespace order_saga::coordinator {

class ProductAdmission {
 public:
  // Frees its slots when destroyed.
  class Ticket {
   public:
    Ticket(ProductAdmission* admission, std::vector<int64_t> products)
        : admission_(admission), products_(std::move(products)) {}
    Ticket(Ticket&& other) noexcept
        : admission_(other.admission_), products_(std::move(other.products_)) {
      other.products_.clear();
    }
    Ticket& operator=(Ticket&&) = delete;
    ~Ticket();

   private:
    ProductAdmission* admission_;
    std::vector<int64_t> products_;
  };

  // 0 admits everything at once.
  explicit ProductAdmission(int max_in_flight_per_product)
      : max_in_flight_(max_in_flight_per_product) {}

  // Takes a slot of every product of `items`, in ascending product id order
  // (so two orders never wait on each other in a cycle). RESOURCE_EXHAUSTED
  // if the slots are not all free within `max_wait` (a wait of its own,
  // never taken from the saga's deadline).
  absl::StatusOr<Ticket> Admit(const std::vector<LineItem>& items, absl::Duration max_wait);

  // Sagas in flight for `product_id` (for tests and metrics).
  int InFlight(int64_t product_id);

 private:
  void Free(const std::vector<int64_t>& products);

  const int max_in_flight_;
  absl::Mutex mu_;
  absl::flat_hash_map<int64_t, int> in_flight_ ABSL_GUARDED_BY(mu_);
};

}  // namespace order_saga::coordinator
