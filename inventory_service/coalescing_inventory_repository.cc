#include "inventory_service/coalescing_inventory_repository.h"

namespace order_saga::inventory {

CoalescingInventoryRepository::CoalescingInventoryRepository(
    InventoryRepository& inner, BatchOptions options)
    : inner_(inner),
      batcher_(options, [this](const std::vector<const ReserveRequest*>& requests) {
        return inner_.ReserveBatch(requests);
      }) {}

absl::StatusOr<ReservationResult> CoalescingInventoryRepository::Reserve(
    const std::string& order_id, const std::vector<LineItem>& items) {
  return batcher_.Submit(ReserveRequest{order_id, items});
}

}  // namespace order_saga::inventory
