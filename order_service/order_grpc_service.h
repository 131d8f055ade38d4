// order.v1.OrderService over gRPC: translates proto <-> domain and
// absl::Status <-> grpc::Status; the rules are in OrderLifecycle.
#pragma once

#include "order/v1/order.grpc.pb.h"
#include "order_service/order_lifecycle.h"

namespace order_saga::orders {

// Fills `out` from `order`.
void OrderToProto(const Order& order, ::order::v1::Order* out);

class OrderGrpcService final : public ::order::v1::OrderService::Service {
 public:
  // `lifecycle` must outlive the service.
  explicit OrderGrpcService(OrderLifecycle& lifecycle) : lifecycle_(lifecycle) {}

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

 private:
  OrderLifecycle& lifecycle_;
};

}  // namespace order_saga::orders
