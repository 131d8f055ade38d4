#include "common/request_validation.h"

#include "absl/container/flat_hash_set.h"
#include "absl/strings/str_cat.h"
#include "common/status_macros.h"

namespace order_saga {

absl::Status ValidateLineItems(const std::vector<LineItem>& items,
                               absl::string_view field) {
  if (items.empty()) {
    return absl::InvalidArgumentError(
        absl::StrCat(field, ": at least one line item is required"));
  }
  if (items.size() > static_cast<size_t>(kMaxLineItems)) {
    return absl::InvalidArgumentError(
        absl::StrCat(field, ": at most ", kMaxLineItems,
                     " line items are allowed, got ", items.size()));
  }
  absl::flat_hash_set<int64_t> seen;
  for (size_t i = 0; i < items.size(); ++i) {
    const LineItem& item = items[i];
    if (item.product_id <= 0) {
      return absl::InvalidArgumentError(
          absl::StrCat(field, "[", i, "].product_id: must be > 0, got ",
                       item.product_id));
    }
    if (item.quantity <= 0 || item.quantity > kMaxQuantity) {
      return absl::InvalidArgumentError(
          absl::StrCat(field, "[", i, "].quantity: must be between 1 and ",
                       kMaxQuantity, ", got ", item.quantity));
    }
    if (!seen.insert(item.product_id).second) {
      return absl::InvalidArgumentError(
          absl::StrCat(field, "[", i, "].product_id: product ",
                       item.product_id,
                       " is listed twice; put the total quantity on one line"));
    }
  }
  return absl::OkStatus();
}

absl::Status ValidateText(absl::string_view value, absl::string_view field,
                          size_t max_bytes, bool required) {
  if (required && value.empty()) {
    return absl::InvalidArgumentError(absl::StrCat(field, ": is required"));
  }
  if (value.size() > max_bytes) {
    return absl::InvalidArgumentError(
        absl::StrCat(field, ": at most ", max_bytes, " bytes, got ",
                     value.size()));
  }
  return absl::OkStatus();
}

absl::Status ValidateShippingAddress(const ShippingAddress& address,
                                     absl::string_view field) {
  const std::pair<absl::string_view, const std::string*> fields[] = {
      {"recipient", &address.recipient}, {"phone", &address.phone},
      {"zip_code", &address.zip_code},   {"line1", &address.line1},
      {"line2", &address.line2}};
  for (const auto& [name, value] : fields) {
    RETURN_IF_ERROR(ValidateText(*value, absl::StrCat(field, ".", name),
                                 kMaxAddressFieldBytes, false));
  }
  return absl::OkStatus();
}

absl::Status ValidateNewOrder(absl::string_view request_id,
                              absl::string_view customer_id,
                              const std::vector<LineItem>& items,
                              const ShippingAddress& address) {
  RETURN_IF_ERROR(ValidateText(request_id, "request_id", kMaxIdBytes, true));
  RETURN_IF_ERROR(ValidateText(customer_id, "customer_id", kMaxIdBytes, false));
  RETURN_IF_ERROR(ValidateLineItems(items));
  return ValidateShippingAddress(address);
}

absl::Status ValidateBatchSize(int entries) {
  if (entries > kMaxBatchEntries) {
    return absl::InvalidArgumentError(absl::StrCat("requests: at most ", kMaxBatchEntries,
                                                   " entries, got ", entries));
  }
  return absl::OkStatus();
}

absl::Status ValidateOrderId(absl::string_view order_id) {
  return ValidateText(order_id, "order_id", kMaxOrderIdBytes, true);
}

std::string TruncateUtf8(absl::string_view text, size_t max_bytes) {
  if (text.size() <= max_bytes) return std::string(text);
  size_t end = max_bytes;
  // Back off continuation bytes (10xxxxxx) to the start of the character
  // that does not fit.
  while (end > 0 && (static_cast<unsigned char>(text[end]) & 0xC0) == 0x80) --end;
  return std::string(text.substr(0, end));
}

}  // namespace order_saga
