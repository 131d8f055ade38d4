// libFuzzer target: arbitrary bytes as a PlaceOrderRequest (and as page
// tokens) through the same parsing and validation the servers run. Checks that
// validation never crashes, that everything it accepts is within the
// documented limits, and that every refusal names a field.
//
//   scripts/test --fuzz   (builds with clang in build-fuzz/ and runs it)
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <set>
#include <string>

#include "absl/strings/match.h"
#include "common/page_token.h"
#include "common/proto_conversion.h"
#include "common/request_validation.h"
#include "utf8_field_traits.h"
#include "saga/v1/saga.pb.h"

namespace {

void Require(bool condition) {
  if (!condition) std::abort();
}

bool NamesAField(const absl::Status& status) {
  for (const char* field : {"request_id:", "customer_id:", "items", "shipping_address."}) {
    if (absl::StartsWith(status.message(), field)) return true;
  }
  return false;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string bytes(reinterpret_cast<const char*>(data), size);

  // Page tokens are client-controlled strings.
  absl::StatusOr<int64_t> key = order_saga::DecodePageToken(bytes);
  Require(key.ok() ? *key >= 0 : absl::StartsWith(key.status().message(), "page_token:"));
  if (key.ok() && !bytes.empty()) {
    Require(order_saga::DecodePageToken(order_saga::EncodePageToken(*key)).value() == *key);
  }
  absl::StatusOr<std::string> string_key = order_saga::DecodeKeyPageToken(bytes);
  Require(string_key.ok() || absl::StartsWith(string_key.status().message(), "page_token:"));

  // The walker that names a field with invalid UTF-8 reads any bytes, and
  // finds nothing in a message protobuf accepts.
  const std::string bad_field =
      order_saga::FirstInvalidUtf8Field(bytes, *saga::v1::PlaceOrderRequest::descriptor());
  saga::v1::PlaceOrderRequest request;
  if (!request.ParseFromString(bytes)) return 0;  // gRPC refuses it before us
  Require(bad_field.empty());
  const std::vector<order_saga::LineItem> items =
      order_saga::LineItemsFromProto(request.items());
  const absl::Status status = order_saga::ValidateNewOrder(
      request.request_id(), request.customer_id(), items,
      order_saga::ShippingAddressFromProto(request.shipping_address()));
  if (!status.ok()) {
    Require(absl::IsInvalidArgument(status));
    Require(NamesAField(status));
    return 0;
  }
  Require(!request.request_id().empty() &&
          request.request_id().size() <= order_saga::kMaxIdBytes);
  Require(!items.empty() && items.size() <= static_cast<size_t>(order_saga::kMaxLineItems));
  std::set<int64_t> products;
  for (const order_saga::LineItem& item : items) {
    Require(item.product_id > 0);
    Require(item.quantity >= 1 && item.quantity <= order_saga::kMaxQuantity);
    Require(products.insert(item.product_id).second);
  }
  return 0;
}
