// order.v1.OrderService over gRPC: translates proto <-> domain and
// absl::Status <-> grpc::Status; the rules are in OrderLifecycle.
#pragma once

#include "common/auth/authenticator.h"
#include "common/auth/saga_step_callers.h"
#include "common/clock.h"
#include "order/v1/order.grpc.pb.h"
#include "order_service/order_event_feed.h"
#include "order_service/order_lifecycle.h"
#include "order_service/order_watch_stream.h"

namespace order_saga::orders {

// The watch streams use gRPC's callback API (no thread per open stream);
// every other method is synchronous.
using OrderServiceBase = ::order::v1::OrderService::WithCallbackMethod_WatchOrder<
    ::order::v1::OrderService::WithCallbackMethod_WatchOrders<
        ::order::v1::OrderService::Service>>;

class OrderGrpcService final : public OrderServiceBase {
 public:
  // Everything must outlive the service. Each write nudges `feed`; watch
  // streams are opened by `streams`. A `read_only` service (the public
  // read/watch replicas, --read_only) refuses the saga's participant RPCs
  // with PERMISSION_DENIED and writes nothing.
  // With an `authenticator`, the reads and watches need a token: a customer
  // sees only their own orders, an admin every order. The participant RPCs
  // are the coordinator's: with `saga_step_callers` set, only the callers
  // it allows (SagaStepCallers) reach them.
  // `clock` tells the saga state an answer shows.
  OrderGrpcService(OrderLifecycle& lifecycle, OrderEventFeed& feed, OrderWatchStreams& streams,
                   const Clock& clock, bool read_only = false,
                   const Authenticator* authenticator = nullptr,
                   const SagaStepCallers* saga_step_callers = nullptr)
      : lifecycle_(lifecycle),
        feed_(feed),
        streams_(streams),
        clock_(clock),
        read_only_(read_only),
        authenticator_(authenticator),
        saga_step_callers_(saga_step_callers) {}

  grpc::Status CreateOrder(grpc::ServerContext* context,
                           const ::order::v1::CreateOrderRequest* request,
                           ::order::v1::Order* response) override;
  grpc::Status ApproveOrder(grpc::ServerContext* context,
                            const ::order::v1::ApproveOrderRequest* request,
                            ::order::v1::Order* response) override;
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
  grpc::Status GetOrder(grpc::ServerContext* context,
                        const ::order::v1::GetOrderRequest* request,
                        ::order::v1::Order* response) override;
  grpc::Status ListOrders(grpc::ServerContext* context,
                          const ::order::v1::ListOrdersRequest* request,
                          ::order::v1::ListOrdersResponse* response) override;
  grpc::Status CountOrders(grpc::ServerContext* context,
                           const ::order::v1::CountOrdersRequest* request,
                           ::order::v1::CountOrdersResponse* response) override;
  grpc::Status RecordSagaFailure(grpc::ServerContext* context,
                                 const ::order::v1::RecordSagaFailureRequest* request,
                                 ::order::v1::Order* response) override;
  grpc::Status ResumeSaga(grpc::ServerContext* context,
                          const ::order::v1::ResumeSagaRequest* request,
                          ::order::v1::Order* response) override;
  grpc::Status GetSagaHistory(grpc::ServerContext* context,
                              const ::order::v1::GetSagaHistoryRequest* request,
                              ::order::v1::SagaHistory* response) override;
  grpc::ServerWriteReactor<::order::v1::OrderEvent>* WatchOrder(
      grpc::CallbackServerContext* context,
      const ::order::v1::WatchOrderRequest* request) override;
  grpc::ServerWriteReactor<::order::v1::OrderEvent>* WatchOrders(
      grpc::CallbackServerContext* context,
      const ::order::v1::WatchOrdersRequest* request) override;

 private:
  // PERMISSION_DENIED (through the authenticator) if `order` is another
  // customer's than the calling customer's.
  absl::Status CheckOwner(const Principal& caller, const absl::StatusOr<Order>& order,
                          absl::string_view method) const;

  // Not OK if the caller may not call the saga step `method` here (a
  // read-only replica, or a caller that is not the coordinator).
  grpc::Status RefuseSagaStep(const grpc::ServerContext& context, const char* method) const;

  OrderLifecycle& lifecycle_;
  OrderEventFeed& feed_;
  OrderWatchStreams& streams_;
  const Clock& clock_;
  const bool read_only_;
  const Authenticator* authenticator_;
  const SagaStepCallers* saga_step_callers_;
};

}  // namespace order_saga::orders
