#include "audit/stock_audit.h"

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_join.h"
#include "common/proto_conversion.h"

namespace order_saga::audit {
namespace {

using ::inventory::v1::RESERVATION_OUTCOME_RESERVED;
using ::order::v1::ORDER_STATUS_APPROVED;
using ::order::v1::ORDER_STATUS_PENDING;
using ::order::v1::ORDER_STATUS_REJECTED;

std::string ItemsText(const google::protobuf::RepeatedPtrField<::common::v1::LineItem>& items) {
  return absl::StrJoin(items, ",", [](std::string* out, const ::common::v1::LineItem& item) {
    absl::StrAppend(out, item.product_id(), "x", item.quantity());
  });
}

bool SameItems(const ::order::v1::Order& order, const ::inventory::v1::Reservation& held) {
  return ItemsText(order.items()) == ItemsText(held.items());
}

absl::Time UpdateTime(const ::order::v1::Order& order) {
  return TimeFromProto(order.update_time());
}

}  // namespace

AuditReport AuditStock(const Snapshot& snapshot, const AuditOptions& options) {
  AuditReport report;
  std::map<std::string, const ::order::v1::Order*> orders;
  std::map<std::string, bool> pending_in_window;
  for (const ::order::v1::Order& order : snapshot.orders) {
    orders[order.order_id()] = &order;
    switch (order.status()) {
      case ORDER_STATUS_APPROVED: ++report.orders_approved; break;
      case ORDER_STATUS_REJECTED: ++report.orders_rejected; break;
      case ORDER_STATUS_PENDING: {
        ++report.orders_pending;
        const absl::Duration age = snapshot.taken_at - UpdateTime(order);
        pending_in_window[order.order_id()] = age <= options.recovery_window;
        if (age > options.recovery_window) {
          report.violations.push_back(absl::StrCat(
              "order ", order.order_id(), " has been PENDING for ",
              absl::FormatDuration(absl::Trunc(age, absl::Milliseconds(1))),
              " (recovery window ", absl::FormatDuration(options.recovery_window), ")"));
        }
        break;
      }
      default:
        report.violations.push_back(absl::StrCat("order ", order.order_id(),
                                                 " has status ", order.status()));
    }
  }

  std::map<int64_t, ProductBalance> balances;
  for (const ::inventory::v1::Product& product : snapshot.products) {
    ProductBalance& balance = balances[product.product_id()];
    balance.product_id = product.product_id();
    balance.supplied = product.supplied();
    balance.stock = product.stock();
  }
  std::map<int64_t, int64_t> held;  // every RESERVED unit, whoever holds it
  std::map<std::string, const ::inventory::v1::Reservation*> reservations;
  for (const ::inventory::v1::Reservation& reservation : snapshot.reservations) {
    reservations[reservation.order_id()] = &reservation;
    if (reservation.outcome() == ::inventory::v1::RESERVATION_OUTCOME_RELEASED &&
        reservation.items_size() > 0) {
      ++report.reservations_released;
    }
    if (reservation.outcome() != RESERVATION_OUTCOME_RESERVED) continue;
    ++report.reservations_held;
    for (const ::common::v1::LineItem& item : reservation.items()) {
      held[item.product_id()] += item.quantity();
    }
    auto order = orders.find(reservation.order_id());
    if (order == orders.end()) {
      report.violations.push_back(absl::StrCat("reservation ", reservation.order_id(),
                                               " holds stock but there is no such order"));
      continue;
    }
    const ::order::v1::Order& owner = *order->second;
    int64_t ProductBalance::*bucket = nullptr;
    if (owner.status() == ORDER_STATUS_APPROVED) {
      bucket = &ProductBalance::held_by_approved;
      if (!SameItems(owner, reservation)) {
        report.violations.push_back(absl::StrCat(
            "APPROVED order ", owner.order_id(), " has items ", ItemsText(owner.items()),
            " but its reservation holds ", ItemsText(reservation.items())));
      }
    } else if (owner.status() == ORDER_STATUS_PENDING) {
      if (pending_in_window[owner.order_id()]) bucket = &ProductBalance::held_in_flight;
    } else {
      report.violations.push_back(absl::StrCat(
          ::order::v1::OrderStatus_Name(owner.status()), " order ", owner.order_id(),
          " still holds stock (", ItemsText(reservation.items()), ")"));
    }
    if (bucket == nullptr) continue;
    for (const ::common::v1::LineItem& item : reservation.items()) {
      balances[item.product_id()].*bucket += item.quantity();
    }
  }

  for (const auto& [order_id, order] : orders) {
    if (order->status() != ORDER_STATUS_APPROVED) continue;
    auto reservation = reservations.find(order_id);
    if (reservation == reservations.end()) {
      report.violations.push_back(
          absl::StrCat("APPROVED order ", order_id, " holds no reservation"));
    } else if (reservation->second->outcome() != RESERVATION_OUTCOME_RESERVED) {
      report.violations.push_back(absl::StrCat(
          "APPROVED order ", order_id, " holds no stock (reservation ",
          ::inventory::v1::ReservationOutcome_Name(reservation->second->outcome()), ")"));
    }
  }

  for (auto& [product_id, balance] : balances) {
    balance.product_id = product_id;
    const int64_t held_units = held[product_id];
    if (balance.stock < 0) {
      balance.balanced = false;
      report.violations.push_back(
          absl::StrCat("product ", product_id, " has negative stock ", balance.stock));
    }
    if (balance.supplied != balance.stock + held_units) {
      balance.balanced = false;
      const int64_t difference = balance.stock + held_units - balance.supplied;
      report.violations.push_back(absl::StrCat(
          "product ", product_id, ": supplied ", balance.supplied, " != stock ",
          balance.stock, " + held ", held_units, " (", std::abs(difference), " units ",
          difference > 0 ? "invented" : "lost", ")"));
    }
    auto expected = options.expected_supplied.find(product_id);
    if (expected != options.expected_supplied.end() && expected->second != balance.supplied) {
      balance.balanced = false;
      report.violations.push_back(absl::StrCat("product ", product_id, ": supplied ",
                                               balance.supplied, ", expected ",
                                               expected->second));
    }
    report.products.push_back(balance);
  }
  for (const auto& [product_id, units] : options.expected_supplied) {
    if (balances.count(product_id) == 0) {
      report.violations.push_back(absl::StrCat("product ", product_id, " is missing"));
    }
  }
  return report;
}

std::string FormatAuditReport(const AuditReport& report) {
  std::string out = absl::StrFormat("%10s %10s %10s %16s %16s  %s\n", "product", "supplied",
                                    "stock", "held(approved)", "held(in flight)", "balance");
  for (const ProductBalance& balance : report.products) {
    absl::StrAppendFormat(&out, "%10d %10d %10d %16d %16d  %s\n", balance.product_id,
                          balance.supplied, balance.stock, balance.held_by_approved,
                          balance.held_in_flight, balance.balanced ? "ok" : "VIOLATED");
  }
  absl::StrAppendFormat(&out,
                        "orders: %d approved, %d rejected, %d pending; "
                        "%d reservations hold stock\n",
                        report.orders_approved, report.orders_rejected,
                        report.orders_pending, report.reservations_held);
  if (report.clean()) {
    absl::StrAppend(&out, "audit: clean\n");
  } else {
    absl::StrAppend(&out, "audit: ", report.violations.size(), " violation(s)\n");
    for (const std::string& violation : report.violations) {
      absl::StrAppend(&out, "  - ", violation, "\n");
    }
  }
  return out;
}

}  // namespace order_saga::audit
