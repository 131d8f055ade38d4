// InventoryRepository in memory, for unit tests of the layers above storage.
// Same contract as MysqlInventoryRepository (the typed suite checks both).
#pragma once

#include <map>

#include "absl/synchronization/mutex.h"
#include "inventory_service/inventory_repository.h"

namespace order_saga::inventory {

class InMemoryInventoryRepository final : public InventoryRepository {
 public:
  absl::StatusOr<ReservationResult> Reserve(
      const std::string& order_id, const std::vector<LineItem>& items) override;
  absl::StatusOr<ReleaseResult> Release(const std::string& order_id) override;
  absl::StatusOr<Product> GetProduct(int64_t product_id) override;
  absl::StatusOr<std::vector<Product>> ListProducts(int64_t after_product_id,
                                                    int limit) override;
  absl::StatusOr<Product> UpsertProduct(const Product& product) override;
  absl::StatusOr<std::vector<Reservation>> ListReservations(
      const std::string& after_order_id, int limit,
      std::optional<ReservationOutcome> outcome) override;
  absl::StatusOr<Reservation> GetReservation(const std::string& order_id) override;
  absl::StatusOr<int64_t> DeleteFinishedReservationsBefore(absl::Time cutoff,
                                                           int limit) override;

 private:
  enum class State { kReserved, kOutOfStock, kUnknownProduct, kReleased, kTombstone };
  struct Record {
    State state;
    std::string detail;
    std::vector<LineItem> items;
    absl::Time create_time = absl::Now();
    absl::Time update_time = create_time;
  };
  static ReservationOutcome OutcomeOf(State state);

  absl::Mutex mu_;
  std::map<int64_t, Product> products_ ABSL_GUARDED_BY(mu_);
  std::map<std::string, Record> reservations_ ABSL_GUARDED_BY(mu_);
};

}  // namespace order_saga::inventory
