#include "inventory_service/reservation_decision.h"

#include "absl/strings/str_cat.h"

namespace order_saga::inventory {

absl::string_view ProductStatusName(ProductStatus status) {
  return status == ProductStatus::kOnSale ? "ON_SALE" : "SOLD_OUT";
}

ReservationDecision DecideReservation(
    const std::vector<LineItem>& items,
    const std::vector<std::optional<int64_t>>& stock) {
  ReservationDecision decision{ReservationOutcome::kReserved, "", {}};
  for (size_t i = 0; i < items.size(); ++i) {
    if (!stock[i].has_value()) {
      return {ReservationOutcome::kUnknownProduct,
              absl::StrCat("product ", items[i].product_id, " does not exist"),
              {}};
    }
  }
  for (size_t i = 0; i < items.size(); ++i) {
    if (*stock[i] < items[i].quantity &&
        decision.outcome == ReservationOutcome::kReserved) {
      decision.outcome = ReservationOutcome::kOutOfStock;
      decision.detail =
          absl::StrCat("product ", items[i].product_id, " has ", *stock[i],
                       " in stock, ", items[i].quantity, " wanted");
    }
  }
  for (size_t i = 0; i < items.size(); ++i) {
    const int64_t left = decision.outcome == ReservationOutcome::kReserved
                             ? *stock[i] - items[i].quantity
                             : *stock[i];
    if (left == 0) decision.sold_out_product_ids.push_back(items[i].product_id);
  }
  if (decision.outcome == ReservationOutcome::kReserved) {
    decision.detail = "reserved";
  }
  return decision;
}

}  // namespace order_saga::inventory
