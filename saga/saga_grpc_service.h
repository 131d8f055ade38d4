// saga.v1.SagaCoordinator over gRPC: translates proto <-> domain and
// absl::Status <-> grpc::Status; the rules are in PlaceOrderSaga.
#pragma once

#include "saga/place_order_saga.h"
#include "saga/v1/saga.grpc.pb.h"

namespace order_saga::coordinator {

class SagaGrpcService final : public ::saga::v1::SagaCoordinator::Service {
 public:
  // `saga` must outlive the service.
  explicit SagaGrpcService(PlaceOrderSaga& saga) : saga_(saga) {}

  grpc::Status PlaceOrder(grpc::ServerContext* context,
                          const ::saga::v1::PlaceOrderRequest* request,
                          ::saga::v1::PlaceOrderResponse* response) override;

 private:
  PlaceOrderSaga& saga_;
};

}  // namespace order_saga::coordinator
