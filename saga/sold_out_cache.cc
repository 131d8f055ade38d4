#include "saga/sold_out_cache.h"

#include <algorithm>

namespace order_saga::coordinator {

void SoldOutCache::Observe(const std::vector<LineItem>& items,
                           const std::vector<int64_t>& sold_out, absl::Time now) {
  absl::MutexLock lock(&mu_);
  for (const LineItem& item : items) {
    if (std::find(sold_out.begin(), sold_out.end(), item.product_id) != sold_out.end()) {
      seen_[item.product_id] = now;
    } else {
      seen_.erase(item.product_id);
    }
  }
}

std::optional<int64_t> SoldOutCache::FirstSoldOut(const std::vector<LineItem>& items,
                                                  absl::Time now) const {
  absl::ReaderMutexLock lock(&mu_);
  if (seen_.empty()) return std::nullopt;
  for (const LineItem& item : items) {
    auto it = seen_.find(item.product_id);
    if (it != seen_.end() && now < it->second + ttl_) return item.product_id;
  }
  return std::nullopt;
}

bool SoldOutCache::NeedsRecheck(int64_t product_id, absl::Time now) const {
  absl::ReaderMutexLock lock(&mu_);
  auto it = seen_.find(product_id);
  return it == seen_.end() || now >= it->second + recheck_after_;
}

}  // namespace order_saga::coordinator
