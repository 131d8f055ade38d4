// Domain vocabulary that the saga and the services share: line items,
// addresses, order status and reject reasons. Free of protobuf.
#pragma once

#include <cstdint>
#include <string>
#include "absl/strings/string_view.h"
#include <vector>

namespace order_saga {

struct LineItem {
  int64_t product_id = 0;
  int32_t quantity = 0;
  friend bool operator==(const LineItem& a, const LineItem& b) {
    return a.product_id == b.product_id && a.quantity == b.quantity;
  }
};

struct ShippingAddress {
  std::string recipient;
  std::string phone;
  std::string zip_code;
  std::string line1;
  std::string line2;
  friend bool operator==(const ShippingAddress& a, const ShippingAddress& b) {
    return a.recipient == b.recipient && a.phone == b.phone &&
           a.zip_code == b.zip_code && a.line1 == b.line1 && a.line2 == b.line2;
  }
};

enum class OrderStatus { kPending, kApproved, kRejected };

enum class RejectReason {
  kNone,
  kSoldOut,
  kOutOfStock,
  kUnknownProduct,
  kInventoryUnavailable,
  kRejectedByOperator,
};

// Stable names, as stored in MySQL and written in logs ("APPROVED").
absl::string_view OrderStatusName(OrderStatus status);
absl::string_view RejectReasonName(RejectReason reason);
// Inverse of the above; false if `name` is not one of them.
bool ParseOrderStatus(absl::string_view name, OrderStatus* status);
bool ParseRejectReason(absl::string_view name, RejectReason* reason);

// Items sorted by ascending product id (the lock order).
std::vector<LineItem> SortedByProductId(std::vector<LineItem> items);

}  // namespace order_saga
