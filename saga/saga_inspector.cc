#include "saga/saga_inspector.h"

#include <algorithm>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "common/proto_conversion.h"
#include "common/status_macros.h"

namespace order_saga::coordinator {
namespace {

std::string ItemsText(const google::protobuf::RepeatedPtrField<::common::v1::LineItem>& items) {
  return absl::StrJoin(items, ", ", [](std::string* out, const ::common::v1::LineItem& item) {
    absl::StrAppend(out, "product ", item.product_id(), " x", item.quantity());
  });
}

// What changed between two consecutive events of one order.
std::string EventWhat(const ::order::v1::Order* before, const ::order::v1::Order& after) {
  if (before == nullptr) {
    return after.status() == ::order::v1::ORDER_STATUS_PENDING
               ? "order recorded (PENDING)"
               : absl::StrCat("order recorded as ", ::order::v1::OrderStatus_Name(after.status()));
  }
  if (after.status() != ::order::v1::ORDER_STATUS_PENDING) {
    return after.status() == ::order::v1::ORDER_STATUS_APPROVED
               ? "APPROVED"
               : absl::StrCat("REJECTED ", ::order::v1::RejectReason_Name(after.reject_reason()));
  }
  if (after.compensating() && !before->compensating()) {
    return absl::StrCat("compensation started (",
                        ::order::v1::RejectReason_Name(after.reject_reason()), ")");
  }
  return "saga state changed (parked as stuck, or resumed by an operator)";
}

std::string StepWhat(const ::order::v1::SagaStep& step) {
  if (step.step() == "operator") return "operator action";
  if (step.step() == "stuck") return "parked as stuck";
  return absl::StrCat(step.step(), " failed (attempt ", step.attempt(), ")");
}

// The inventory's record: one summary line and its entries.
void AddReservation(const ::inventory::v1::Reservation& reservation, OrderTimelineView& view) {
  const std::string outcome = ::inventory::v1::ReservationOutcome_Name(reservation.outcome());
  const bool released = reservation.outcome() == ::inventory::v1::RESERVATION_OUTCOME_RELEASED;
  const bool tombstone = released && reservation.items_size() == 0;
  view.reservation = absl::StrCat(outcome, tombstone ? " (tombstone)" : "",
                                  reservation.items_size() > 0 ? ": " : "",
                                  ItemsText(reservation.items()));
  const absl::Time created = TimeFromProto(reservation.create_time());
  if (tombstone) {
    view.entries.push_back(
        {created, "inventory-service",
         "tombstone recorded: released before any reservation; a later Reserve is refused",
         reservation.detail()});
    return;
  }
  view.entries.push_back({created, "inventory-service",
                          released ? "stock reserved" : absl::StrCat("reservation recorded: ", outcome),
                          released ? ItemsText(reservation.items()) : reservation.detail()});
  if (released) {
    view.entries.push_back({TimeFromProto(reservation.update_time()), "inventory-service",
                            "stock released (compensation)", reservation.detail()});
  }
}

}  // namespace

SagaInspector::SagaInspector(SagaRecordsReader& orders, ReservationReader& inventory,
                             Clock& clock, absl::Duration call_timeout)
    : orders_(orders), inventory_(inventory), clock_(clock), call_timeout_(call_timeout) {}

absl::StatusOr<SagaPage> SagaInspector::ListSagas(::order::v1::SagaState state, int page_size,
                                                  const std::string& page_token) {
  if (state == ::order::v1::SAGA_STATE_UNSPECIFIED) state = ::order::v1::SAGA_STATE_STUCK;
  if (state != ::order::v1::SAGA_STATE_STUCK && state != ::order::v1::SAGA_STATE_ACTIVE &&
      state != ::order::v1::SAGA_STATE_BACKING_OFF) {
    return absl::InvalidArgumentError(
        "state: one of SAGA_STATE_STUCK, SAGA_STATE_ACTIVE and SAGA_STATE_BACKING_OFF "
        "(finished orders: OrderService/ListOrders)");
  }
  if (page_size < 0 || page_size > kMaxPage) {
    return absl::InvalidArgumentError(absl::StrCat("page_size: must be between 0 and ", kMaxPage));
  }
  const absl::Time deadline = Deadline();
  ASSIGN_OR_RETURN(::order::v1::ListOrdersResponse page,
                   orders_.ListPending(state, page_size == 0 ? kDefaultPage : page_size,
                                       page_token, deadline));
  std::vector<std::string> ids;
  ids.reserve(page.orders_size());
  for (const ::order::v1::Order& order : page.orders()) ids.push_back(order.order_id());
  std::vector<absl::StatusOr<::order::v1::SagaHistory>> histories =
      orders_.Histories(ids, deadline);
  if (histories.size() != ids.size()) {
    return absl::InternalError("the order service answered a different number of histories");
  }
  SagaPage result;
  result.next_page_token = page.next_page_token();
  for (size_t i = 0; i < ids.size(); ++i) {
    if (!histories[i].ok()) return histories[i].status();
    SagaView& view = result.sagas.emplace_back();
    view.order = std::move(*page.mutable_orders(static_cast<int>(i)));
    view.steps.assign(histories[i]->steps().begin(), histories[i]->steps().end());
  }
  return result;
}

absl::StatusOr<OrderTimelineView> SagaInspector::ExplainOrder(const std::string& order_id) {
  std::vector<absl::StatusOr<::order::v1::SagaHistory>> histories =
      orders_.Histories({order_id}, Deadline());
  if (histories.size() != 1) {
    return absl::InternalError("the order service answered a different number of histories");
  }
  if (!histories[0].ok()) return histories[0].status();
  const ::order::v1::SagaHistory& history = *histories[0];
  OrderTimelineView view;
  view.order = history.order();
  const ::order::v1::Order* before = nullptr;
  for (const ::order::v1::OrderEvent& event : history.events()) {
    view.entries.push_back({TimeFromProto(event.order().update_time()), "order-service",
                            absl::StrCat(EventWhat(before, event.order()), " [event ",
                                         event.event_id(), "]"),
                            event.order().detail()});
    before = &event.order();
  }
  for (const ::order::v1::SagaStep& step : history.steps()) {
    view.entries.push_back(
        {TimeFromProto(step.time()), "saga-coordinator", StepWhat(step), step.detail()});
  }
  absl::StatusOr<std::optional<::inventory::v1::Reservation>> reservation =
      inventory_.FindReservation(order_id, Deadline());
  if (!reservation.ok()) {
    view.reservation = absl::StrCat("unknown: the inventory did not answer (",
                                    reservation.status().message(), ")");
  } else if (reservation->has_value()) {
    AddReservation(**reservation, view);
  }
  std::stable_sort(view.entries.begin(), view.entries.end(),
                   [](const TimelineEntry& a, const TimelineEntry& b) { return a.time < b.time; });
  return view;
}

}  // namespace order_saga::coordinator
