// Products recently reported sold out, so that orders for them are turned
// away at the door without touching a database. Fed by Reserve answers;
// entries expire after a short TTL so a restock is noticed. Thread-safe.
#pragma once

#include <cstdint>
#include <optional>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "common/order_types.h"

namespace order_saga::coordinator {

class SoldOutCache {
 public:
  explicit SoldOutCache(absl::Duration ttl) : ttl_(ttl) {}

  // Records what a Reserve answer said about `items`: the products in
  // `sold_out` are sold out as of `now`; the others are not.
  void Observe(const std::vector<LineItem>& items,
               const std::vector<int64_t>& sold_out, absl::Time now);

  // The first product of `items` known sold out at `now`, if any.
  std::optional<int64_t> FirstSoldOut(const std::vector<LineItem>& items,
                                      absl::Time now) const;

 private:
  const absl::Duration ttl_;
  mutable absl::Mutex mu_;
  // product id -> when the entry expires.
  absl::flat_hash_map<int64_t, absl::Time> expiry_ ABSL_GUARDED_BY(mu_);
};

}  // namespace order_saga::coordinator
