#include "inventory_service/in_memory_inventory_repository.h"

#include <optional>

#include "absl/strings/str_cat.h"
#include "common/status_macros.h"
#include "inventory_service/product_version.h"
#include "inventory_service/reservation_decision.h"

namespace order_saga::inventory {

ReservationOutcome InMemoryInventoryRepository::OutcomeOf(State state) {
  switch (state) {
    case State::kReserved: return ReservationOutcome::kReserved;
    case State::kOutOfStock: return ReservationOutcome::kOutOfStock;
    case State::kUnknownProduct: return ReservationOutcome::kUnknownProduct;
    case State::kReleased:
    case State::kTombstone: break;
  }
  return ReservationOutcome::kReleased;
}

absl::StatusOr<ReservationResult> InMemoryInventoryRepository::Reserve(
    const std::string& order_id, const std::vector<LineItem>& items) {
  absl::MutexLock lock(&mu_);
  ReservationResult result;
  if (auto it = reservations_.find(order_id); it != reservations_.end()) {
    result.outcome = OutcomeOf(it->second.state);
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
  Record reservation{State::kReserved, decision.detail, {}};
  switch (decision.outcome) {
    case ReservationOutcome::kReserved:
      for (const LineItem& item : items) {
        Product& product = products_[item.product_id];
        product.stock -= item.quantity;
        product.status = StatusForStock(product.stock);
        ++product.version;
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
      order_id, Record{State::kTombstone, "released before any reservation", {}});
  if (inserted) return ReleaseResult{false, "nothing was reserved; tombstone recorded"};
  if (it->second.state != State::kReserved) return ReleaseResult{false, "nothing held"};
  for (const LineItem& item : it->second.items) {
    Product& product = products_[item.product_id];
    product.stock += item.quantity;
    product.status = StatusForStock(product.stock);
    ++product.version;
  }
  it->second.state = State::kReleased;
  it->second.detail = "released";
  it->second.update_time = absl::Now();
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
  auto it = products_.find(product.product_id);
  if (product.version != 0) {
    RETURN_IF_ERROR(CheckExpectedVersion(product, it == products_.end()
                                                      ? std::nullopt
                                                      : std::optional<int64_t>(it->second.version)));
  }
  Product& stored = products_[product.product_id];
  const int64_t supplied = stored.supplied + product.stock - stored.stock;
  const int64_t version = stored.version + 1;
  stored = product;
  stored.supplied = supplied;
  stored.version = version;
  stored.status = StatusForStock(product.stock);
  return stored;
}

absl::StatusOr<std::vector<Reservation>> InMemoryInventoryRepository::ListReservations(
    const std::string& after_order_id, int limit,
    std::optional<ReservationOutcome> outcome) {
  absl::MutexLock lock(&mu_);
  std::vector<Reservation> reservations;
  for (auto it = reservations_.upper_bound(after_order_id);
       it != reservations_.end() && static_cast<int>(reservations.size()) < limit;
       ++it) {
    const ReservationOutcome recorded = OutcomeOf(it->second.state);
    if (outcome.has_value() && *outcome != recorded) continue;
    reservations.push_back({it->first, recorded, it->second.items});
  }
  return reservations;
}

absl::StatusOr<Reservation> InMemoryInventoryRepository::GetReservation(
    const std::string& order_id) {
  absl::MutexLock lock(&mu_);
  auto it = reservations_.find(order_id);
  if (it == reservations_.end()) {
    return absl::NotFoundError(
        absl::StrCat("order_id: nothing is recorded for order '", order_id, "'"));
  }
  const Record& record = it->second;
  return Reservation{order_id,           OutcomeOf(record.state), record.items,
                     record.detail,      record.state == State::kTombstone,
                     record.create_time, record.update_time};
}

absl::StatusOr<int64_t> InMemoryInventoryRepository::DeleteFinishedReservationsBefore(
    absl::Time cutoff, int limit) {
  absl::MutexLock lock(&mu_);
  int64_t deleted = 0;
  for (auto it = reservations_.begin(); it != reservations_.end() && deleted < limit;) {
    if (it->second.state != State::kReserved && it->second.update_time < cutoff) {
      it = reservations_.erase(it);
      ++deleted;
    } else {
      ++it;
    }
  }
  return deleted;
}

}  // namespace order_saga::inventory
