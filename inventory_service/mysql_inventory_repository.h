// InventoryRepository on MySQL/MariaDB (schema inventory_service/schema/).
// The only file with SQL for the inventory service.
#pragma once

#include "common/mysql/mysql_transaction_runner.h"
#include "inventory_service/inventory_repository.h"

namespace order_saga::inventory {

class MysqlInventoryRepository final : public InventoryRepository {
 public:
  // `runner` must outlive the repository.
  explicit MysqlInventoryRepository(MysqlTransactionRunner& runner)
      : runner_(runner) {}

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

 private:
  MysqlTransactionRunner& runner_;
};

}  // namespace order_saga::inventory
