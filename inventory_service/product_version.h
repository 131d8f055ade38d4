// The optimistic-concurrency rule of UpsertProduct, as a pure function that
// both repositories apply to the row they locked: a product's version goes
// up with every change of its row (an upsert, a reservation, a release), and
// an upsert that names a version replaces exactly that one.
#pragma once

#include <cstdint>
#include <optional>

#include "absl/status/status.h"
#include "inventory_service/inventory_types.h"

namespace order_saga::inventory {

// OK if `requested` (whose version is set, not 0) may replace a product
// stored at `stored_version` (nullopt: no such product). ABORTED naming
// `version` if the stored version is another (the product changed since the
// caller read it); NOT_FOUND naming `product_id` if there is no product.
absl::Status CheckExpectedVersion(const Product& requested,
                                  std::optional<int64_t> stored_version);

}  // namespace order_saga::inventory
