// Request coalescing for hot products: an InventoryRepository decorator that
// hands concurrent Reserve calls to the wrapped repository's ReserveBatch
// together, so many orders share one transaction (one lock acquisition per
// product row and one commit) instead of queueing on the row lock one
// commit at a time. Each order keeps its own outcome, all or nothing, and
// idempotency (see InventoryRepository::ReserveBatch). Everything else is
// passed through. Thread-safe.
#pragma once

#include "common/request_batcher.h"
#include "inventory_service/inventory_repository.h"

namespace order_saga::inventory {

class CoalescingInventoryRepository final : public InventoryRepository {
 public:
  using Batcher = RequestBatcher<ReserveRequest, absl::StatusOr<ReservationResult>>;

  // `inner` must outlive this.
  CoalescingInventoryRepository(InventoryRepository& inner, BatchOptions options);

  // Waits for a batch slot (at once if one is free) and returns this order's
  // result from the batch it ran in.
  absl::StatusOr<ReservationResult> Reserve(const std::string& order_id,
                                            const std::vector<LineItem>& items) override;
  std::vector<absl::StatusOr<ReservationResult>> ReserveBatch(
      const std::vector<const ReserveRequest*>& requests) override {
    return inner_.ReserveBatch(requests);
  }
  absl::StatusOr<ReleaseResult> Release(const std::string& order_id) override {
    return inner_.Release(order_id);
  }
  absl::StatusOr<Product> GetProduct(int64_t product_id) override {
    return inner_.GetProduct(product_id);
  }
  absl::StatusOr<std::vector<Product>> ListProducts(int64_t after_product_id,
                                                    int limit) override {
    return inner_.ListProducts(after_product_id, limit);
  }
  absl::StatusOr<Product> UpsertProduct(const Product& product) override {
    return inner_.UpsertProduct(product);
  }
  absl::StatusOr<std::vector<Reservation>> ListReservations(
      const std::string& after_order_id, int limit,
      std::optional<ReservationOutcome> outcome) override {
    return inner_.ListReservations(after_order_id, limit, outcome);
  }
  absl::StatusOr<Reservation> GetReservation(const std::string& order_id) override {
    return inner_.GetReservation(order_id);
  }
  absl::StatusOr<int64_t> DeleteFinishedReservationsBefore(absl::Time cutoff,
                                                           int limit) override {
    return inner_.DeleteFinishedReservationsBefore(cutoff, limit);
  }

  // Batches run so far and the reservations they carried.
  Batcher::Counts counts() { return batcher_.counts(); }

 private:
  InventoryRepository& inner_;
  Batcher batcher_;
};

}  // namespace order_saga::inventory
