#include "saga/batching_participants.h"

#include <algorithm>

#include "common/trace_context.h"

namespace order_saga::coordinator {
namespace {

// The trace ids of a batch's members, in order (the batch call carries them
// as entry traceparents).
template <typename Member>
std::vector<std::string> TraceIds(const std::vector<const Member*>& members) {
  std::vector<std::string> ids;
  ids.reserve(members.size());
  for (const Member* member : members) ids.push_back(member->trace_id);
  return ids;
}

// The earliest deadline of a batch's members: no member waits past its own.
template <typename Member>
absl::Time EarliestDeadline(const std::vector<const Member*>& members) {
  absl::Time earliest = absl::InfiniteFuture();
  for (const Member* member : members) earliest = std::min(earliest, member->deadline);
  return earliest;
}

}  // namespace

BatchingOrderParticipant::BatchingOrderParticipant(OrderParticipant& inner,
                                                   BatchOptions options)
    : inner_(inner),
      creates_(options,
               [this](const std::vector<const Create*>& batch) {
                 std::vector<const PlaceOrderCommand*> commands;
                 commands.reserve(batch.size());
                 for (const Create* create : batch) commands.push_back(create->command);
                 ScopedEntryTraceIds traces(TraceIds(batch));
                 return inner_.CreateOrders(commands, EarliestDeadline(batch));
               }),
      approvals_(options, [this](const std::vector<const Approve*>& batch) {
        std::vector<const std::string*> order_ids;
        order_ids.reserve(batch.size());
        for (const Approve* approve : batch) order_ids.push_back(approve->order_id);
        ScopedEntryTraceIds traces(TraceIds(batch));
        return inner_.ApproveOrders(order_ids, EarliestDeadline(batch));
      }) {}

absl::StatusOr<OrderSnapshot> BatchingOrderParticipant::CreateOrder(
    const PlaceOrderCommand& command, absl::Time deadline) {
  return creates_.Submit(Create{&command, deadline, CurrentTraceId()});
}

absl::StatusOr<OrderSnapshot> BatchingOrderParticipant::ApproveOrder(
    const std::string& order_id, absl::Time deadline) {
  return approvals_.Submit(Approve{&order_id, deadline, CurrentTraceId()});
}

BatchCounts BatchingOrderParticipant::counts() const {
  const BatchCounts creates = creates_.counts();
  const BatchCounts approvals = approvals_.counts();
  return {creates.batches + approvals.batches, creates.requests + approvals.requests};
}

BatchingInventoryParticipant::BatchingInventoryParticipant(InventoryParticipant& inner,
                                                           BatchOptions options)
    : inner_(inner), reservations_(options, [this](const std::vector<const Reservation*>& batch) {
        std::vector<const ReserveCall*> calls;
        calls.reserve(batch.size());
        for (const Reservation* reservation : batch) calls.push_back(&reservation->call);
        ScopedEntryTraceIds traces(TraceIds(batch));
        return inner_.ReserveBatch(calls, EarliestDeadline(batch));
      }) {}

absl::StatusOr<ReserveAnswer> BatchingInventoryParticipant::Reserve(
    const std::string& order_id, const std::vector<LineItem>& items, absl::Time deadline) {
  return reservations_.Submit(
      Reservation{ReserveCall{order_id, items}, deadline, CurrentTraceId()});
}

}  // namespace order_saga::coordinator
