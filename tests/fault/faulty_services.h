// Test-only decorators of the real gRPC services that inject faults per
// method: fail before the real handler runs (nothing committed), lose the
// answer after it ran (committed, caller sees UNAVAILABLE), or delay the real
// call past the caller's deadline. Only the test binaries link this.
#pragma once

#include <atomic>
#include <map>
#include <string>

#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "inventory/v1/inventory.grpc.pb.h"
#include "order/v1/order.grpc.pb.h"

namespace order_saga::testing {

enum class Fault {
  kNone,
  // Answer UNAVAILABLE without calling the real handler.
  kFailBefore,
  // Call the real handler (it commits), then answer UNAVAILABLE.
  kLoseAnswer,
  // Wait `delay`, then call the real handler (the caller gave up already).
  kDelay,
  // Answer INTERNAL without calling the real handler: a permanent error,
  // which the saga does not retry.
  kFailPermanently,
};

// Faults to inject, per method name ("Reserve", "ApproveOrder"...). Each
// entry fires `times` times (-1: for ever), then the method behaves.
class FaultPlan {
 public:
  void Set(const std::string& method, Fault fault, int times = 1,
           absl::Duration delay = absl::ZeroDuration());
  // The message kFailPermanently answers for `method` (default: "injected:
  // permanent failure of <method>").
  void SetMessage(const std::string& method, std::string message);
  std::string Message(const std::string& method);
  // The fault for this call of `method` (kNone once used up).
  Fault Next(const std::string& method, absl::Duration* delay);
  // Real handler calls completed, per method (delayed ones included).
  int Completed(const std::string& method);
  void MarkCompleted(const std::string& method);
  // Calls that reached `method` at all (faulted or not).
  int Calls(const std::string& method);

 private:
  struct Entry {
    Fault fault = Fault::kNone;
    int times = 0;
    absl::Duration delay;
  };
  absl::Mutex mu_;
  std::map<std::string, Entry> entries_ ABSL_GUARDED_BY(mu_);
  std::map<std::string, int> completed_ ABSL_GUARDED_BY(mu_);
  std::map<std::string, int> calls_ ABSL_GUARDED_BY(mu_);
  std::map<std::string, std::string> messages_ ABSL_GUARDED_BY(mu_);
};

class FaultyInventoryService final : public ::inventory::v1::InventoryService::Service {
 public:
  FaultyInventoryService(::inventory::v1::InventoryService::Service& real, FaultPlan& plan)
      : real_(real), plan_(plan) {}
  grpc::Status Reserve(grpc::ServerContext* context, const ::inventory::v1::ReserveRequest* request,
                       ::inventory::v1::ReserveResponse* response) override;
  // Faults planned for "Reserve" hit the batch call as a whole.
  grpc::Status ReserveBatch(grpc::ServerContext* context,
                            const ::inventory::v1::ReserveBatchRequest* request,
                            ::inventory::v1::ReserveBatchResponse* response) override;
  grpc::Status Release(grpc::ServerContext* context, const ::inventory::v1::ReleaseRequest* request,
                       ::inventory::v1::ReleaseResponse* response) override;
  grpc::Status GetProduct(grpc::ServerContext* context,
                          const ::inventory::v1::GetProductRequest* request,
                          ::inventory::v1::Product* response) override {
    return real_.GetProduct(context, request, response);
  }
  grpc::Status ListProducts(grpc::ServerContext* context,
                            const ::inventory::v1::ListProductsRequest* request,
                            ::inventory::v1::ListProductsResponse* response) override {
    return real_.ListProducts(context, request, response);
  }
  grpc::Status UpsertProduct(grpc::ServerContext* context, const ::inventory::v1::Product* request,
                             ::inventory::v1::Product* response) override {
    return real_.UpsertProduct(context, request, response);
  }
  grpc::Status ListReservations(grpc::ServerContext* context,
                                const ::inventory::v1::ListReservationsRequest* request,
                                ::inventory::v1::ListReservationsResponse* response) override {
    return real_.ListReservations(context, request, response);
  }
  grpc::Status GetReservation(grpc::ServerContext* context,
                              const ::inventory::v1::GetReservationRequest* request,
                              ::inventory::v1::Reservation* response) override {
    return real_.GetReservation(context, request, response);
  }

 private:
  ::inventory::v1::InventoryService::Service& real_;
  FaultPlan& plan_;
};

class FaultyOrderService final : public ::order::v1::OrderService::Service {
 public:
  FaultyOrderService(::order::v1::OrderService::Service& real, FaultPlan& plan)
      : real_(real), plan_(plan) {}
  grpc::Status CreateOrder(grpc::ServerContext* context,
                           const ::order::v1::CreateOrderRequest* request,
                           ::order::v1::Order* response) override;
  grpc::Status ApproveOrder(grpc::ServerContext* context,
                            const ::order::v1::ApproveOrderRequest* request,
                            ::order::v1::Order* response) override;
  // Faults planned for "CreateOrder" / "ApproveOrder" hit the batch calls
  // as a whole.
  grpc::Status CreateOrders(grpc::ServerContext* context,
                            const ::order::v1::CreateOrdersRequest* request,
                            ::order::v1::OrderBatchResponse* response) override;
  grpc::Status ApproveOrders(grpc::ServerContext* context,
                             const ::order::v1::ApproveOrdersRequest* request,
                             ::order::v1::OrderBatchResponse* response) override;
  grpc::Status RejectOrder(grpc::ServerContext* context,
                           const ::order::v1::RejectOrderRequest* request,
                           ::order::v1::Order* response) override;
  grpc::Status MarkCompensating(grpc::ServerContext* context,
                                const ::order::v1::MarkCompensatingRequest* request,
                                ::order::v1::Order* response) override;
  grpc::Status GetOrder(grpc::ServerContext* context, const ::order::v1::GetOrderRequest* request,
                        ::order::v1::Order* response) override {
    return real_.GetOrder(context, request, response);
  }
  grpc::Status ListOrders(grpc::ServerContext* context,
                          const ::order::v1::ListOrdersRequest* request,
                          ::order::v1::ListOrdersResponse* response) override {
    return real_.ListOrders(context, request, response);
  }
  grpc::Status CountOrders(grpc::ServerContext* context,
                           const ::order::v1::CountOrdersRequest* request,
                           ::order::v1::CountOrdersResponse* response) override {
    return real_.CountOrders(context, request, response);
  }
  grpc::Status RecordSagaFailure(grpc::ServerContext* context,
                                 const ::order::v1::RecordSagaFailureRequest* request,
                                 ::order::v1::Order* response) override {
    return real_.RecordSagaFailure(context, request, response);
  }
  grpc::Status ResumeSaga(grpc::ServerContext* context,
                          const ::order::v1::ResumeSagaRequest* request,
                          ::order::v1::Order* response) override {
    return real_.ResumeSaga(context, request, response);
  }
  grpc::Status GetSagaHistory(grpc::ServerContext* context,
                              const ::order::v1::GetSagaHistoryRequest* request,
                              ::order::v1::SagaHistory* response) override {
    return real_.GetSagaHistory(context, request, response);
  }

 private:
  ::order::v1::OrderService::Service& real_;
  FaultPlan& plan_;
};

}  // namespace order_saga::testing
