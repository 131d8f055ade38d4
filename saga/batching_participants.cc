#include "saga/batching_participants.h"

#include <algorithm>

#include "common/trace_context.h"
#include "saga/retry.h"

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

// Sends the members of `batch` whose deadline has not passed with
// `send(live members, the latest of their deadlines)`; the others are
// answered DEADLINE_EXCEEDED, never sent. One result per member, in order.
template <typename Result, typename Member, typename Send>
std::vector<Result> SendLiveMembers(Clock& clock, const std::vector<const Member*>& batch,
                                    const Send& send) {
  const absl::Time now = clock.Now();
  std::vector<const Member*> live;
  live.reserve(batch.size());
  absl::Time latest = absl::InfinitePast();
  for (const Member* member : batch) {
    if (member->deadline <= now) continue;
    live.push_back(member);
    latest = std::max(latest, member->deadline);
  }
  if (live.size() == batch.size()) return send(live, latest);
  std::vector<Result> sent;
  if (!live.empty()) sent = send(live, latest);
  std::vector<Result> results;
  results.reserve(batch.size());
  size_t next = 0;
  for (const Member* member : batch) {
    if (member->deadline <= now) {
      results.push_back(NotSentError());  // expired while it queued
    } else {
      results.push_back(next < sent.size() ? std::move(sent[next])
                                           : absl::InternalError("a batch lost a result"));
      ++next;
    }
  }
  return results;
}

}  // namespace

BatchingOrderSagaSteps::BatchingOrderSagaSteps(OrderSagaSteps& inner,
                                                   BatchOptions options, Clock& clock)
    : inner_(inner),
      clock_(clock),
      creates_(options,
               [this](const std::vector<const Create*>& batch) {
                 return SendLiveMembers<absl::StatusOr<OrderSnapshot>>(
                     clock_, batch, [this](const std::vector<const Create*>& live,
                                           absl::Time deadline) {
                       std::vector<const PlaceOrderCommand*> commands;
                       commands.reserve(live.size());
                       for (const Create* create : live) commands.push_back(create->command);
                       ScopedEntryTraceIds traces(TraceIds(live));
                       return inner_.CreateOrders(commands, deadline);
                     });
               }),
      approvals_(options, [this](const std::vector<const Approve*>& batch) {
        return SendLiveMembers<absl::StatusOr<OrderSnapshot>>(
            clock_, batch, [this](const std::vector<const Approve*>& live, absl::Time deadline) {
              std::vector<const std::string*> order_ids;
              order_ids.reserve(live.size());
              for (const Approve* approve : live) order_ids.push_back(approve->order_id);
              ScopedEntryTraceIds traces(TraceIds(live));
              return inner_.ApproveOrders(order_ids, deadline);
            });
      }) {}

absl::StatusOr<OrderSnapshot> BatchingOrderSagaSteps::CreateOrder(
    const PlaceOrderCommand& command, absl::Time deadline) {
  return creates_.Submit(Create{&command, deadline, CurrentTraceId()});
}

absl::StatusOr<OrderSnapshot> BatchingOrderSagaSteps::ApproveOrder(
    const std::string& order_id, absl::Time deadline) {
  return approvals_.Submit(Approve{&order_id, deadline, CurrentTraceId()});
}

BatchCounts BatchingOrderSagaSteps::counts() const {
  const BatchCounts creates = creates_.counts();
  const BatchCounts approvals = approvals_.counts();
  return {creates.batches + approvals.batches, creates.requests + approvals.requests};
}

BatchingInventoryParticipant::BatchingInventoryParticipant(InventoryParticipant& inner,
                                                           BatchOptions options, Clock& clock)
    : inner_(inner),
      clock_(clock),
      reservations_(options, [this](const std::vector<const Reservation*>& batch) {
        return SendLiveMembers<absl::StatusOr<ReserveAnswer>>(
            clock_, batch,
            [this](const std::vector<const Reservation*>& live, absl::Time deadline) {
              std::vector<const ReserveCall*> calls;
              calls.reserve(live.size());
              for (const Reservation* reservation : live) calls.push_back(&reservation->call);
              ScopedEntryTraceIds traces(TraceIds(live));
              return inner_.ReserveBatch(calls, deadline);
            });
      }) {}

absl::StatusOr<ReserveAnswer> BatchingInventoryParticipant::Reserve(
    const std::string& order_id, const std::vector<LineItem>& items, absl::Time deadline) {
  // The entry keeps its own deadline as its not_after.
  return reservations_.Submit(
      Reservation{ReserveCall{order_id, items, deadline}, deadline, CurrentTraceId()});
}

}  // namespace order_saga::coordinator
