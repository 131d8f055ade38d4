// saga.v1.SagaAdmin over gRPC: the operator's view of the sagas. Lists
// sagas by state with their history, retries a stuck saga now, force-rejects
// an order (running the compensation), and explains one order's timeline
// across the services. Every call needs the admin role when tokens are on.
#pragma once

#include "common/auth/authenticator.h"
#include "common/clock.h"
#include "saga/participants.h"
#include "saga/place_order_saga.h"
#include "saga/saga_inspector.h"
#include "saga/saga_metrics.h"
#include "saga/v1/saga.grpc.pb.h"

namespace order_saga::coordinator {

class SagaAdminService final : public ::saga::v1::SagaAdmin::Service {
 public:
  // Everything must outlive the service. `bookkeeping` resumes sagas; the
  // inspector answers the reads. The service authorizes and converts.
  SagaAdminService(PlaceOrderSaga& saga, SagaBookkeeping& bookkeeping,
                   SagaInspector& inspector, Clock& clock, SagaMetrics* metrics = nullptr,
                   const Authenticator* authenticator = nullptr);

  grpc::Status ListSagas(grpc::ServerContext* context,
                         const ::saga::v1::ListSagasRequest* request,
                         ::saga::v1::ListSagasResponse* response) override;
  grpc::Status RetrySaga(grpc::ServerContext* context,
                         const ::saga::v1::RetrySagaRequest* request,
                         ::saga::v1::PlaceOrderResponse* response) override;
  grpc::Status ForceRejectOrder(grpc::ServerContext* context,
                                const ::saga::v1::ForceRejectOrderRequest* request,
                                ::saga::v1::PlaceOrderResponse* response) override;
  grpc::Status ExplainOrder(grpc::ServerContext* context,
                            const ::saga::v1::ExplainOrderRequest* request,
                            ::saga::v1::OrderTimeline* response) override;

 private:
  // OK with the caller's name if the caller is an admin.
  absl::StatusOr<std::string> Admin(const grpc::ServerContext& context,
                                    absl::string_view method) const;

  PlaceOrderSaga& saga_;
  SagaBookkeeping& bookkeeping_;
  SagaInspector& inspector_;
  Clock& clock_;
  SagaMetrics* metrics_;
  const Authenticator* authenticator_;
};

}  // namespace order_saga::coordinator
