// Storage of products and reservations, behind the role it plays.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "common/order_types.h"
#include "inventory_service/inventory_types.h"

namespace order_saga::inventory {

// Implementations: MysqlInventoryRepository (production) and
// InMemoryInventoryRepository (unit tests); one typed test suite runs
// against both. All methods are thread-safe. Inputs are already validated.
class InventoryRepository {
 public:
  virtual ~InventoryRepository() = default;

  // Atomically reserves every item of `items` (sorted by ascending product
  // id, each product once) for `order_id`, or nothing, and records the
  // outcome under `order_id`. If an outcome is already recorded, returns it
  // and changes nothing (a tombstone reads as kReleased).
  virtual absl::StatusOr<ReservationResult> Reserve(
      const std::string& order_id, const std::vector<LineItem>& items) = 0;

  // Reserve for several orders at once: in one transaction where the
  // storage can, with the same result for each order as calling Reserve for
  // each in the given order (all or nothing per order, outcome recorded
  // under its order id, a recorded outcome returned unchanged), except that
  // sold_out_product_ids may also name products that later orders of the
  // batch sold out. One result per request, in order. The default calls
  // Reserve for each.
  virtual std::vector<absl::StatusOr<ReservationResult>> ReserveBatch(
      const std::vector<const ReserveRequest*>& requests) {
    std::vector<absl::StatusOr<ReservationResult>> results;
    results.reserve(requests.size());
    for (const ReserveRequest* request : requests) {
      results.push_back(Reserve(request->order_id, request->items));
    }
    return results;
  }

  // Gives back what `order_id` holds, at most once. Records a tombstone if
  // nothing was recorded for it yet.
  virtual absl::StatusOr<ReleaseResult> Release(const std::string& order_id) = 0;

  // NOT_FOUND if there is no such product.
  virtual absl::StatusOr<Product> GetProduct(int64_t product_id) = 0;

  // Up to `limit` products with id > `after_product_id`, ascending.
  virtual absl::StatusOr<std::vector<Product>> ListProducts(
      int64_t after_product_id, int limit) = 0;

  // Creates the product or sets its name, price and stock; status follows
  // stock; the version goes up by one. With product.version set, only if the
  // stored version is that one: ABORTED if it is another, NOT_FOUND if there
  // is no such product (nothing written either way). Returns the stored
  // product.
  virtual absl::StatusOr<Product> UpsertProduct(const Product& product) = 0;

  // Up to `limit` reservations with order id > `after_order_id`, ascending,
  // with their items; only those with `outcome` if it is set.
  virtual absl::StatusOr<std::vector<Reservation>> ListReservations(
      const std::string& after_order_id, int limit,
      std::optional<ReservationOutcome> outcome) = 0;

  // What is recorded for `order_id`, with its items and times. NOT_FOUND
  // if nothing is.
  virtual absl::StatusOr<Reservation> GetReservation(const std::string& order_id) = 0;

  // Retention (docs/OPERATIONS.md): deletes at most `limit` records that
  // hold nothing (released, tombstones, refusals) and last changed before
  // `cutoff`, with their items, in one short transaction; returns how
  // many. Held reservations are never deleted.
  virtual absl::StatusOr<int64_t> DeleteFinishedReservationsBefore(absl::Time cutoff,
                                                                   int limit) = 0;
};

}  // namespace order_saga::inventory
