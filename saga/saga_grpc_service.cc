#include "saga/saga_grpc_service.h"

#include <optional>

#include "common/grpc_status.h"
#include "common/proto_conversion.h"

namespace order_saga::coordinator {

grpc::Status SagaGrpcService::PlaceOrder(grpc::ServerContext*,
                                         const ::saga::v1::PlaceOrderRequest* request,
                                         ::saga::v1::PlaceOrderResponse* response) {
  if (!accepting_.load()) {
    return grpc::Status(grpc::StatusCode::UNAVAILABLE,
                        "coordinator shutting down; retry with the same request_id");
  }
  PlaceOrderCommand command{request->request_id(), request->customer_id(),
                            LineItemsFromProto(request->items()),
                            ShippingAddressFromProto(request->shipping_address())};
  std::optional<SagaMetrics::InFlight> in_flight;
  if (metrics_ != nullptr) in_flight.emplace(*metrics_);
  absl::StatusOr<PlaceOrderOutcome> outcome = saga_.PlaceOrder(command);
  if (metrics_ != nullptr) metrics_->Observe(outcome);
  if (!outcome.ok()) return ToGrpcStatus(outcome.status());
  response->set_order_id(outcome->order_id);
  response->set_status(OrderStatusToProto(outcome->status));
  response->set_reject_reason(RejectReasonToProto(outcome->reject_reason));
  response->set_detail(outcome->detail);
  return grpc::Status::OK;
}

}  // namespace order_saga::coordinator
