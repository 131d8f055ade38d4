// The inspector's ports over gRPC: the order service's ListOrders and
// GetSagaHistory, the inventory's GetReservation.
#pragma once

#include <memory>

#include <grpcpp/channel.h>

#include "common/clock.h"
#include "inventory/v1/inventory.grpc.pb.h"
#include "order/v1/order.grpc.pb.h"
#include "saga/inspection_ports.h"

namespace order_saga::coordinator {

class GrpcSagaRecordsReader final : public SagaRecordsReader {
 public:
  // `clock` (the saga's) must outlive this.
  GrpcSagaRecordsReader(std::shared_ptr<grpc::Channel> channel, const Clock& clock)
      : stub_(::order::v1::OrderService::NewStub(std::move(channel))), clock_(clock) {}

  absl::StatusOr<::order::v1::ListOrdersResponse> ListPending(
      ::order::v1::SagaState state, int page_size, const std::string& page_token,
      absl::Time deadline) override;
  // Every GetSagaHistory is started at once on the callback API and all are
  // awaited: a page of 200 sagas costs one round trip, not 200.
  std::vector<absl::StatusOr<::order::v1::SagaHistory>> Histories(
      const std::vector<std::string>& order_ids, absl::Time deadline) override;

 private:
  std::unique_ptr<::order::v1::OrderService::Stub> stub_;
  const Clock& clock_;
};

class GrpcReservationReader final : public ReservationReader {
 public:
  GrpcReservationReader(std::shared_ptr<grpc::Channel> channel, const Clock& clock)
      : stub_(::inventory::v1::InventoryService::NewStub(std::move(channel))), clock_(clock) {}

  absl::StatusOr<std::optional<::inventory::v1::Reservation>> FindReservation(
      const std::string& order_id, absl::Time deadline) override;

 private:
  std::unique_ptr<::inventory::v1::InventoryService::Stub> stub_;
  const Clock& clock_;
};

}  // namespace order_saga::coordinator
