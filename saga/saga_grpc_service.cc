#include "saga/saga_grpc_service.h"

#include <memory>
#include <optional>

#include "absl/synchronization/notification.h"

#include "common/grpc_status.h"
#include "common/proto_conversion.h"
#include "common/trace_context.h"

namespace order_saga::coordinator {
namespace {

grpc::Status Respond(const absl::StatusOr<PlaceOrderOutcome>& outcome,
                     ::saga::v1::PlaceOrderResponse* response) {
  if (!outcome.ok()) return ToGrpcStatus(outcome.status());
  PlaceOrderOutcomeToProto(*outcome, response);
  return grpc::Status::OK;
}

}  // namespace

void PlaceOrderOutcomeToProto(const PlaceOrderOutcome& outcome,
                              ::saga::v1::PlaceOrderResponse* out) {
  out->set_order_id(outcome.order_id);
  out->set_status(OrderStatusToProto(outcome.status));
  out->set_reject_reason(RejectReasonToProto(outcome.reject_reason));
  out->set_detail(outcome.detail);
}

grpc::Status SagaGrpcService::PlaceOrder(grpc::ServerContext* context,
                                         const ::saga::v1::PlaceOrderRequest* request,
                                         ::saga::v1::PlaceOrderResponse* response) {
  if (!accepting_.load()) {
    return grpc::Status(grpc::StatusCode::UNAVAILABLE,
                        "coordinator shutting down; retry with the same request_id");
  }
  absl::StatusOr<Principal> caller = Authenticate(authenticator_, *context, "PlaceOrder");
  if (!caller.ok()) return ToGrpcStatus(caller.status());
  absl::StatusOr<std::string> customer =
      ActingCustomer(authenticator_, *caller, request->customer_id(), "PlaceOrder");
  if (!customer.ok()) return ToGrpcStatus(customer.status());
  if (rate_limiter_ != nullptr) {
    if (absl::Status admitted = rate_limiter_->Admit(*customer); !admitted.ok()) {
      return ToGrpcStatus(admitted);
    }
  }
  // The client's trace if it sent a valid traceparent, else a new one; the
  // client gets it back in the response headers.
  std::string trace_id = TraceIdOf(*context);
  if (trace_id.empty()) trace_id = NewTraceId();
  context->AddInitialMetadata(kTraceIdResponseHeader, trace_id);
  PlaceOrderCommand command{request->request_id(), *customer,
                            LineItemsFromProto(request->items()),
                            ShippingAddressFromProto(request->shipping_address()), trace_id};
  // The caller's deadline, as what is left of it (clocks need not agree).
  if (context->deadline() != std::chrono::system_clock::time_point::max()) {
    command.respond_within =
        absl::FromChrono(context->deadline()) - absl::FromChrono(std::chrono::system_clock::now());
  }
  grpc::Status status;
  if (request->respond_when_recorded() && background_ != nullptr &&
      PlaceOrderInBackground(command, response, &status)) {
    return status;
  }
  std::optional<SagaMetrics::InFlight> in_flight;
  if (metrics_ != nullptr) in_flight.emplace(*metrics_);
  absl::StatusOr<PlaceOrderOutcome> outcome = saga_.PlaceOrder(command);
  if (metrics_ != nullptr) metrics_->Observe(outcome);
  return Respond(outcome, response);
}

bool SagaGrpcService::PlaceOrderInBackground(const PlaceOrderCommand& command,
                                             ::saga::v1::PlaceOrderResponse* response,
                                             grpc::Status* status) {
  // Shared with the saga's thread, which outlives this call.
  struct Answer {
    absl::Notification ready;
    absl::StatusOr<PlaceOrderOutcome> outcome;
  };
  auto answer = std::make_shared<Answer>();
  // The saga may outlive this service object (it is destroyed before the
  // background sagas are waited for): capture what it uses, not `this`.
  PlaceOrderSaga* saga = &saga_;
  SagaMetrics* metrics = metrics_;
  const bool started = background_->TryRun([saga, metrics, command, answer] {
    std::optional<SagaMetrics::InFlight> in_flight;
    if (metrics != nullptr) in_flight.emplace(*metrics);
    absl::StatusOr<PlaceOrderOutcome> outcome =
        saga->PlaceOrder(command, [&answer](const PlaceOrderOutcome& recorded) {
          answer->outcome = recorded;
          answer->ready.Notify();
        });
    if (metrics != nullptr) metrics->Observe(outcome);
    if (!answer->ready.HasBeenNotified()) {  // answered with the decision
      answer->outcome = std::move(outcome);
      answer->ready.Notify();
    }
  });
  if (!started) return false;
  answer->ready.WaitForNotification();
  *status = Respond(answer->outcome, response);
  return true;
}

}  // namespace order_saga::coordinator
