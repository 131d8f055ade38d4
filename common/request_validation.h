// Input rules shared by every entry point that accepts an order's content.
// Each failure is INVALID_ARGUMENT whose message starts with the field path
// ("items[2].quantity: ...").
#pragma once

#include "absl/strings/string_view.h"
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "common/order_types.h"

namespace order_saga {

inline constexpr int kMaxLineItems = 100;
inline constexpr int32_t kMaxQuantity = 1000;
inline constexpr size_t kMaxIdBytes = 128;
inline constexpr size_t kMaxOrderIdBytes = 64;
inline constexpr size_t kMaxAddressFieldBytes = 256;
inline constexpr size_t kMaxDetailBytes = 1024;
inline constexpr int kMaxBatchEntries = 1000;

// 1..kMaxLineItems items, product_id > 0, 1 <= quantity <= kMaxQuantity, no
// product twice. `field` is the name of the repeated field ("items").
absl::Status ValidateLineItems(const std::vector<LineItem>& items,
                               absl::string_view field = "items");

// Text of at most `max_bytes` bytes; non-empty when `required`.
absl::Status ValidateText(absl::string_view value, absl::string_view field,
                          size_t max_bytes, bool required);

// `text` cut to at most `max_bytes` bytes without splitting a UTF-8
// character (a cut inside one would make the message unsendable: protobuf
// refuses invalid UTF-8 in string fields).
std::string TruncateUtf8(absl::string_view text, size_t max_bytes);

// An order id: required, at most kMaxOrderIdBytes; the field is "order_id".
absl::Status ValidateOrderId(absl::string_view order_id);

// Each address field at most kMaxAddressFieldBytes.
absl::Status ValidateShippingAddress(const ShippingAddress& address,
                                     absl::string_view field = "shipping_address");

// request_id (required), customer_id, items and shipping_address of a new
// order.
absl::Status ValidateNewOrder(absl::string_view request_id,
                              absl::string_view customer_id,
                              const std::vector<LineItem>& items,
                              const ShippingAddress& address);

// A batch call's `requests`: at most kMaxBatchEntries entries.
absl::Status ValidateBatchSize(int entries);

}  // namespace order_saga
