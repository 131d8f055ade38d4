#include "order_service/order_grpc_service.h"

#include <google/protobuf/util/time_util.h>

#include "absl/strings/str_cat.h"
#include "common/grpc_status.h"
#include "common/proto_conversion.h"
#include "common/request_validation.h"

namespace order_saga::orders {
namespace {

using google::protobuf::util::TimeUtil;

// Writes `order` (or the error) into the response.
grpc::Status Respond(const absl::StatusOr<Order>& order, ::order::v1::Order* out) {
  if (!order.ok()) return ToGrpcStatus(order.status());
  OrderToProto(*order, out);
  return grpc::Status::OK;
}

NewOrder NewOrderFromProto(const ::order::v1::CreateOrderRequest& request) {
  return {request.request_id(), request.customer_id(), LineItemsFromProto(request.items()),
          ShippingAddressFromProto(request.shipping_address())};
}

// What a read-only replica answers to a participant RPC.
grpc::Status WritesRefused(const char* method) {
  return grpc::Status(grpc::StatusCode::PERMISSION_DENIED,
                      absl::StrCat(method, ": this replica serves reads and watches only "
                                           "(--read_only); the saga coordinator calls the "
                                           "order service's internal address"));
}

// The text every approval records.
constexpr char kApprovalDetail[] = "stock reserved";

// Writes one result per entry into a batch response.
void RespondBatch(const std::vector<absl::StatusOr<Order>>& orders,
                  ::order::v1::OrderBatchResponse* out) {
  for (size_t i = 0; i < orders.size(); ++i) {
    ::order::v1::OrderBatchResult* result = out->add_results();
    if (orders[i].ok()) {
      OrderToProto(*orders[i], result->mutable_order());
    } else {
      ToEntryError(orders[i].status(), static_cast<int>(i), result->mutable_error());
    }
  }
}

}  // namespace

void OrderToProto(const Order& order, ::order::v1::Order* out) {
  out->set_order_id(order.order_id);
  out->set_request_id(order.request_id);
  out->set_customer_id(order.customer_id);
  LineItemsToProto(order.items, out->mutable_items());
  ShippingAddressToProto(order.shipping_address, out->mutable_shipping_address());
  out->set_status(OrderStatusToProto(order.status));
  out->set_reject_reason(RejectReasonToProto(order.reject_reason));
  out->set_detail(order.detail);
  out->set_compensating(order.compensating);
  *out->mutable_create_time() =
      TimeUtil::MicrosecondsToTimestamp(absl::ToUnixMicros(order.create_time));
  *out->mutable_update_time() =
      TimeUtil::MicrosecondsToTimestamp(absl::ToUnixMicros(order.update_time));
}

grpc::Status OrderGrpcService::CreateOrder(grpc::ServerContext*,
                                           const ::order::v1::CreateOrderRequest* request,
                                           ::order::v1::Order* response) {
  if (read_only_) return WritesRefused("CreateOrder");
  absl::StatusOr<Order> order = lifecycle_.CreateOrder(NewOrderFromProto(*request));
  feed_.Nudge();
  return Respond(order, response);
}

grpc::Status OrderGrpcService::CreateOrders(grpc::ServerContext*,
                                            const ::order::v1::CreateOrdersRequest* request,
                                            ::order::v1::OrderBatchResponse* response) {
  if (read_only_) return WritesRefused("CreateOrders");
  absl::Status size = ValidateBatchSize(request->requests_size());
  if (!size.ok()) return ToGrpcStatus(size);
  std::vector<NewOrder> orders;
  orders.reserve(request->requests_size());
  for (const ::order::v1::CreateOrderRequest& entry : request->requests()) {
    orders.push_back(NewOrderFromProto(entry));
  }
  RespondBatch(lifecycle_.CreateOrders(std::move(orders)), response);
  feed_.Nudge();
  return grpc::Status::OK;
}

grpc::Status OrderGrpcService::ApproveOrders(grpc::ServerContext*,
                                             const ::order::v1::ApproveOrdersRequest* request,
                                             ::order::v1::OrderBatchResponse* response) {
  if (read_only_) return WritesRefused("ApproveOrders");
  absl::Status size = ValidateBatchSize(request->requests_size());
  if (!size.ok()) return ToGrpcStatus(size);
  std::vector<std::string> order_ids;
  order_ids.reserve(request->requests_size());
  for (const ::order::v1::ApproveOrderRequest& entry : request->requests()) {
    order_ids.push_back(entry.order_id());
  }
  RespondBatch(lifecycle_.ApproveOrders(order_ids, kApprovalDetail), response);
  feed_.Nudge();
  return grpc::Status::OK;
}

grpc::Status OrderGrpcService::ApproveOrder(grpc::ServerContext*,
                                            const ::order::v1::ApproveOrderRequest* request,
                                            ::order::v1::Order* response) {
  if (read_only_) return WritesRefused("ApproveOrder");
  absl::StatusOr<Order> order = lifecycle_.ApproveOrder(request->order_id(), kApprovalDetail);
  feed_.Nudge();
  return Respond(order, response);
}

grpc::Status OrderGrpcService::RejectOrder(grpc::ServerContext*,
                                           const ::order::v1::RejectOrderRequest* request,
                                           ::order::v1::Order* response) {
  if (read_only_) return WritesRefused("RejectOrder");
  absl::StatusOr<Order> order = lifecycle_.RejectOrder(
      request->order_id(), RejectReasonFromProto(request->reject_reason()), request->detail());
  feed_.Nudge();
  return Respond(order, response);
}

grpc::Status OrderGrpcService::MarkCompensating(
    grpc::ServerContext*, const ::order::v1::MarkCompensatingRequest* request,
    ::order::v1::Order* response) {
  if (read_only_) return WritesRefused("MarkCompensating");
  absl::StatusOr<Order> order = lifecycle_.MarkCompensating(
      request->order_id(), RejectReasonFromProto(request->reject_reason()), request->detail());
  feed_.Nudge();
  return Respond(order, response);
}

grpc::Status OrderGrpcService::GetOrder(grpc::ServerContext* context,
                                        const ::order::v1::GetOrderRequest* request,
                                        ::order::v1::Order* response) {
  absl::StatusOr<Principal> caller = Authenticate(authenticator_, *context, "GetOrder");
  if (!caller.ok()) return ToGrpcStatus(caller.status());
  absl::StatusOr<Order> order = lifecycle_.GetOrder(request->order_id(), request->request_id());
  if (absl::Status owned = CheckOwner(*caller, order, "GetOrder"); !owned.ok()) {
    return ToGrpcStatus(owned);
  }
  return Respond(order, response);
}

absl::Status OrderGrpcService::CheckOwner(const Principal& caller,
                                          const absl::StatusOr<Order>& order,
                                          absl::string_view method) const {
  if (!order.ok() || caller.is_admin() || order->customer_id == caller.subject) {
    return absl::OkStatus();
  }
  return authenticator_->Deny(
      absl::PermissionDeniedError(
          absl::StrCat("order_id: the order belongs to another customer than '",
                       caller.subject, "'")),
      method, caller.subject);
}

grpc::Status OrderGrpcService::ListOrders(grpc::ServerContext* context,
                                          const ::order::v1::ListOrdersRequest* request,
                                          ::order::v1::ListOrdersResponse* response) {
  absl::StatusOr<Principal> caller = Authenticate(authenticator_, *context, "ListOrders");
  if (!caller.ok()) return ToGrpcStatus(caller.status());
  absl::StatusOr<std::string> customer =
      ActingCustomer(authenticator_, *caller, request->customer_id(), "ListOrders");
  if (!customer.ok()) return ToGrpcStatus(customer.status());
  std::optional<OrderStatus> status;
  switch (request->status()) {
    case ::order::v1::ORDER_STATUS_UNSPECIFIED: break;
    case ::order::v1::ORDER_STATUS_PENDING: status = OrderStatus::kPending; break;
    case ::order::v1::ORDER_STATUS_APPROVED: status = OrderStatus::kApproved; break;
    case ::order::v1::ORDER_STATUS_REJECTED: status = OrderStatus::kRejected; break;
    default:
      return grpc::Status(grpc::StatusCode::INVALID_ARGUMENT,
                          "status: not an OrderStatus value");
  }
  std::optional<absl::Time> updated_before;
  if (request->has_updated_before()) {
    updated_before = absl::FromUnixMicros(
        TimeUtil::TimestampToMicroseconds(request->updated_before()));
  }
  absl::StatusOr<OrderPage> page =
      lifecycle_.ListOrders(status, *customer, request->page_size(),
                            request->page_token(), updated_before);
  if (!page.ok()) return ToGrpcStatus(page.status());
  for (const Order& order : page->orders) OrderToProto(order, response->add_orders());
  response->set_next_page_token(page->next_page_token);
  return grpc::Status::OK;
}

grpc::Status OrderGrpcService::CountOrders(grpc::ServerContext* context,
                                           const ::order::v1::CountOrdersRequest* request,
                                           ::order::v1::CountOrdersResponse* response) {
  absl::StatusOr<Principal> caller = Authenticate(authenticator_, *context, "CountOrders");
  if (!caller.ok()) return ToGrpcStatus(caller.status());
  absl::StatusOr<std::string> customer =
      ActingCustomer(authenticator_, *caller, request->customer_id(), "CountOrders");
  if (!customer.ok()) return ToGrpcStatus(customer.status());
  absl::StatusOr<OrderCounts> counts = lifecycle_.CountOrders(*customer);
  if (!counts.ok()) return ToGrpcStatus(counts.status());
  response->set_pending(counts->pending);
  response->set_approved(counts->approved);
  response->set_rejected(counts->rejected);
  response->set_total(counts->pending + counts->approved + counts->rejected);
  return grpc::Status::OK;
}

grpc::ServerWriteReactor<::order::v1::OrderEvent>* OrderGrpcService::WatchOrder(
    grpc::CallbackServerContext* context, const ::order::v1::WatchOrderRequest* request) {
  absl::StatusOr<Principal> caller = Authenticate(authenticator_, *context, "WatchOrder");
  if (!caller.ok()) return OrderWatchStreams::Refuse(ToGrpcStatus(caller.status()));
  absl::StatusOr<OrderEventSubscription> subscription =
      lifecycle_.WatchOrder(request->order_id());
  if (!subscription.ok()) return OrderWatchStreams::Refuse(ToGrpcStatus(subscription.status()));
  if (!caller->is_admin()) {
    // A customer may watch only their own order: one read to know whose
    // it is (the stream itself reads nothing on this thread).
    absl::StatusOr<Order> order = lifecycle_.GetOrder(request->order_id(), "");
    if (!order.ok()) return OrderWatchStreams::Refuse(ToGrpcStatus(order.status()));
    if (absl::Status owned = CheckOwner(*caller, order, "WatchOrder"); !owned.ok()) {
      return OrderWatchStreams::Refuse(ToGrpcStatus(owned));
    }
  }
  return streams_.Open(*std::move(subscription), /*until_final=*/true,
                       caller->authenticated && !caller->is_admin() ? caller->subject : "");
}

grpc::ServerWriteReactor<::order::v1::OrderEvent>* OrderGrpcService::WatchOrders(
    grpc::CallbackServerContext* context, const ::order::v1::WatchOrdersRequest* request) {
  absl::StatusOr<Principal> caller = Authenticate(authenticator_, *context, "WatchOrders");
  if (!caller.ok()) return OrderWatchStreams::Refuse(ToGrpcStatus(caller.status()));
  absl::StatusOr<std::string> customer =
      ActingCustomer(authenticator_, *caller, request->customer_id(), "WatchOrders");
  if (!customer.ok()) return OrderWatchStreams::Refuse(ToGrpcStatus(customer.status()));
  std::optional<int64_t> after;
  if (request->has_after_event_id()) after = request->after_event_id();
  absl::StatusOr<OrderEventSubscription> subscription =
      lifecycle_.WatchOrders(*customer, after, feed_.head());
  if (!subscription.ok()) return OrderWatchStreams::Refuse(ToGrpcStatus(subscription.status()));
  return streams_.Open(*std::move(subscription), /*until_final=*/false,
                       caller->authenticated && !caller->is_admin() ? caller->subject : "");
}

}  // namespace order_saga::orders
