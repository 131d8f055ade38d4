// The saga's participants over gRPC: one channel per service, a deadline on
// every call.
#pragma once

#include <memory>

#include <grpcpp/channel.h>

#include "inventory/v1/inventory.grpc.pb.h"
#include "order/v1/order.grpc.pb.h"
#include "common/clock.h"
#include "saga/participants.h"

namespace order_saga::coordinator {

class GrpcOrderParticipant final : public OrderParticipant {
 public:
  // `clock` (the saga's) must outlive this.
  explicit GrpcOrderParticipant(std::shared_ptr<grpc::Channel> channel,
                                const Clock& clock)
      : stub_(::order::v1::OrderService::NewStub(std::move(channel))), clock_(clock) {}

  absl::StatusOr<OrderSnapshot> CreateOrder(const PlaceOrderCommand& command,
                                            absl::Time deadline) override;
  absl::StatusOr<OrderSnapshot> ApproveOrder(const std::string& order_id,
                                             absl::Time deadline) override;
  // One CreateOrders / ApproveOrders RPC.
  std::vector<absl::StatusOr<OrderSnapshot>> CreateOrders(
      const std::vector<const PlaceOrderCommand*>& commands, absl::Time deadline) override;
  std::vector<absl::StatusOr<OrderSnapshot>> ApproveOrders(
      const std::vector<const std::string*>& order_ids, absl::Time deadline) override;
  absl::StatusOr<OrderSnapshot> RejectOrder(const std::string& order_id,
                                            RejectReason reason,
                                            const std::string& detail,
                                            absl::Time deadline) override;
  absl::StatusOr<OrderSnapshot> MarkCompensating(const std::string& order_id,
                                                 RejectReason reason,
                                                 const std::string& detail,
                                                 absl::Time deadline) override;
  absl::StatusOr<std::optional<OrderSnapshot>> FindByRequestId(
      const std::string& customer_id, const std::string& request_id,
      absl::Time deadline) override;
  absl::StatusOr<std::optional<OrderSnapshot>> FindOrder(const std::string& order_id,
                                                         absl::Time deadline) override;
  absl::StatusOr<StaleOrderPage> ListStalePending(absl::Duration min_age,
                                                  const std::string& page_token,
                                                  absl::Time deadline) override;
  absl::StatusOr<OrderSnapshot> RecordSagaFailure(const std::string& order_id,
                                                  const SagaFailureReport& report,
                                                  absl::Time deadline) override;
  absl::StatusOr<OrderSnapshot> ResumeSaga(const std::string& order_id,
                                           const std::string& note,
                                           absl::Time deadline) override;
  absl::StatusOr<int64_t> CountStuck(absl::Time deadline) override;

 private:
  std::unique_ptr<::order::v1::OrderService::Stub> stub_;
  const Clock& clock_;
};

class GrpcInventoryParticipant final : public InventoryParticipant {
 public:
  // `clock` (the saga's) must outlive this.
  explicit GrpcInventoryParticipant(std::shared_ptr<grpc::Channel> channel,
                                    const Clock& clock)
      : stub_(::inventory::v1::InventoryService::NewStub(std::move(channel))), clock_(clock) {}

  absl::StatusOr<ReserveAnswer> Reserve(const std::string& order_id,
                                        const std::vector<LineItem>& items,
                                        absl::Time deadline) override;
  // One ReserveBatch RPC.
  std::vector<absl::StatusOr<ReserveAnswer>> ReserveBatch(
      const std::vector<const ReserveCall*>& calls, absl::Time deadline) override;
  absl::Status Release(const std::string& order_id, absl::Time deadline) override;
  absl::StatusOr<std::vector<int64_t>> SoldOutAmong(const std::vector<LineItem>& items,
                                                    absl::Time deadline) override;

 private:
  std::unique_ptr<::inventory::v1::InventoryService::Stub> stub_;
  const Clock& clock_;
};

}  // namespace order_saga::coordinator
