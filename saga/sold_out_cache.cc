#include "saga/sold_out_cache.h"

#include <algorithm>

namespace order_saga::coordinator {

void SoldOutCache::Observe(const std::vector<LineItem>& items,
                           const std::vector<int64_t>& sold_out, absl::Time now) {
  absl::MutexLock lock(&mu_);
  for (const LineItem& item : items) {
    if (std::find(sold_out.begin(), sold_out.end(), item.product_id) != sold_out.end()) {
      expiry_[item.product_id] = now + ttl_;
    } else {
      expiry_.erase(item.product_id);
    }
  }
}

std::optional<int64_t> SoldOutCache::FirstSoldOut(const std::vector<LineItem>& items,
                                                  absl::Time now) const {
  absl::ReaderMutexLock lock(&mu_);
  if (expiry_.empty()) return std::nullopt;
  for (const LineItem& item : items) {
    auto it = expiry_.find(item.product_id);
    if (it != expiry_.end() && it->second > now) return item.product_id;
  }
  return std::nullopt;
}

}  // namespace order_saga::coordinator
