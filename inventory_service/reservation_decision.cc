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

std::vector<ReservationDecision> DecideReservations(
    const std::vector<const ReserveRequest*>& requests,
    std::map<int64_t, int64_t>& stock) {
  std::vector<ReservationDecision> decisions;
  decisions.reserve(requests.size());
  for (const ReserveRequest* request : requests) {
    std::vector<std::optional<int64_t>> available;
    available.reserve(request->items.size());
    for (const LineItem& item : request->items) {
      auto it = stock.find(item.product_id);
      available.push_back(it == stock.end() ? std::nullopt
                                            : std::optional<int64_t>(it->second));
    }
    decisions.push_back(DecideReservation(request->items, available));
    if (decisions.back().outcome == ReservationOutcome::kReserved) {
      for (const LineItem& item : request->items) stock[item.product_id] -= item.quantity;
    }
  }
  for (size_t i = 0; i < requests.size(); ++i) {
    decisions[i].sold_out_product_ids.clear();
    for (const LineItem& item : requests[i]->items) {
      auto it = stock.find(item.product_id);
      if (it != stock.end() && it->second == 0) {
        decisions[i].sold_out_product_ids.push_back(item.product_id);
      }
    }
  }
  return decisions;
}

}  // namespace order_saga::inventory
