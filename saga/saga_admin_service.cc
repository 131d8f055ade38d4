#include "saga/saga_admin_service.h"

#include <glog/logging.h>

#include "absl/strings/str_cat.h"
#include "common/grpc_status.h"
#include "common/proto_conversion.h"
#include "common/request_validation.h"
#include "common/status_macros.h"
#include "common/trace_context.h"
#include "saga/saga_grpc_service.h"

namespace order_saga::coordinator {
namespace {

constexpr size_t kMaxNoteBytes = 512;

grpc::Status Respond(const PlaceOrderOutcome& outcome, ::saga::v1::PlaceOrderResponse* out) {
  PlaceOrderOutcomeToProto(outcome, out);
  return grpc::Status::OK;
}

}  // namespace

SagaAdminService::SagaAdminService(PlaceOrderSaga& saga, SagaBookkeeping& bookkeeping,
                                   SagaInspector& inspector, Clock& clock,
                                   SagaMetrics* metrics, const Authenticator* authenticator)
    : saga_(saga),
      bookkeeping_(bookkeeping),
      inspector_(inspector),
      clock_(clock),
      metrics_(metrics),
      authenticator_(authenticator) {}

absl::StatusOr<std::string> SagaAdminService::Admin(const grpc::ServerContext& context,
                                                    absl::string_view method) const {
  ASSIGN_OR_RETURN(Principal caller, Authenticate(authenticator_, context, method));
  RETURN_IF_ERROR(RequireAdmin(authenticator_, caller, method));
  return caller.authenticated ? caller.subject : std::string("an operator");
}

grpc::Status SagaAdminService::ListSagas(grpc::ServerContext* context,
                                         const ::saga::v1::ListSagasRequest* request,
                                         ::saga::v1::ListSagasResponse* response) {
  if (absl::StatusOr<std::string> admin = Admin(*context, "ListSagas"); !admin.ok()) {
    return ToGrpcStatus(admin.status());
  }
  absl::StatusOr<SagaPage> page =
      inspector_.ListSagas(request->state(), request->page_size(), request->page_token());
  if (!page.ok()) return ToGrpcStatus(page.status());
  for (SagaView& view : page->sagas) {
    ::saga::v1::Saga* saga = response->add_sagas();
    *saga->mutable_order() = std::move(view.order);
    for (::order::v1::SagaStep& step : view.steps) *saga->add_steps() = std::move(step);
  }
  response->set_next_page_token(page->next_page_token);
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
  absl::StatusOr<OrderTimelineView> timeline = inspector_.ExplainOrder(request->order_id());
  if (!timeline.ok()) return ToGrpcStatus(timeline.status());
  *response->mutable_order() = std::move(timeline->order);
  response->set_reservation(std::move(timeline->reservation));
  for (TimelineEntry& entry : timeline->entries) {
    ::saga::v1::TimelineEntry* out = response->add_entries();
    *out->mutable_time() = TimeToProto(entry.time);
    out->set_source(std::move(entry.source));
    out->set_what(std::move(entry.what));
    out->set_detail(std::move(entry.detail));
  }
  return grpc::Status::OK;
}

}  // namespace order_saga::coordinator
