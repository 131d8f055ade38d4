#include "order_service/order_grpc_service.h"

#include <glog/logging.h>

#include "absl/strings/str_cat.h"
#include "common/grpc_status.h"
#include "common/proto_conversion.h"
#include "common/request_validation.h"
#include "common/trace_context.h"
#include "order_service/order_decisions.h"
#include "order_service/order_proto.h"

namespace order_saga::orders {
namespace {

// Writes `order` (or the error) into the response, as it stands at `now`.
grpc::Status Respond(const absl::StatusOr<Order>& order, absl::Time now,
                     ::order::v1::Order* out) {
  if (!order.ok()) return ToGrpcStatus(order.status());
  OrderToProto(*order, now, out);
  return grpc::Status::OK;
}

NewOrder NewOrderFromProto(const ::order::v1::CreateOrderRequest& request,
                           std::string trace_id) {
  return {request.request_id(), request.customer_id(), LineItemsFromProto(request.items()),
          ShippingAddressFromProto(request.shipping_address()), std::move(trace_id)};
}

// One log line per participant call about an order, carrying the order's
// trace id: the caller's if it sent one, else the one the order was
// created with.
void LogOrderStep(absl::string_view method, const std::string& caller_trace_id,
                  const absl::StatusOr<Order>& order) {
  if (!order.ok()) {
    ScopedTraceId trace(caller_trace_id);
    LOG(WARNING) << method << ": " << order.status();
    return;
  }
  ScopedTraceId trace(caller_trace_id.empty() ? order->trace_id : caller_trace_id);
  LOG(INFO) << method << " order " << order->order_id << ": "
            << OrderStatusName(order->status) << (order->compensating ? " compensating" : "")
            << (order->stuck ? " STUCK" : "");
}

void LogOrderSteps(absl::string_view method, const std::vector<std::string>& trace_ids,
                   const std::vector<absl::StatusOr<Order>>& orders) {
  for (size_t i = 0; i < orders.size(); ++i) {
    LogOrderStep(method, i < trace_ids.size() ? trace_ids[i] : "", orders[i]);
  }
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
void RespondBatch(const std::vector<absl::StatusOr<Order>>& orders, absl::Time now,
                  ::order::v1::OrderBatchResponse* out) {
  for (size_t i = 0; i < orders.size(); ++i) {
    ::order::v1::OrderBatchResult* result = out->add_results();
    if (orders[i].ok()) {
      OrderToProto(*orders[i], now, result->mutable_order());
    } else {
      ToEntryError(orders[i].status(), static_cast<int>(i), result->mutable_error());
    }
  }
}

}  // namespace


grpc::Status OrderGrpcService::RefuseSagaStep(const grpc::ServerContext& context,
                                             const char* method) const {
  if (read_only_) return WritesRefused(method);
  if (saga_step_callers_ == nullptr) return grpc::Status::OK;
  return ToGrpcStatus(saga_step_callers_->Authorize(context, method));
}

grpc::Status OrderGrpcService::CreateOrder(grpc::ServerContext* context,
                                           const ::order::v1::CreateOrderRequest* request,
                                           ::order::v1::Order* response) {
  if (grpc::Status refused = RefuseSagaStep(*context, "CreateOrder"); !refused.ok()) return refused;
  const std::string trace_id = TraceIdOf(*context);
  absl::StatusOr<Order> order = lifecycle_.CreateOrder(NewOrderFromProto(*request, trace_id));
  feed_.Nudge();
  LogOrderStep("CreateOrder", trace_id, order);
  return Respond(order, clock_.Now(), response);
}

grpc::Status OrderGrpcService::CreateOrders(grpc::ServerContext* context,
                                            const ::order::v1::CreateOrdersRequest* request,
                                            ::order::v1::OrderBatchResponse* response) {
  if (grpc::Status refused = RefuseSagaStep(*context, "CreateOrders"); !refused.ok()) return refused;
  absl::Status size = ValidateBatchSize(request->requests_size());
  if (!size.ok()) return ToGrpcStatus(size);
  const std::vector<std::string> trace_ids = EntryTraceIdsOf(*context, request->requests_size());
  std::vector<NewOrder> orders;
  orders.reserve(request->requests_size());
  for (int i = 0; i < request->requests_size(); ++i) {
    orders.push_back(NewOrderFromProto(request->requests(i), trace_ids[i]));
  }
  const std::vector<absl::StatusOr<Order>> created = lifecycle_.CreateOrders(std::move(orders));
  RespondBatch(created, clock_.Now(), response);
  feed_.Nudge();
  LogOrderSteps("CreateOrders", trace_ids, created);
  return grpc::Status::OK;
}

grpc::Status OrderGrpcService::ApproveOrders(grpc::ServerContext* context,
                                             const ::order::v1::ApproveOrdersRequest* request,
                                             ::order::v1::OrderBatchResponse* response) {
  if (grpc::Status refused = RefuseSagaStep(*context, "ApproveOrders"); !refused.ok()) return refused;
  absl::Status size = ValidateBatchSize(request->requests_size());
  if (!size.ok()) return ToGrpcStatus(size);
  std::vector<std::string> order_ids;
  order_ids.reserve(request->requests_size());
  for (const ::order::v1::ApproveOrderRequest& entry : request->requests()) {
    order_ids.push_back(entry.order_id());
  }
  const std::vector<absl::StatusOr<Order>> approved =
      lifecycle_.ApproveOrders(order_ids, kApprovalDetail);
  RespondBatch(approved, clock_.Now(), response);
  feed_.Nudge();
  LogOrderSteps("ApproveOrders", EntryTraceIdsOf(*context, order_ids.size()), approved);
  return grpc::Status::OK;
}

grpc::Status OrderGrpcService::ApproveOrder(grpc::ServerContext* context,
                                            const ::order::v1::ApproveOrderRequest* request,
                                            ::order::v1::Order* response) {
  if (grpc::Status refused = RefuseSagaStep(*context, "ApproveOrder"); !refused.ok()) return refused;
  absl::StatusOr<Order> order = lifecycle_.ApproveOrder(request->order_id(), kApprovalDetail);
  feed_.Nudge();
  LogOrderStep("ApproveOrder", TraceIdOf(*context), order);
  return Respond(order, clock_.Now(), response);
}

grpc::Status OrderGrpcService::RejectOrder(grpc::ServerContext* context,
                                           const ::order::v1::RejectOrderRequest* request,
                                           ::order::v1::Order* response) {
  if (grpc::Status refused = RefuseSagaStep(*context, "RejectOrder"); !refused.ok()) return refused;
  absl::StatusOr<Order> order = lifecycle_.RejectOrder(
      request->order_id(), RejectReasonFromProto(request->reject_reason()), request->detail());
  feed_.Nudge();
  LogOrderStep("RejectOrder", TraceIdOf(*context), order);
  return Respond(order, clock_.Now(), response);
}

grpc::Status OrderGrpcService::MarkCompensating(
    grpc::ServerContext* context, const ::order::v1::MarkCompensatingRequest* request,
    ::order::v1::Order* response) {
  if (grpc::Status refused = RefuseSagaStep(*context, "MarkCompensating"); !refused.ok()) return refused;
  absl::StatusOr<Order> order = lifecycle_.MarkCompensating(
      request->order_id(), RejectReasonFromProto(request->reject_reason()), request->detail());
  feed_.Nudge();
  LogOrderStep("MarkCompensating", TraceIdOf(*context), order);
  return Respond(order, clock_.Now(), response);
}

grpc::Status OrderGrpcService::GetOrder(grpc::ServerContext* context,
                                        const ::order::v1::GetOrderRequest* request,
                                        ::order::v1::Order* response) {
  absl::StatusOr<Principal> caller = Authenticate(authenticator_, *context, "GetOrder");
  if (!caller.ok()) return ToGrpcStatus(caller.status());
  // A request id is looked up among the acting customer's own keys.
  absl::StatusOr<std::string> customer =
      ActingCustomer(authenticator_, *caller, request->customer_id(), "GetOrder");
  if (!customer.ok()) return ToGrpcStatus(customer.status());
  absl::StatusOr<Order> order =
      lifecycle_.GetOrder(request->order_id(), request->request_id(), *customer);
  if (absl::Status owned = CheckOwner(*caller, order, "GetOrder"); !owned.ok()) {
    return ToGrpcStatus(owned);
  }
  return Respond(order, clock_.Now(), response);
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
    updated_before = TimeFromProto(request->updated_before());
  }
  std::optional<SagaState> saga_state;
  switch (request->saga_state()) {
    case ::order::v1::SAGA_STATE_UNSPECIFIED: break;
    case ::order::v1::SAGA_STATE_ACTIVE: saga_state = SagaState::kActive; break;
    case ::order::v1::SAGA_STATE_BACKING_OFF: saga_state = SagaState::kBackingOff; break;
    case ::order::v1::SAGA_STATE_STUCK: saga_state = SagaState::kStuck; break;
    case ::order::v1::SAGA_STATE_FINISHED: saga_state = SagaState::kFinished; break;
    default:
      return grpc::Status(grpc::StatusCode::INVALID_ARGUMENT,
                          "saga_state: not a SagaState value");
  }
  absl::StatusOr<OrderPage> page =
      lifecycle_.ListOrders(status, *customer, request->page_size(),
                            request->page_token(), updated_before, saga_state,
                            request->has_min_age()
                                ? std::optional<absl::Duration>(DurationFromProto(request->min_age()))
                                : std::nullopt);
  if (!page.ok()) return ToGrpcStatus(page.status());
  const absl::Time now = clock_.Now();
  for (const Order& order : page->orders) OrderToProto(order, now, response->add_orders());
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

grpc::Status OrderGrpcService::RecordSagaFailure(
    grpc::ServerContext* context, const ::order::v1::RecordSagaFailureRequest* request,
    ::order::v1::Order* response) {
  if (grpc::Status refused = RefuseSagaStep(*context, "RecordSagaFailure"); !refused.ok()) return refused;
  SagaFailure failure;
  failure.attempt = request->attempt();
  failure.step = request->step();
  failure.error = request->error();
  failure.trace_id = TraceIdOf(*context);
  failure.max_attempts = request->max_attempts();
  failure.retry_delay = DurationFromProto(request->retry_delay());
  failure.max_retry_delay = DurationFromProto(request->max_retry_delay());
  absl::StatusOr<Order> order = lifecycle_.RecordSagaFailure(request->order_id(), failure);
  feed_.Nudge();
  LogOrderStep("RecordSagaFailure", failure.trace_id, order);
  return Respond(order, clock_.Now(), response);
}

grpc::Status OrderGrpcService::ResumeSaga(grpc::ServerContext* context,
                                          const ::order::v1::ResumeSagaRequest* request,
                                          ::order::v1::Order* response) {
  if (grpc::Status refused = RefuseSagaStep(*context, "ResumeSaga"); !refused.ok()) return refused;
  const std::string trace_id = TraceIdOf(*context);
  absl::StatusOr<Order> order =
      lifecycle_.ResumeSaga(request->order_id(), request->note(), trace_id);
  feed_.Nudge();
  LogOrderStep("ResumeSaga", trace_id, order);
  return Respond(order, clock_.Now(), response);
}

grpc::Status OrderGrpcService::GetSagaHistory(grpc::ServerContext* context,
                                              const ::order::v1::GetSagaHistoryRequest* request,
                                              ::order::v1::SagaHistory* response) {
  absl::StatusOr<Principal> caller = Authenticate(authenticator_, *context, "GetSagaHistory");
  if (!caller.ok()) return ToGrpcStatus(caller.status());
  if (absl::Status admin = RequireAdmin(authenticator_, *caller, "GetSagaHistory");
      !admin.ok()) {
    return ToGrpcStatus(admin);
  }
  absl::StatusOr<OrderHistory> history = lifecycle_.History(request->order_id());
  if (!history.ok()) return ToGrpcStatus(history.status());
  const absl::Time now = clock_.Now();
  OrderToProto(history->order, now, response->mutable_order());
  for (const SagaStep& step : history->steps) SagaStepToProto(step, response->add_steps());
  for (const OrderEvent& event : history->events) {
    ::order::v1::OrderEvent* out = response->add_events();
    out->set_event_id(event.event_id);
    OrderToProto(event.order, now, out->mutable_order());
  }
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
    // A customer may watch only their own order. Nothing is read on this
    // (callback) thread: the feed reads only this customer's events of the
    // order and, finding none, whose order it is.
    subscription->customer_id = caller->subject;
    subscription->refuse_foreign = [this, caller = *caller](const Order& order) {
      return CheckOwner(caller, order, "WatchOrder");
    };
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
