#include "common/proto_conversion.h"

#include <google/protobuf/util/time_util.h>

namespace order_saga {

using google::protobuf::util::TimeUtil;

std::vector<LineItem> LineItemsFromProto(
    const google::protobuf::RepeatedPtrField<common::v1::LineItem>& items) {
  std::vector<LineItem> out;
  out.reserve(items.size());
  for (const common::v1::LineItem& item : items) {
    out.push_back({item.product_id(), item.quantity()});
  }
  return out;
}

void LineItemsToProto(
    const std::vector<LineItem>& items,
    google::protobuf::RepeatedPtrField<common::v1::LineItem>* out) {
  out->Clear();
  out->Reserve(static_cast<int>(items.size()));
  for (const LineItem& item : items) {
    common::v1::LineItem* proto = out->Add();
    proto->set_product_id(item.product_id);
    proto->set_quantity(item.quantity);
  }
}

ShippingAddress ShippingAddressFromProto(const common::v1::ShippingAddress& a) {
  return {a.recipient(), a.phone(), a.zip_code(), a.line1(), a.line2()};
}

void ShippingAddressToProto(const ShippingAddress& a,
                            common::v1::ShippingAddress* out) {
  out->set_recipient(a.recipient);
  out->set_phone(a.phone);
  out->set_zip_code(a.zip_code);
  out->set_line1(a.line1);
  out->set_line2(a.line2);
}

order::v1::OrderStatus OrderStatusToProto(OrderStatus status) {
  switch (status) {
    case OrderStatus::kPending: return order::v1::ORDER_STATUS_PENDING;
    case OrderStatus::kApproved: return order::v1::ORDER_STATUS_APPROVED;
    case OrderStatus::kRejected: return order::v1::ORDER_STATUS_REJECTED;
  }
  return order::v1::ORDER_STATUS_UNSPECIFIED;
}

order::v1::RejectReason RejectReasonToProto(RejectReason reason) {
  switch (reason) {
    case RejectReason::kNone: return order::v1::REJECT_REASON_UNSPECIFIED;
    case RejectReason::kSoldOut: return order::v1::REJECT_REASON_SOLD_OUT;
    case RejectReason::kOutOfStock: return order::v1::REJECT_REASON_OUT_OF_STOCK;
    case RejectReason::kUnknownProduct:
      return order::v1::REJECT_REASON_UNKNOWN_PRODUCT;
    case RejectReason::kInventoryUnavailable:
      return order::v1::REJECT_REASON_INVENTORY_UNAVAILABLE;
    case RejectReason::kRejectedByOperator:
      return order::v1::REJECT_REASON_REJECTED_BY_OPERATOR;
  }
  return order::v1::REJECT_REASON_UNSPECIFIED;
}

RejectReason RejectReasonFromProto(order::v1::RejectReason reason) {
  switch (reason) {
    case order::v1::REJECT_REASON_SOLD_OUT: return RejectReason::kSoldOut;
    case order::v1::REJECT_REASON_OUT_OF_STOCK: return RejectReason::kOutOfStock;
    case order::v1::REJECT_REASON_UNKNOWN_PRODUCT:
      return RejectReason::kUnknownProduct;
    case order::v1::REJECT_REASON_INVENTORY_UNAVAILABLE:
      return RejectReason::kInventoryUnavailable;
    case order::v1::REJECT_REASON_REJECTED_BY_OPERATOR:
      return RejectReason::kRejectedByOperator;
    default: return RejectReason::kNone;
  }
}

google::protobuf::Timestamp TimeToProto(absl::Time time) {
  return TimeUtil::MicrosecondsToTimestamp(absl::ToUnixMicros(time));
}

absl::Time TimeFromProto(const google::protobuf::Timestamp& timestamp) {
  // absl::Time holds any int64 of seconds: no overflow whatever a client
  // sends (protobuf's microsecond conversion would overflow).
  return absl::FromUnixSeconds(timestamp.seconds()) + absl::Nanoseconds(timestamp.nanos());
}

google::protobuf::Duration DurationToProto(absl::Duration duration) {
  return TimeUtil::MicrosecondsToDuration(absl::ToInt64Microseconds(duration));
}

absl::Duration DurationFromProto(const google::protobuf::Duration& duration) {
  return absl::Seconds(duration.seconds()) + absl::Nanoseconds(duration.nanos());
}

}  // namespace order_saga
