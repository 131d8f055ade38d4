// Products recently reported sold out, so that orders for them are turned
// away at the door without touching a database. Fed by Reserve answers and by
// re-checks of the inventory: an entry older than `recheck_after` is only a
// hint that the caller confirms with the inventory (a restock made directly
// on the inventory service is noticed that fast); entries expire after `ttl`.
// Thread-safe.
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
  SoldOutCache(absl::Duration ttl, absl::Duration recheck_after)
      : ttl_(ttl), recheck_after_(recheck_after) {}

  // Records what a Reserve answer said about `items`: the products in
  // `sold_out` are sold out as of `now`; the others are not.
  void Observe(const std::vector<LineItem>& items,
               const std::vector<int64_t>& sold_out, absl::Time now);

  // The first product of `items` known sold out at `now`, if any.
  std::optional<int64_t> FirstSoldOut(const std::vector<LineItem>& items,
                                      absl::Time now) const;

  // True if what the cache says of `product_id` is older than recheck_after.
  bool NeedsRecheck(int64_t product_id, absl::Time now) const;

 private:
  const absl::Duration ttl_;
  const absl::Duration recheck_after_;
  mutable absl::Mutex mu_;
  // product id -> when it was last seen sold out.
  absl::flat_hash_map<int64_t, absl::Time> seen_ ABSL_GUARDED_BY(mu_);
};

}  // namespace order_saga::coordinator
