// inventory.v1.InventoryService over gRPC: translates proto <-> domain and
// absl::Status <-> grpc::Status; the rules are in StockLedger.
#pragma once

#include "common/auth/authenticator.h"
#include "common/auth/saga_step_callers.h"
#include "inventory/v1/inventory.grpc.pb.h"
#include "inventory_service/stock_ledger.h"

namespace order_saga::inventory {

class InventoryGrpcService final : public ::inventory::v1::InventoryService::Service {
 public:
  // `ledger` (and `authenticator` and `saga_step_callers`, if set) must
  // outlive the service. With an authenticator, UpsertProduct needs an
  // admin's token. Reserve, ReserveBatch and Release are the coordinator's:
  // with `saga_step_callers` set, only the callers it allows reach them.
  explicit InventoryGrpcService(StockLedger& ledger,
                                const Authenticator* authenticator = nullptr,
                                const SagaStepCallers* saga_step_callers = nullptr)
      : ledger_(ledger), authenticator_(authenticator), saga_step_callers_(saga_step_callers) {}

  grpc::Status Reserve(grpc::ServerContext* context,
                       const ::inventory::v1::ReserveRequest* request,
                       ::inventory::v1::ReserveResponse* response) override;
  grpc::Status ReserveBatch(grpc::ServerContext* context,
                            const ::inventory::v1::ReserveBatchRequest* request,
                            ::inventory::v1::ReserveBatchResponse* response) override;
  grpc::Status Release(grpc::ServerContext* context,
                       const ::inventory::v1::ReleaseRequest* request,
                       ::inventory::v1::ReleaseResponse* response) override;
  grpc::Status GetProduct(grpc::ServerContext* context,
                          const ::inventory::v1::GetProductRequest* request,
                          ::inventory::v1::Product* response) override;
  grpc::Status ListProducts(grpc::ServerContext* context,
                            const ::inventory::v1::ListProductsRequest* request,
                            ::inventory::v1::ListProductsResponse* response) override;
  grpc::Status UpsertProduct(grpc::ServerContext* context,
                             const ::inventory::v1::Product* request,
                             ::inventory::v1::Product* response) override;
  grpc::Status GetReservation(grpc::ServerContext* context,
                              const ::inventory::v1::GetReservationRequest* request,
                              ::inventory::v1::Reservation* response) override;
  grpc::Status ListReservations(
      grpc::ServerContext* context,
      const ::inventory::v1::ListReservationsRequest* request,
      ::inventory::v1::ListReservationsResponse* response) override;

 private:
  // Not OK if the caller may not call the saga step `method`.
  grpc::Status RefuseSagaStep(const grpc::ServerContext& context, const char* method) const;

  StockLedger& ledger_;
  const Authenticator* authenticator_;
  const SagaStepCallers* saga_step_callers_;
};

}  // namespace order_saga::inventory
