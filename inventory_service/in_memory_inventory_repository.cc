#include "inventory_service/in_memory_inventory_repository.h"

#include <optional>

#include "absl/strings/str_cat.h"
#include "inventory_service/reservation_decision.h"

namespace order_saga::inventory {

absl::StatusOr<ReservationResult> InMemoryInventoryRepository::Reserve(
    const std::string& order_id, const std::vector<LineItem>& items) {
  absl::MutexLock lock(&mu_);
  ReservationResult result;
  if (auto it = reservations_.find(order_id); it != reservations_.end()) {
    switch (it->second.state) {
      case State::kReserved: result.outcome = ReservationOutcome::kReserved; break;
      case State::kOutOfStock: result.outcome = ReservationOutcome::kOutOfStock; break;
      case State::kUnknownProduct:
        result.outcome = ReservationOutcome::kUnknownProduct;
        break;
      case State::kReleased:
      case State::kTombstone: result.outcome = ReservationOutcome::kReleased; break;
    }
    result.detail = absl::StrCat("recorded earlier: ", it->second.detail);
    return result;
  }
  std::vector<std::optional<int64_t>> stock;
  for (const LineItem& item : items) {
    auto product = products_.find(item.product_id);
    stock.push_back(product == products_.end()
                        ? std::nullopt
                        : std::optional<int64_t>(product->second.stock));
  }
  ReservationDecision decision = DecideReservation(items, stock);
  Reservation reservation{State::kReserved, decision.detail, {}};
  switch (decision.outcome) {
    case ReservationOutcome::kReserved:
      for (const LineItem& item : items) {
        Product& product = products_[item.product_id];
        product.stock -= item.quantity;
        product.status = StatusForStock(product.stock);
      }
      reservation.items = items;
      break;
    case ReservationOutcome::kOutOfStock: reservation.state = State::kOutOfStock; break;
    default: reservation.state = State::kUnknownProduct; break;
  }
  reservations_.emplace(order_id, std::move(reservation));
  result.outcome = decision.outcome;
  result.detail = decision.detail;
  result.sold_out_product_ids = decision.sold_out_product_ids;
  return result;
}

absl::StatusOr<ReleaseResult> InMemoryInventoryRepository::Release(
    const std::string& order_id) {
  absl::MutexLock lock(&mu_);
  auto [it, inserted] = reservations_.try_emplace(
      order_id, Reservation{State::kTombstone, "released before any reservation", {}});
  if (inserted) return ReleaseResult{false, "nothing was reserved; tombstone recorded"};
  if (it->second.state != State::kReserved) return ReleaseResult{false, "nothing held"};
  for (const LineItem& item : it->second.items) {
    Product& product = products_[item.product_id];
    product.stock += item.quantity;
    product.status = StatusForStock(product.stock);
  }
  it->second.state = State::kReleased;
  it->second.detail = "released";
  return ReleaseResult{true, "stock returned"};
}

absl::StatusOr<Product> InMemoryInventoryRepository::GetProduct(int64_t product_id) {
  absl::MutexLock lock(&mu_);
  auto it = products_.find(product_id);
  if (it == products_.end()) {
    return absl::NotFoundError(absl::StrCat("product_id: product ", product_id,
                                            " does not exist"));
  }
  return it->second;
}

absl::StatusOr<std::vector<Product>> InMemoryInventoryRepository::ListProducts(
    int64_t after_product_id, int limit) {
  absl::MutexLock lock(&mu_);
  std::vector<Product> products;
  for (auto it = products_.upper_bound(after_product_id);
       it != products_.end() && static_cast<int>(products.size()) < limit; ++it) {
    products.push_back(it->second);
  }
  return products;
}

absl::StatusOr<Product> InMemoryInventoryRepository::UpsertProduct(
    const Product& product) {
  absl::MutexLock lock(&mu_);
  Product& stored = products_[product.product_id];
  stored = product;
  stored.status = StatusForStock(product.stock);
  return stored;
}

}  // namespace order_saga::inventory
