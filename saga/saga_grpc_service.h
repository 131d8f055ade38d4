// saga.v1.SagaCoordinator over gRPC: translates proto <-> domain and
// absl::Status <-> grpc::Status; the rules are in PlaceOrderSaga.
#pragma once

#include <atomic>

#include "common/auth/authenticator.h"
#include "saga/background_sagas.h"
#include "saga/customer_rate_limiter.h"
#include "saga/place_order_saga.h"
#include "saga/saga_metrics.h"
#include "saga/v1/saga.grpc.pb.h"

namespace order_saga::coordinator {

// Fills a PlaceOrderResponse (also the answer of the SagaAdmin actions).
void PlaceOrderOutcomeToProto(const PlaceOrderOutcome& outcome,
                              ::saga::v1::PlaceOrderResponse* out);

class SagaGrpcService final : public ::saga::v1::SagaCoordinator::Service {
 public:
  // `saga` (and `metrics` and `background`, if not null) must outlive the
  // service; `saga` and `metrics` must also outlive `background`'s sagas. Without `background`, respond_when_recorded is ignored (every
  // call is answered with the decision).
  // With an `authenticator`, PlaceOrder needs a token, and the order's
  // customer_id is the token's subject (an admin may name any customer).
  explicit SagaGrpcService(PlaceOrderSaga& saga, SagaMetrics* metrics = nullptr,
                           BackgroundSagas* background = nullptr,
                           const Authenticator* authenticator = nullptr,
                           CustomerRateLimiter* rate_limiter = nullptr)
      : saga_(saga),
        metrics_(metrics),
        background_(background),
        authenticator_(authenticator),
        rate_limiter_(rate_limiter) {}

  // UNAVAILABLE without starting a saga once StopAccepting was called.
  grpc::Status PlaceOrder(grpc::ServerContext* context,
                          const ::saga::v1::PlaceOrderRequest* request,
                          ::saga::v1::PlaceOrderResponse* response) override;

  // From now on new PlaceOrder calls are refused (the process is shutting
  // down; the client retries elsewhere with the same request_id). Sagas
  // already running are not affected.
  void StopAccepting() { accepting_.store(false); }

 private:
  // Runs the saga; answers once the order is recorded, the saga going on
  // in `background_`. False if no background slot was free.
  bool PlaceOrderInBackground(const PlaceOrderCommand& command,
                              ::saga::v1::PlaceOrderResponse* response, grpc::Status* status);

  PlaceOrderSaga& saga_;
  SagaMetrics* metrics_;
  BackgroundSagas* background_;
  const Authenticator* authenticator_;
  CustomerRateLimiter* rate_limiter_;
  std::atomic<bool> accepting_{true};
};

}  // namespace order_saga::coordinator
