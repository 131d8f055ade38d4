#include "tests/saga/in_memory_participants.h"

#include "common/trace_context.h"

namespace order_saga::coordinator::testing {
namespace {

// Applies `faults` around `action`.
template <typename Result, typename Action>
Result WithFaults(Faults& faults, Action action) {
  ++faults.calls;
  if (faults.before.load() > 0) {
    --faults.before;
    return absl::UnavailableError("injected: request lost");
  }
  Result result = action();
  if (faults.after.load() > 0) {
    --faults.after;
    return absl::UnavailableError("injected: answer lost");
  }
  return result;
}

absl::StatusOr<OrderSnapshot> Snapshot(const absl::StatusOr<orders::Order>& order) {
  if (!order.ok()) return order.status();
  return OrderSnapshot{order->order_id,      order->request_id,   order->status,
                       order->reject_reason, order->detail,       order->compensating,
                       order->items,         order->saga_attempts, order->stuck,
                       order->trace_id};
}

}  // namespace

absl::StatusOr<OrderSnapshot> InMemoryOrderParticipant::CreateOrder(
    const PlaceOrderCommand& command, absl::Time) {
  return WithFaults<absl::StatusOr<OrderSnapshot>>(create_faults, [&] {
    return Snapshot(lifecycle_.CreateOrder({command.request_id, command.customer_id,
                                            command.items, command.shipping_address,
                                            CurrentTraceId()}));
  });
}

absl::StatusOr<OrderSnapshot> InMemoryOrderParticipant::ApproveOrder(
    const std::string& order_id, absl::Time) {
  return WithFaults<absl::StatusOr<OrderSnapshot>>(approve_faults, [&] {
    if (before_approve) before_approve(order_id);
    return Snapshot(lifecycle_.ApproveOrder(order_id, "stock reserved"));
  });
}

absl::StatusOr<OrderSnapshot> InMemoryOrderParticipant::RejectOrder(
    const std::string& order_id, RejectReason reason, const std::string& detail, absl::Time) {
  return WithFaults<absl::StatusOr<OrderSnapshot>>(reject_faults, [&] {
    return Snapshot(lifecycle_.RejectOrder(order_id, reason, detail));
  });
}

absl::StatusOr<OrderSnapshot> InMemoryOrderParticipant::MarkCompensating(
    const std::string& order_id, RejectReason reason, const std::string& detail, absl::Time) {
  return Snapshot(lifecycle_.MarkCompensating(order_id, reason, detail));
}

namespace {

absl::StatusOr<std::optional<OrderSnapshot>> Found(absl::StatusOr<OrderSnapshot> order) {
  if (absl::IsNotFound(order.status())) return std::nullopt;
  if (!order.ok()) return order.status();
  return *order;
}

}  // namespace

absl::StatusOr<std::optional<OrderSnapshot>> InMemoryOrderParticipant::FindByRequestId(
    const std::string& customer_id, const std::string& request_id, absl::Time) {
  return Found(Snapshot(lifecycle_.GetOrder("", request_id, customer_id)));
}

absl::StatusOr<std::optional<OrderSnapshot>> InMemoryOrderParticipant::FindOrder(
    const std::string& order_id, absl::Time) {
  return Found(Snapshot(lifecycle_.GetOrder(order_id, "")));
}

absl::StatusOr<StaleOrderPage> InMemoryOrderParticipant::ListStalePending(
    absl::Duration min_age, const std::string& page_token, absl::Time) {
  absl::StatusOr<orders::OrderPage> page =
      lifecycle_.ListOrders(OrderStatus::kPending, "", 100, page_token, std::nullopt,
                            orders::SagaState::kActive, min_age);
  if (!page.ok()) return page.status();
  StaleOrderPage out;
  for (const orders::Order& order : page->orders) out.orders.push_back(*Snapshot(order));
  out.next_page_token = page->next_page_token;
  return out;
}

absl::StatusOr<OrderSnapshot> InMemoryOrderParticipant::RecordSagaFailure(
    const std::string& order_id, const SagaFailureReport& report, absl::Time) {
  ++failures_recorded;
  return Snapshot(lifecycle_.RecordSagaFailure(
      order_id, {report.attempt, report.step, report.error, CurrentTraceId(),
                 report.max_attempts, report.retry_delay, report.max_retry_delay}));
}

absl::StatusOr<OrderSnapshot> InMemoryOrderParticipant::ResumeSaga(const std::string& order_id,
                                                                   const std::string& note,
                                                                   absl::Time) {
  return Snapshot(lifecycle_.ResumeSaga(order_id, note, CurrentTraceId()));
}

absl::StatusOr<int64_t> InMemoryOrderParticipant::CountStuck(absl::Time) {
  absl::StatusOr<orders::OrderPage> page = lifecycle_.ListOrders(
      OrderStatus::kPending, "", 1000, "", std::nullopt, orders::SagaState::kStuck);
  if (!page.ok()) return page.status();
  return static_cast<int64_t>(page->orders.size());
}

absl::StatusOr<ReserveAnswer> InMemoryInventoryParticipant::Reserve(
    const std::string& order_id, const std::vector<LineItem>& items, absl::Time) {
  return WithFaults<absl::StatusOr<ReserveAnswer>>(
      reserve_faults, [&]() -> absl::StatusOr<ReserveAnswer> {
        absl::StatusOr<inventory::ReservationResult> result =
            ledger_.ReserveStock(order_id, items);
        if (!result.ok()) return result.status();
        ReserveOutcome outcome = ReserveOutcome::kReleased;
        switch (result->outcome) {
          case inventory::ReservationOutcome::kReserved: outcome = ReserveOutcome::kReserved; break;
          case inventory::ReservationOutcome::kOutOfStock:
            outcome = ReserveOutcome::kOutOfStock;
            break;
          case inventory::ReservationOutcome::kUnknownProduct:
            outcome = ReserveOutcome::kUnknownProduct;
            break;
          case inventory::ReservationOutcome::kReleased: break;
        }
        return ReserveAnswer{outcome, result->sold_out_product_ids, result->detail};
      });
}

absl::Status InMemoryInventoryParticipant::Release(const std::string& order_id, absl::Time) {
  return WithFaults<absl::Status>(release_faults, [&]() -> absl::Status {
    absl::StatusOr<inventory::ReleaseResult> result = ledger_.ReleaseReservation(order_id);
    if (!result.ok()) return result.status();
    if (result->stock_returned) ++stock_returns;
    return absl::OkStatus();
  });
}

absl::StatusOr<std::vector<int64_t>> InMemoryInventoryParticipant::SoldOutAmong(
    const std::vector<LineItem>& items, absl::Time) {
  ++sold_out_checks;
  std::vector<int64_t> sold_out;
  for (const LineItem& item : items) {
    absl::StatusOr<inventory::Product> product = ledger_.GetProduct(item.product_id);
    if (product.ok() && product->stock == 0) sold_out.push_back(item.product_id);
  }
  return sold_out;
}

int64_t InMemoryInventoryParticipant::Stock(int64_t product_id) {
  return ledger_.GetProduct(product_id)->stock;
}

}  // namespace order_saga::coordinator::testing
