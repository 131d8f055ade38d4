#include "common/order_types.h"

#include <algorithm>

namespace order_saga {

absl::string_view OrderStatusName(OrderStatus status) {
  switch (status) {
    case OrderStatus::kPending: return "PENDING";
    case OrderStatus::kApproved: return "APPROVED";
    case OrderStatus::kRejected: return "REJECTED";
  }
  return "PENDING";
}

absl::string_view RejectReasonName(RejectReason reason) {
  switch (reason) {
    case RejectReason::kNone: return "";
    case RejectReason::kSoldOut: return "SOLD_OUT";
    case RejectReason::kOutOfStock: return "OUT_OF_STOCK";
    case RejectReason::kUnknownProduct: return "UNKNOWN_PRODUCT";
    case RejectReason::kInventoryUnavailable: return "INVENTORY_UNAVAILABLE";
    case RejectReason::kRejectedByOperator: return "REJECTED_BY_OPERATOR";
  }
  return "";
}

bool ParseOrderStatus(absl::string_view name, OrderStatus* status) {
  for (OrderStatus s : {OrderStatus::kPending, OrderStatus::kApproved,
                        OrderStatus::kRejected}) {
    if (OrderStatusName(s) == name) {
      *status = s;
      return true;
    }
  }
  return false;
}

bool ParseRejectReason(absl::string_view name, RejectReason* reason) {
  for (RejectReason r :
       {RejectReason::kNone, RejectReason::kSoldOut, RejectReason::kOutOfStock,
        RejectReason::kUnknownProduct, RejectReason::kInventoryUnavailable,
        RejectReason::kRejectedByOperator}) {
    if (RejectReasonName(r) == name) {
      *reason = r;
      return true;
    }
  }
  return false;
}

std::vector<LineItem> SortedByProductId(std::vector<LineItem> items) {
  std::sort(items.begin(), items.end(),
            [](const LineItem& a, const LineItem& b) {
              return a.product_id < b.product_id;
            });
  return items;
}

}  // namespace order_saga
