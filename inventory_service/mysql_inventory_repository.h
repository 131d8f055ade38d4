// InventoryRepository on MySQL/MariaDB (schema inventory_service/schema/).
// The only file with SQL for the inventory service.
#pragma once

#include <atomic>
#include <functional>

#include "common/mysql/mysql_transaction_runner.h"
#include "inventory_service/inventory_repository.h"

namespace order_saga::inventory {

class MysqlInventoryRepository final : public InventoryRepository {
 public:
  // Called, after the commit, once per product a reservation took to zero
  // stock (a stock-out event; metrics and logs).
  using StockOutObserver = std::function<void(int64_t product_id)>;

  // `runner` must outlive the repository.
  explicit MysqlInventoryRepository(MysqlTransactionRunner& runner,
                                    StockOutObserver on_stock_out = nullptr)
      : runner_(runner), on_stock_out_(std::move(on_stock_out)) {}

  absl::StatusOr<ReservationResult> Reserve(
      const std::string& order_id, const std::vector<LineItem>& items) override;
  // One transaction for the whole batch: a few multi-row statements and one
  // commit whatever its size. If an order of the batch already has a
  // recorded outcome, or the batch fails with an error that is not about
  // the database being unreachable or busy, nothing of it is written and
  // its orders are reserved one by one (counted by split_batches()).
  std::vector<absl::StatusOr<ReservationResult>> ReserveBatch(
      const std::vector<const ReserveRequest*>& requests) override;
  // Batches that fell back to one order at a time.
  int64_t split_batches() const { return split_batches_.load(std::memory_order_relaxed); }

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
  // Reserve as call `call_id` (a Reserve, or the fallback of a batch): the
  // barrier row records it, so a rerun after a lost COMMIT finds its own
  // outcome and answers it as the first run would have.
  absl::StatusOr<ReservationResult> ReserveOne(const std::string& order_id,
                                               const std::vector<LineItem>& items,
                                               const std::string& call_id);
  void ReportStockOuts(const std::vector<int64_t>& product_ids) const;

  MysqlTransactionRunner& runner_;
  const StockOutObserver on_stock_out_;
  std::atomic<int64_t> split_batches_{0};
};

}  // namespace order_saga::inventory
