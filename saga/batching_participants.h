// Request coalescing on the coordinator's side: decorators of the
// participants that hand concurrent CreateOrder, ApproveOrder and Reserve
// calls of different sagas to one CreateOrders / ApproveOrders /
// ReserveBatch exchange (one RPC instead of one per saga; the services then
// apply each batch in one transaction). A caller that finds a batch slot
// free goes at once; under load batches grow by themselves (RequestBatcher).
// Each saga keeps its own result, deadline check and retries. A member whose
// deadline passed while it queued is answered DEADLINE_EXCEEDED without
// being sent; the others go with the latest deadline among them, so that
// one member about to expire cannot fail the rest (each Reserve entry still
// carries its own deadline as not_after). If the call fails each member
// sees that failure and retries on its own. Rejections and compensation
// marks pass straight through; the order service's other roles are not
// decorated at all (OrderPorts). Thread-safe.
#pragma once

#include "common/clock.h"
#include "common/request_batcher.h"
#include "saga/participants.h"

namespace order_saga::coordinator {

class BatchingOrderSagaSteps final : public OrderSagaSteps {
 public:
  // `inner` and `clock` must outlive this.
  BatchingOrderSagaSteps(OrderSagaSteps& inner, BatchOptions options,
                           Clock& clock);

  absl::StatusOr<OrderSnapshot> CreateOrder(const PlaceOrderCommand& command,
                                            absl::Time deadline) override;
  absl::StatusOr<OrderSnapshot> ApproveOrder(const std::string& order_id,
                                             absl::Time deadline) override;
  std::vector<absl::StatusOr<OrderSnapshot>> CreateOrders(
      const std::vector<const PlaceOrderCommand*>& commands, absl::Time deadline) override {
    return inner_.CreateOrders(commands, deadline);
  }
  std::vector<absl::StatusOr<OrderSnapshot>> ApproveOrders(
      const std::vector<const std::string*>& order_ids, absl::Time deadline) override {
    return inner_.ApproveOrders(order_ids, deadline);
  }
  absl::StatusOr<OrderSnapshot> RejectOrder(const std::string& order_id, RejectReason reason,
                                            const std::string& detail,
                                            absl::Time deadline) override {
    return inner_.RejectOrder(order_id, reason, detail, deadline);
  }
  absl::StatusOr<OrderSnapshot> MarkCompensating(const std::string& order_id,
                                                 RejectReason reason, const std::string& detail,
                                                 absl::Time deadline) override {
    return inner_.MarkCompensating(order_id, reason, detail, deadline);
  }

  // Batch calls made so far and the calls they carried, both kinds together.
  BatchCounts counts() const;

 private:
  struct Create {
    const PlaceOrderCommand* command;
    absl::Time deadline;
    std::string trace_id;
  };
  struct Approve {
    const std::string* order_id;
    absl::Time deadline;
    std::string trace_id;
  };

  OrderSagaSteps& inner_;
  Clock& clock_;
  RequestBatcher<Create, absl::StatusOr<OrderSnapshot>> creates_;
  RequestBatcher<Approve, absl::StatusOr<OrderSnapshot>> approvals_;
};

class BatchingInventoryParticipant final : public InventoryParticipant {
 public:
  // `inner` and `clock` must outlive this.
  BatchingInventoryParticipant(InventoryParticipant& inner, BatchOptions options,
                               Clock& clock);

  absl::StatusOr<ReserveAnswer> Reserve(const std::string& order_id,
                                        const std::vector<LineItem>& items,
                                        absl::Time deadline) override;
  std::vector<absl::StatusOr<ReserveAnswer>> ReserveBatch(
      const std::vector<const ReserveCall*>& calls, absl::Time deadline) override {
    return inner_.ReserveBatch(calls, deadline);
  }
  absl::Status Release(const std::string& order_id, absl::Time deadline) override {
    return inner_.Release(order_id, deadline);
  }
  absl::StatusOr<std::vector<int64_t>> SoldOutAmong(const std::vector<LineItem>& items,
                                                    absl::Time deadline) override {
    return inner_.SoldOutAmong(items, deadline);
  }

  // Batch calls made so far and the reservations they carried.
  BatchCounts counts() const { return reservations_.counts(); }

 private:
  struct Reservation {
    ReserveCall call;
    absl::Time deadline;
    std::string trace_id;
  };

  InventoryParticipant& inner_;
  Clock& clock_;
  RequestBatcher<Reservation, absl::StatusOr<ReserveAnswer>> reservations_;
};

}  // namespace order_saga::coordinator
