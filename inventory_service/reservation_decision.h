// The stock rule of a reservation, as a pure function: both repositories
// lock the rows, read the stock, and apply what this decides.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "common/order_types.h"
#include "inventory_service/inventory_types.h"

namespace order_saga::inventory {

struct ReservationDecision {
  // kReserved, kOutOfStock or kUnknownProduct.
  ReservationOutcome outcome;
  // Names the first product that failed, for the caller.
  std::string detail;
  // Products with no stock left once the decision is applied.
  std::vector<int64_t> sold_out_product_ids;
};

// `stock[i]` is the current stock of `items[i].product_id`, or nullopt if the
// product does not exist. All or nothing: kReserved only if every item fits.
ReservationDecision DecideReservation(
    const std::vector<LineItem>& items,
    const std::vector<std::optional<int64_t>>& stock);

// Decides `requests` one after another against `stock` (units per product
// id; a product missing from it does not exist), taking from `stock` what
// each reserved order takes. Each decision's sold_out_product_ids are the
// request's products left at 0 once all of them are applied.
std::vector<ReservationDecision> DecideReservations(
    const std::vector<const ReserveRequest*>& requests,
    std::map<int64_t, int64_t>& stock);

}  // namespace order_saga::inventory
