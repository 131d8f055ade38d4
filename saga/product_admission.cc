#include "saga/product_admission.h"

#include <chrono>

#include "absl/strings/str_cat.h"
#include "common/clock.h"

namespace order_saga::coordinator {

ProductAdmission::Ticket::~Ticket() {
  if (!products_.empty()) admission_->Free(products_);
}

absl::StatusOr<ProductAdmission::Ticket> ProductAdmission::Admit(
    const std::vector<LineItem>& items, absl::Duration max_wait) {
  std::vector<int64_t> products;
  for (const LineItem& item : SortedByProductId(items)) products.push_back(item.product_id);
  if (max_in_flight_ <= 0) return Ticket(this, {});
  // The budget for every product is counted on the monotonic clock,
  // whatever clock the saga runs on. Each wait is handed to absl::Mutex as
  // a timeout; Debian's Abseil (20220623) turns it into a wall-clock
  // deadline inside (FUTEX_CLOCK_REALTIME), so a clock stepped back during
  // one wait still lengthens that wait (docs/ARCHITECTURE.md, "Which clock").
  const std::chrono::steady_clock::time_point deadline = SteadyAfter(max_wait);
  absl::MutexLock lock(&mu_);
  for (size_t i = 0; i < products.size(); ++i) {
    const int64_t product = products[i];
    auto has_room = [this, product]() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) {
      auto it = in_flight_.find(product);
      return it == in_flight_.end() || it->second < max_in_flight_;
    };
    if (!mu_.AwaitWithTimeout(absl::Condition(&has_room),
                              absl::FromChrono(deadline - std::chrono::steady_clock::now()))) {
      for (size_t j = 0; j < i; ++j) {
        if (--in_flight_[products[j]] == 0) in_flight_.erase(products[j]);
      }
      return absl::ResourceExhaustedError(absl::StrCat(
          "too many orders in flight for product ", product,
          "; nothing was recorded: retry later with the same request_id"));
    }
    ++in_flight_[product];
  }
  return Ticket(this, std::move(products));
}

void ProductAdmission::Free(const std::vector<int64_t>& products) {
  absl::MutexLock lock(&mu_);
  for (int64_t product : products) {
    if (--in_flight_[product] == 0) in_flight_.erase(product);
  }
}

int ProductAdmission::InFlight(int64_t product_id) {
  absl::MutexLock lock(&mu_);
  auto it = in_flight_.find(product_id);
  return it == in_flight_.end() ? 0 : it->second;
}

}  // namespace order_saga::coordinator
