#include "saga/saga_admin_service.h"

#include <glog/logging.h>
#include <grpcpp/client_context.h>

#include <algorithm>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "common/grpc_status.h"
#include "common/proto_conversion.h"
#include "common/request_validation.h"
#include "common/status_macros.h"
#include "common/trace_context.h"
#include "saga/saga_grpc_service.h"
#include "saga/unary_call.h"

namespace order_saga::coordinator {
namespace {


constexpr size_t kMaxNoteBytes = 512;
constexpr int kDefaultSagaPage = 50;
constexpr int kMaxSagaPage = 200;

grpc::Status Respond(const PlaceOrderOutcome& outcome, ::saga::v1::PlaceOrderResponse* out) {
  PlaceOrderOutcomeToProto(outcome, out);
  return grpc::Status::OK;
}

void Add(::saga::v1::OrderTimeline* timeline, const google::protobuf::Timestamp& time,
         const char* source, std::string what, std::string detail) {
  ::saga::v1::TimelineEntry* entry = timeline->add_entries();
  *entry->mutable_time() = time;
  entry->set_source(source);
  entry->set_what(std::move(what));
  entry->set_detail(std::move(detail));
}

std::string ItemsText(const google::protobuf::RepeatedPtrField<::common::v1::LineItem>& items) {
  return absl::StrJoin(items, ", ", [](std::string* out, const ::common::v1::LineItem& item) {
    absl::StrAppend(out, "product ", item.product_id(), " x", item.quantity());
  });
}

// What changed between two consecutive events of one order.
std::string EventWhat(const ::order::v1::Order* before, const ::order::v1::Order& after) {
  if (before == nullptr) {
    return after.status() == ::order::v1::ORDER_STATUS_PENDING
               ? "order recorded (PENDING)"
               : absl::StrCat("order recorded as ", ::order::v1::OrderStatus_Name(after.status()));
  }
  if (after.status() != ::order::v1::ORDER_STATUS_PENDING) {
    return after.status() == ::order::v1::ORDER_STATUS_APPROVED
               ? "APPROVED"
               : absl::StrCat("REJECTED ", ::order::v1::RejectReason_Name(after.reject_reason()));
  }
  if (after.compensating() && !before->compensating()) {
    return absl::StrCat("compensation started (",
                        ::order::v1::RejectReason_Name(after.reject_reason()), ")");
  }
  return "saga state changed (parked as stuck, or resumed by an operator)";
}

}  // namespace

SagaAdminService::SagaAdminService(PlaceOrderSaga& saga, SagaBookkeeping& bookkeeping,
                                   std::shared_ptr<grpc::Channel> order_service,
                                   std::shared_ptr<grpc::Channel> inventory_service,
                                   Clock& clock, SagaMetrics* metrics,
                                   const Authenticator* authenticator)
    : saga_(saga),
      bookkeeping_(bookkeeping),
      order_service_(::order::v1::OrderService::NewStub(std::move(order_service))),
      inventory_service_(
          ::inventory::v1::InventoryService::NewStub(std::move(inventory_service))),
      clock_(clock),
      metrics_(metrics),
      authenticator_(authenticator) {}

absl::StatusOr<std::string> SagaAdminService::Admin(const grpc::ServerContext& context,
                                                    absl::string_view method) const {
  ASSIGN_OR_RETURN(Principal caller, Authenticate(authenticator_, context, method));
  RETURN_IF_ERROR(RequireAdmin(authenticator_, caller, method));
  return caller.authenticated ? caller.subject : std::string("an operator");
}

absl::StatusOr<::order::v1::SagaHistory> SagaAdminService::History(
    const std::string& order_id) const {
  ::order::v1::GetSagaHistoryRequest request;
  request.set_order_id(order_id);
  return Invoke<::order::v1::GetSagaHistoryRequest, ::order::v1::SagaHistory>(clock_,
      [&](grpc::ClientContext* c, const ::order::v1::GetSagaHistoryRequest& r,
          ::order::v1::SagaHistory* o) { return order_service_->GetSagaHistory(c, r, o); },
      request, clock_.Now() + saga_.options().retry.call_timeout);
}

grpc::Status SagaAdminService::ListSagas(grpc::ServerContext* context,
                                         const ::saga::v1::ListSagasRequest* request,
                                         ::saga::v1::ListSagasResponse* response) {
  if (absl::StatusOr<std::string> admin = Admin(*context, "ListSagas"); !admin.ok()) {
    return ToGrpcStatus(admin.status());
  }
  ::order::v1::SagaState state = request->state();
  if (state == ::order::v1::SAGA_STATE_UNSPECIFIED) state = ::order::v1::SAGA_STATE_STUCK;
  if (state != ::order::v1::SAGA_STATE_STUCK && state != ::order::v1::SAGA_STATE_ACTIVE &&
      state != ::order::v1::SAGA_STATE_BACKING_OFF) {
    return grpc::Status(grpc::StatusCode::INVALID_ARGUMENT,
                        "state: one of SAGA_STATE_STUCK, SAGA_STATE_ACTIVE and "
                        "SAGA_STATE_BACKING_OFF (finished orders: OrderService/ListOrders)");
  }
  if (request->page_size() < 0 || request->page_size() > kMaxSagaPage) {
    return grpc::Status(grpc::StatusCode::INVALID_ARGUMENT,
                        absl::StrCat("page_size: must be between 0 and ", kMaxSagaPage));
  }
  ::order::v1::ListOrdersRequest list;
  list.set_status(::order::v1::ORDER_STATUS_PENDING);
  list.set_saga_state(state);
  list.set_page_size(request->page_size() == 0 ? kDefaultSagaPage : request->page_size());
  list.set_page_token(request->page_token());
  absl::StatusOr<::order::v1::ListOrdersResponse> page =
      Invoke<::order::v1::ListOrdersRequest, ::order::v1::ListOrdersResponse>(clock_,
          [&](grpc::ClientContext* c, const ::order::v1::ListOrdersRequest& r,
              ::order::v1::ListOrdersResponse* o) { return order_service_->ListOrders(c, r, o); },
          list, clock_.Now() + saga_.options().retry.call_timeout);
  if (!page.ok()) return ToGrpcStatus(page.status());
  for (const ::order::v1::Order& order : page->orders()) {
    ::saga::v1::Saga* saga = response->add_sagas();
    *saga->mutable_order() = order;
    absl::StatusOr<::order::v1::SagaHistory> history = History(order.order_id());
    if (!history.ok()) return ToGrpcStatus(history.status());
    *saga->mutable_steps() = history->steps();
  }
  response->set_next_page_token(page->next_page_token());
  return grpc::Status::OK;
}

grpc::Status SagaAdminService::RetrySaga(grpc::ServerContext* context,
                                         const ::saga::v1::RetrySagaRequest* request,
                                         ::saga::v1::PlaceOrderResponse* response) {
  absl::StatusOr<std::string> admin = Admin(*context, "RetrySaga");
  if (!admin.ok()) return ToGrpcStatus(admin.status());
  if (absl::Status valid = ValidateOrderId(request->order_id()); !valid.ok()) {
    return ToGrpcStatus(valid);
  }
  ScopedTraceId trace(TraceIdOf(*context));
  absl::StatusOr<OrderSnapshot> order =
      bookkeeping_.ResumeSaga(request->order_id(), absl::StrCat("retry requested by ", *admin),
                         clock_.Now() + saga_.options().retry.call_timeout);
  if (!order.ok()) return ToGrpcStatus(order.status());
  if (metrics_ != nullptr) metrics_->AdminAction("retry");
  ScopedTraceIdUnlessSet order_trace(order->trace_id);
  LOG(WARNING) << "order " << order->order_id << " retried by " << *admin;
  return Respond(saga_.Drive(*order, clock_.Now() + saga_.options().saga_deadline), response);
}

grpc::Status SagaAdminService::ForceRejectOrder(
    grpc::ServerContext* context, const ::saga::v1::ForceRejectOrderRequest* request,
    ::saga::v1::PlaceOrderResponse* response) {
  absl::StatusOr<std::string> admin = Admin(*context, "ForceRejectOrder");
  if (!admin.ok()) return ToGrpcStatus(admin.status());
  if (absl::Status valid = ValidateOrderId(request->order_id()); !valid.ok()) {
    return ToGrpcStatus(valid);
  }
  if (absl::Status valid = ValidateText(request->note(), "note", kMaxNoteBytes, true);
      !valid.ok()) {
    return ToGrpcStatus(valid);
  }
  ScopedTraceId trace(TraceIdOf(*context));
  absl::StatusOr<OrderSnapshot> order = bookkeeping_.ResumeSaga(
      request->order_id(), absl::StrCat("force-reject by ", *admin, ": ", request->note()),
      clock_.Now() + saga_.options().retry.call_timeout);
  if (!order.ok()) return ToGrpcStatus(order.status());
  if (metrics_ != nullptr) metrics_->AdminAction("force_reject");
  const PlaceOrderOutcome outcome = saga_.ForceReject(*order, request->note());
  if (outcome.status == OrderStatus::kPending) {
    return grpc::Status(
        grpc::StatusCode::UNAVAILABLE,
        absl::StrCat("order ", outcome.order_id, ": the compensation started but did not "
                     "finish (", outcome.detail, "); the recovery sweep finishes the "
                     "rejection, or call ForceRejectOrder again"));
  }
  return Respond(outcome, response);
}

grpc::Status SagaAdminService::ExplainOrder(grpc::ServerContext* context,
                                            const ::saga::v1::ExplainOrderRequest* request,
                                            ::saga::v1::OrderTimeline* response) {
  if (absl::StatusOr<std::string> admin = Admin(*context, "ExplainOrder"); !admin.ok()) {
    return ToGrpcStatus(admin.status());
  }
  if (absl::Status valid = ValidateOrderId(request->order_id()); !valid.ok()) {
    return ToGrpcStatus(valid);
  }
  absl::StatusOr<::order::v1::SagaHistory> history = History(request->order_id());
  if (!history.ok()) return ToGrpcStatus(history.status());
  *response->mutable_order() = history->order();

  const ::order::v1::Order* before = nullptr;
  for (const ::order::v1::OrderEvent& event : history->events()) {
    Add(response, event.order().update_time(), "order-service",
        absl::StrCat(EventWhat(before, event.order()), " [event ", event.event_id(), "]"),
        event.order().detail());
    before = &event.order();
  }
  for (const ::order::v1::SagaStep& step : history->steps()) {
    std::string what =
        step.step() == "operator" ? "operator action"
        : step.step() == "stuck"  ? "parked as stuck"
                                  : absl::StrCat(step.step(), " failed (attempt ", step.attempt(), ")");
    Add(response, step.time(), "saga-coordinator", std::move(what), step.detail());
  }

  ::inventory::v1::GetReservationRequest get;
  get.set_order_id(request->order_id());
  absl::StatusOr<::inventory::v1::Reservation> reservation =
      Invoke<::inventory::v1::GetReservationRequest, ::inventory::v1::Reservation>(clock_,
          [&](grpc::ClientContext* c, const ::inventory::v1::GetReservationRequest& r,
              ::inventory::v1::Reservation* o) {
            return inventory_service_->GetReservation(c, r, o);
          },
          get, clock_.Now() + saga_.options().retry.call_timeout);
  if (reservation.ok()) {
    const std::string outcome = ::inventory::v1::ReservationOutcome_Name(reservation->outcome());
    const bool released = reservation->outcome() == ::inventory::v1::RESERVATION_OUTCOME_RELEASED;
    const bool tombstone = released && reservation->items_size() == 0;
    response->set_reservation(absl::StrCat(outcome, tombstone ? " (tombstone)" : "",
                                           reservation->items_size() > 0 ? ": " : "",
                                           ItemsText(reservation->items())));
    if (tombstone) {
      Add(response, reservation->create_time(), "inventory-service",
          "tombstone recorded: released before any reservation; a later Reserve is refused",
          reservation->detail());
    } else {
      Add(response, reservation->create_time(), "inventory-service",
          released ? "stock reserved" : absl::StrCat("reservation recorded: ", outcome),
          released ? ItemsText(reservation->items()) : reservation->detail());
      if (released) {
        Add(response, reservation->update_time(), "inventory-service",
            "stock released (compensation)", reservation->detail());
      }
    }
  } else if (!absl::IsNotFound(reservation.status())) {
    response->set_reservation(
        absl::StrCat("unknown: the inventory did not answer (", reservation.status().message(), ")"));
  }

  std::stable_sort(response->mutable_entries()->begin(), response->mutable_entries()->end(),
                   [](const ::saga::v1::TimelineEntry& a, const ::saga::v1::TimelineEntry& b) {
                     return TimeFromProto(a.time()) < TimeFromProto(b.time());
                   });
  return grpc::Status::OK;
}

}  // namespace order_saga::coordinator
