// proto <-> domain for the shared vocabulary (common.v1 and the order.v1
// enums). Service-specific messages are converted in each service's adapter.
#pragma once

#include <vector>

#include <google/protobuf/duration.pb.h>
#include <google/protobuf/timestamp.pb.h>

#include "absl/time/time.h"
#include "common/order_types.h"
#include "common/v1/common.pb.h"
#include "google/protobuf/repeated_ptr_field.h"
#include "order/v1/order.pb.h"

namespace order_saga {

std::vector<LineItem> LineItemsFromProto(
    const google::protobuf::RepeatedPtrField<common::v1::LineItem>& items);
void LineItemsToProto(
    const std::vector<LineItem>& items,
    google::protobuf::RepeatedPtrField<common::v1::LineItem>* out);

ShippingAddress ShippingAddressFromProto(const common::v1::ShippingAddress& a);
void ShippingAddressToProto(const ShippingAddress& a,
                            common::v1::ShippingAddress* out);

order::v1::OrderStatus OrderStatusToProto(OrderStatus status);
order::v1::RejectReason RejectReasonToProto(RejectReason reason);
// UNSPECIFIED and unknown values map to kNone.
RejectReason RejectReasonFromProto(order::v1::RejectReason reason);

// Times and durations, to the microsecond.
google::protobuf::Timestamp TimeToProto(absl::Time time);
absl::Time TimeFromProto(const google::protobuf::Timestamp& timestamp);
google::protobuf::Duration DurationToProto(absl::Duration duration);
absl::Duration DurationFromProto(const google::protobuf::Duration& duration);

}  // namespace order_saga
