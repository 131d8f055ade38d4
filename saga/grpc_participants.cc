#include "saga/grpc_participants.h"

#include <grpcpp/client_context.h>

#include "common/grpc_status.h"
#include "common/proto_conversion.h"
#include "common/trace_context.h"
#include "saga/unary_call.h"

namespace order_saga::coordinator {
namespace {

OrderSnapshot SnapshotFromProto(const ::order::v1::Order& order) {
  OrderSnapshot snapshot;
  snapshot.order_id = order.order_id();
  snapshot.request_id = order.request_id();
  switch (order.status()) {
    case ::order::v1::ORDER_STATUS_APPROVED: snapshot.status = OrderStatus::kApproved; break;
    case ::order::v1::ORDER_STATUS_REJECTED: snapshot.status = OrderStatus::kRejected; break;
    default: snapshot.status = OrderStatus::kPending; break;
  }
  snapshot.reject_reason = RejectReasonFromProto(order.reject_reason());
  snapshot.detail = order.detail();
  snapshot.compensating = order.compensating();
  snapshot.items = LineItemsFromProto(order.items());
  snapshot.saga_attempts = order.saga_attempts();
  snapshot.stuck = order.saga_state() == ::order::v1::SAGA_STATE_STUCK;
  snapshot.trace_id = order.trace_id();
  return snapshot;
}



// ListOrders on the order service.
absl::StatusOr<::order::v1::ListOrdersResponse> ListOrders(
    const Clock& clock, ::order::v1::OrderService::Stub& stub,
    const ::order::v1::ListOrdersRequest& request, absl::Time deadline) {
  return Invoke<::order::v1::ListOrdersRequest, ::order::v1::ListOrdersResponse>(clock,
      [&](grpc::ClientContext* c, const ::order::v1::ListOrdersRequest& r,
          ::order::v1::ListOrdersResponse* o) { return stub.ListOrders(c, r, o); },
      request, deadline);
}

// An order-returning call on the order service.
template <typename Request, typename Method>
absl::StatusOr<OrderSnapshot> InvokeForOrder(const Clock& clock,
                                             ::order::v1::OrderService::Stub& stub,
                                             Method method, const Request& request,
                                             absl::Time deadline) {
  absl::StatusOr<::order::v1::Order> order = Invoke<Request, ::order::v1::Order>(clock,
      [&](grpc::ClientContext* c, const Request& r, ::order::v1::Order* o) {
        return (stub.*method)(c, r, o);
      },
      request, deadline);
  if (!order.ok()) return order.status();
  return SnapshotFromProto(*order);
}

void CreateOrderRequestFor(const PlaceOrderCommand& command,
                           ::order::v1::CreateOrderRequest* request) {
  request->set_request_id(command.request_id);
  request->set_customer_id(command.customer_id);
  LineItemsToProto(command.items, request->mutable_items());
  ShippingAddressToProto(command.shipping_address, request->mutable_shipping_address());
}

// One result per entry of a batch answer, each converted by `convert` (an
// answer or the entry's own error); a failed call, or an answer with the
// wrong number of results, fails every entry.
template <typename Answer, typename Response, typename Convert>
std::vector<absl::StatusOr<Answer>> BatchResults(const absl::StatusOr<Response>& response,
                                                 size_t expected, const Convert& convert) {
  if (!response.ok()) return std::vector<absl::StatusOr<Answer>>(expected, response.status());
  if (static_cast<size_t>(response->results_size()) != expected) {
    return std::vector<absl::StatusOr<Answer>>(
        expected, absl::InternalError("a batch was answered with the wrong number of results"));
  }
  std::vector<absl::StatusOr<Answer>> results;
  results.reserve(expected);
  for (const auto& result : response->results()) results.push_back(convert(result));
  return results;
}

std::vector<absl::StatusOr<OrderSnapshot>> OrderBatchResults(
    const absl::StatusOr<::order::v1::OrderBatchResponse>& response, size_t expected) {
  return BatchResults<OrderSnapshot>(
      response, expected,
      [](const ::order::v1::OrderBatchResult& result) -> absl::StatusOr<OrderSnapshot> {
        if (!result.has_order()) return FromEntryError(result.error());
        return SnapshotFromProto(result.order());
      });
}

absl::StatusOr<ReserveAnswer> AnswerFromProto(const ::inventory::v1::ReserveResponse& response) {
  ReserveAnswer answer;
  switch (response.outcome()) {
    case ::inventory::v1::RESERVATION_OUTCOME_RESERVED:
      answer.outcome = ReserveOutcome::kReserved;
      break;
    case ::inventory::v1::RESERVATION_OUTCOME_OUT_OF_STOCK:
      answer.outcome = ReserveOutcome::kOutOfStock;
      break;
    case ::inventory::v1::RESERVATION_OUTCOME_UNKNOWN_PRODUCT:
      answer.outcome = ReserveOutcome::kUnknownProduct;
      break;
    case ::inventory::v1::RESERVATION_OUTCOME_RELEASED:
      answer.outcome = ReserveOutcome::kReleased;
      break;
    default:
      return absl::InternalError("inventory answered an unknown reservation outcome");
  }
  answer.sold_out_product_ids.assign(response.sold_out_product_ids().begin(),
                                     response.sold_out_product_ids().end());
  answer.detail = response.detail();
  return answer;
}

}  // namespace

absl::StatusOr<OrderSnapshot> GrpcOrderParticipant::CreateOrder(
    const PlaceOrderCommand& command, absl::Time deadline) {
  ::order::v1::CreateOrderRequest request;
  CreateOrderRequestFor(command, &request);
  return InvokeForOrder(clock_, *stub_, &::order::v1::OrderService::Stub::CreateOrder, request,
                        deadline);
}

std::vector<absl::StatusOr<OrderSnapshot>> GrpcOrderParticipant::CreateOrders(
    const std::vector<const PlaceOrderCommand*>& commands, absl::Time deadline) {
  ::order::v1::CreateOrdersRequest request;
  for (const PlaceOrderCommand* command : commands) {
    CreateOrderRequestFor(*command, request.add_requests());
  }
  return OrderBatchResults(
      Invoke<::order::v1::CreateOrdersRequest, ::order::v1::OrderBatchResponse>(clock_,
          [&](grpc::ClientContext* c, const ::order::v1::CreateOrdersRequest& r,
              ::order::v1::OrderBatchResponse* o) { return stub_->CreateOrders(c, r, o); },
          request, deadline),
      commands.size());
}

std::vector<absl::StatusOr<OrderSnapshot>> GrpcOrderParticipant::ApproveOrders(
    const std::vector<const std::string*>& order_ids, absl::Time deadline) {
  ::order::v1::ApproveOrdersRequest request;
  for (const std::string* order_id : order_ids) {
    request.add_requests()->set_order_id(*order_id);
  }
  return OrderBatchResults(
      Invoke<::order::v1::ApproveOrdersRequest, ::order::v1::OrderBatchResponse>(clock_,
          [&](grpc::ClientContext* c, const ::order::v1::ApproveOrdersRequest& r,
              ::order::v1::OrderBatchResponse* o) { return stub_->ApproveOrders(c, r, o); },
          request, deadline),
      order_ids.size());
}

absl::StatusOr<OrderSnapshot> GrpcOrderParticipant::ApproveOrder(
    const std::string& order_id, absl::Time deadline) {
  ::order::v1::ApproveOrderRequest request;
  request.set_order_id(order_id);
  return InvokeForOrder(clock_, *stub_, &::order::v1::OrderService::Stub::ApproveOrder, request,
                        deadline);
}

absl::StatusOr<OrderSnapshot> GrpcOrderParticipant::RejectOrder(
    const std::string& order_id, RejectReason reason, const std::string& detail,
    absl::Time deadline) {
  ::order::v1::RejectOrderRequest request;
  request.set_order_id(order_id);
  request.set_reject_reason(RejectReasonToProto(reason));
  request.set_detail(detail);
  return InvokeForOrder(clock_, *stub_, &::order::v1::OrderService::Stub::RejectOrder, request,
                        deadline);
}

absl::StatusOr<OrderSnapshot> GrpcOrderParticipant::MarkCompensating(
    const std::string& order_id, RejectReason reason, const std::string& detail,
    absl::Time deadline) {
  ::order::v1::MarkCompensatingRequest request;
  request.set_order_id(order_id);
  request.set_reject_reason(RejectReasonToProto(reason));
  request.set_detail(detail);
  return InvokeForOrder(clock_, *stub_, &::order::v1::OrderService::Stub::MarkCompensating,
                        request, deadline);
}

namespace {

// GetOrder, with NOT_FOUND as nullopt.
absl::StatusOr<std::optional<OrderSnapshot>> FindOne(const Clock& clock,
                                                     ::order::v1::OrderService::Stub& stub,
                                                     const ::order::v1::GetOrderRequest& request,
                                                     absl::Time deadline) {
  absl::StatusOr<OrderSnapshot> order =
      InvokeForOrder(clock, stub, &::order::v1::OrderService::Stub::GetOrder, request, deadline);
  if (absl::IsNotFound(order.status())) return std::nullopt;
  if (!order.ok()) return order.status();
  return *std::move(order);
}

}  // namespace

absl::StatusOr<std::optional<OrderSnapshot>> GrpcOrderParticipant::FindByRequestId(
    const std::string& customer_id, const std::string& request_id, absl::Time deadline) {
  ::order::v1::GetOrderRequest request;
  request.set_request_id(request_id);
  request.set_customer_id(customer_id);
  return FindOne(clock_, *stub_, request, deadline);
}

absl::StatusOr<std::optional<OrderSnapshot>> GrpcOrderParticipant::FindOrder(
    const std::string& order_id, absl::Time deadline) {
  ::order::v1::GetOrderRequest request;
  request.set_order_id(order_id);
  return FindOne(clock_, *stub_, request, deadline);
}

absl::StatusOr<StaleOrderPage> GrpcOrderParticipant::ListStalePending(
    absl::Duration min_age, const std::string& page_token, absl::Time deadline) {
  ::order::v1::ListOrdersRequest request;
  request.set_status(::order::v1::ORDER_STATUS_PENDING);
  request.set_page_size(100);
  request.set_page_token(page_token);
  request.set_saga_state(::order::v1::SAGA_STATE_ACTIVE);
  *request.mutable_min_age() = DurationToProto(min_age);
  absl::StatusOr<::order::v1::ListOrdersResponse> response =
      ListOrders(clock_, *stub_, request, deadline);
  if (!response.ok()) return response.status();
  StaleOrderPage page;
  for (const ::order::v1::Order& order : response->orders()) {
    page.orders.push_back(SnapshotFromProto(order));
  }
  page.next_page_token = response->next_page_token();
  return page;
}

absl::StatusOr<OrderSnapshot> GrpcOrderParticipant::RecordSagaFailure(
    const std::string& order_id, const SagaFailureReport& report, absl::Time deadline) {
  ::order::v1::RecordSagaFailureRequest request;
  request.set_order_id(order_id);
  request.set_attempt(report.attempt);
  request.set_step(report.step);
  request.set_error(report.error);
  request.set_max_attempts(report.max_attempts);
  *request.mutable_retry_delay() = DurationToProto(report.retry_delay);
  *request.mutable_max_retry_delay() = DurationToProto(report.max_retry_delay);
  return InvokeForOrder(clock_, *stub_, &::order::v1::OrderService::Stub::RecordSagaFailure,
                        request, deadline);
}

absl::StatusOr<OrderSnapshot> GrpcOrderParticipant::ResumeSaga(const std::string& order_id,
                                                               const std::string& note,
                                                               absl::Time deadline) {
  ::order::v1::ResumeSagaRequest request;
  request.set_order_id(order_id);
  request.set_note(note);
  return InvokeForOrder(clock_, *stub_, &::order::v1::OrderService::Stub::ResumeSaga, request,
                        deadline);
}

absl::StatusOr<int64_t> GrpcOrderParticipant::CountStuck(absl::Time deadline) {
  ::order::v1::ListOrdersRequest request;
  request.set_status(::order::v1::ORDER_STATUS_PENDING);
  request.set_saga_state(::order::v1::SAGA_STATE_STUCK);
  request.set_page_size(1000);
  absl::StatusOr<::order::v1::ListOrdersResponse> response =
      ListOrders(clock_, *stub_, request, deadline);
  if (!response.ok()) return response.status();
  return response->orders_size();
}

absl::StatusOr<ReserveAnswer> GrpcInventoryParticipant::Reserve(
    const std::string& order_id, const std::vector<LineItem>& items,
    absl::Time deadline) {
  ::inventory::v1::ReserveRequest request;
  request.set_order_id(order_id);
  LineItemsToProto(items, request.mutable_items());
  // Refused if it reaches the inventory after this attempt was given up
  // (and the order has no record): see ReserveRequest.not_after.
  *request.mutable_not_after() = TimeToProto(deadline);
  absl::StatusOr<::inventory::v1::ReserveResponse> response =
      Invoke<::inventory::v1::ReserveRequest, ::inventory::v1::ReserveResponse>(clock_,
          [&](grpc::ClientContext* c, const ::inventory::v1::ReserveRequest& r,
              ::inventory::v1::ReserveResponse* o) { return stub_->Reserve(c, r, o); },
          request, deadline);
  if (!response.ok()) return response.status();
  return AnswerFromProto(*response);
}

std::vector<absl::StatusOr<ReserveAnswer>> GrpcInventoryParticipant::ReserveBatch(
    const std::vector<const ReserveCall*>& calls, absl::Time deadline) {
  ::inventory::v1::ReserveBatchRequest request;
  for (const ReserveCall* call : calls) {
    ::inventory::v1::ReserveRequest* entry = request.add_requests();
    entry->set_order_id(call->order_id);
    LineItemsToProto(call->items, entry->mutable_items());
    *entry->mutable_not_after() = TimeToProto(std::min(deadline, call->not_after));
  }
  absl::StatusOr<::inventory::v1::ReserveBatchResponse> response =
      Invoke<::inventory::v1::ReserveBatchRequest, ::inventory::v1::ReserveBatchResponse>(clock_,
          [&](grpc::ClientContext* c, const ::inventory::v1::ReserveBatchRequest& r,
              ::inventory::v1::ReserveBatchResponse* o) { return stub_->ReserveBatch(c, r, o); },
          request, deadline);
  return BatchResults<ReserveAnswer>(
      response, calls.size(),
      [](const ::inventory::v1::ReserveBatchResult& result) -> absl::StatusOr<ReserveAnswer> {
        if (!result.has_response()) return FromEntryError(result.error());
        return AnswerFromProto(result.response());
      });
}

absl::Status GrpcInventoryParticipant::Release(const std::string& order_id,
                                               absl::Time deadline) {
  ::inventory::v1::ReleaseRequest request;
  request.set_order_id(order_id);
  return Invoke<::inventory::v1::ReleaseRequest, ::inventory::v1::ReleaseResponse>(clock_,
             [&](grpc::ClientContext* c, const ::inventory::v1::ReleaseRequest& r,
                 ::inventory::v1::ReleaseResponse* o) { return stub_->Release(c, r, o); },
             request, deadline)
      .status();
}

absl::StatusOr<std::vector<int64_t>> GrpcInventoryParticipant::SoldOutAmong(
    const std::vector<LineItem>& items, absl::Time deadline) {
  std::vector<int64_t> sold_out;
  for (const LineItem& item : items) {
    ::inventory::v1::GetProductRequest request;
    request.set_product_id(item.product_id);
    absl::StatusOr<::inventory::v1::Product> product =
        Invoke<::inventory::v1::GetProductRequest, ::inventory::v1::Product>(clock_,
            [&](grpc::ClientContext* c, const ::inventory::v1::GetProductRequest& r,
                ::inventory::v1::Product* o) { return stub_->GetProduct(c, r, o); },
            request, deadline);
    if (absl::IsNotFound(product.status())) continue;
    if (!product.ok()) return product.status();
    if (product->stock() == 0) sold_out.push_back(item.product_id);
  }
  return sold_out;
}

}  // namespace order_saga::coordinator
