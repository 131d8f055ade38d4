// The invariant audit: given what both services report, checks that no stock
// was lost or invented and that every order's fate matches what the inventory
// holds for it. Pure logic over a snapshot; ReadSnapshot (audit_snapshot.h)
// takes the snapshot through the public read RPCs.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "absl/time/time.h"
#include "inventory/v1/inventory.pb.h"
#include "order/v1/order.pb.h"

namespace order_saga::audit {

// Everything both services report, read at `taken_at`.
struct Snapshot {
  std::vector<::inventory::v1::Product> products;
  std::vector<::inventory::v1::Reservation> reservations;
  std::vector<::order::v1::Order> orders;
  absl::Time taken_at;
};

struct AuditOptions {
  // A PENDING order last updated longer ago than this is a violation: the
  // recovery sweep should have decided it (recovery age + sweep interval +
  // saga deadline, with margin).
  absl::Duration recovery_window = absl::Seconds(30);
  // If set, each listed product's `supplied` must equal the given units
  // (what the test or operator put on sale): an independent check of the
  // counter itself.
  std::map<int64_t, int64_t> expected_supplied;
};

// One line of the per-product table.
struct ProductBalance {
  int64_t product_id = 0;
  int64_t supplied = 0;
  int64_t stock = 0;
  // Units held by reservations of APPROVED orders.
  int64_t held_by_approved = 0;
  // Units held for PENDING orders still inside the recovery window.
  int64_t held_in_flight = 0;
  // supplied == stock + every held unit, and stock >= 0.
  bool balanced = true;
};

struct AuditReport {
  std::vector<ProductBalance> products;
  int64_t orders_approved = 0;
  int64_t orders_rejected = 0;
  int64_t orders_pending = 0;
  int64_t reservations_held = 0;
  // Reservations that held stock and gave it back: compensated sagas.
  int64_t reservations_released = 0;
  // One sentence per broken invariant, naming the order or product.
  std::vector<std::string> violations;

  bool clean() const { return violations.empty(); }
};

AuditReport AuditStock(const Snapshot& snapshot, const AuditOptions& options);

// The table, the counts and every violation, for people.
std::string FormatAuditReport(const AuditReport& report);

}  // namespace order_saga::audit
