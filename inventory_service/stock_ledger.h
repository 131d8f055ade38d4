// The inventory service's rules above storage: input validation, lock order,
// paging. Thread-safe if the repository is.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "common/clock.h"
#include "common/order_types.h"
#include "inventory_service/inventory_repository.h"

namespace order_saga::inventory {

inline constexpr size_t kMaxProductNameChars = 255;
inline constexpr int64_t kMaxStock = 1'000'000'000'000;

struct ProductPage {
  std::vector<Product> products;
  std::string next_page_token;
};

struct ReservationPage {
  std::vector<Reservation> reservations;
  std::string next_page_token;
};

// How late Reserve requests are judged (ReserveRequest.not_after).
struct ReserveDeadlines {
  // A not_after further ahead than this is INVALID_ARGUMENT.
  absl::Duration limit = absl::Minutes(1);
  // The clocks of the caller and this server may differ by this much: a
  // request is late once now > not_after + skew.
  absl::Duration clock_skew = absl::Seconds(2);
};

class StockLedger {
 public:
  // `repository` and `clock` must outlive the ledger.
  StockLedger(InventoryRepository& repository, Clock& clock,
                       ReserveDeadlines deadlines = {})
      : repository_(repository), clock_(clock), deadlines_(deadlines) {}

  // INVALID_ARGUMENT naming the field for a bad order_id, items or
  // not_after; FAILED_PRECONDITION (nothing written) for a request that
  // arrives after its not_after for an order with no record; otherwise the
  // repository's recorded outcome (items are locked in ascending id).
  absl::StatusOr<ReservationResult> ReserveStock(
      const std::string& order_id, std::vector<LineItem> items,
      std::optional<absl::Time> not_after = std::nullopt);
  // ReserveStock for each request, in order, in one repository batch: one
  // result per request (a bad one gets its INVALID_ARGUMENT and takes no
  // part in the batch).
  std::vector<absl::StatusOr<ReservationResult>> ReserveStockBatch(
      std::vector<ReserveRequest> requests);
  absl::StatusOr<ReleaseResult> ReleaseReservation(const std::string& order_id);
  // INVALID_ARGUMENT for product_id <= 0; NOT_FOUND if unknown.
  absl::StatusOr<Product> GetProduct(int64_t product_id);
  absl::StatusOr<ProductPage> ListProducts(int32_t page_size,
                                           const std::string& page_token);
  // INVALID_ARGUMENT naming the field: product_id > 0, name 1..255
  // characters, price >= 0, 0 <= stock <= kMaxStock.
  absl::StatusOr<Product> UpsertProduct(const Product& product);
  // Reservations by ascending order id; only `outcome` ones if set.
  absl::StatusOr<ReservationPage> ListReservations(
      int32_t page_size, const std::string& page_token,
      std::optional<ReservationOutcome> outcome);
  // NOT_FOUND if nothing is recorded for `order_id`.
  absl::StatusOr<Reservation> GetReservation(const std::string& order_id);

 private:
  // OK if a Reserve with `not_after` may go to the repository now (on time,
  // or late for an order whose recorded outcome it will get back).
  absl::Status CheckNotAfter(const std::string& order_id,
                             std::optional<absl::Time> not_after);

  InventoryRepository& repository_;
  Clock& clock_;
  const ReserveDeadlines deadlines_;
};

}  // namespace order_saga::inventory
