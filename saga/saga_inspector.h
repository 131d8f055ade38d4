// The operator's read side of the sagas (SagaAdmin's ListSagas and
// ExplainOrder): which sagas are in a state, with their history, and one
// order's timeline across the services. Shaped like PlaceOrderSaga: the
// rules here, the participants behind ports, the gRPC adapter
// (SagaAdminService) only authorizes and converts.
#pragma once

#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "common/clock.h"
#include "saga/inspection_ports.h"

namespace order_saga::coordinator {

// A saga in progress: its order and its failed attempts / operator actions.
struct SagaView {
  ::order::v1::Order order;
  std::vector<::order::v1::SagaStep> steps;
};

struct SagaPage {
  std::vector<SagaView> sagas;
  std::string next_page_token;
};

struct TimelineEntry {
  absl::Time time;
  std::string source;  // "order-service", "saga-coordinator", "inventory-service"
  std::string what;
  std::string detail;
};

struct OrderTimelineView {
  ::order::v1::Order order;
  // The inventory's record in one line; empty if it has none.
  std::string reservation;
  // Oldest first (entries of one instant keep their source order).
  std::vector<TimelineEntry> entries;
};

class SagaInspector {
 public:
  static constexpr int kDefaultPage = 50;
  static constexpr int kMaxPage = 200;

  // Everything must outlive the inspector. Each read gets `call_timeout`.
  SagaInspector(SagaRecordsReader& orders, ReservationReader& inventory, Clock& clock,
                absl::Duration call_timeout);

  // INVALID_ARGUMENT naming `state` or `page_size`. UNSPECIFIED means STUCK.
  absl::StatusOr<SagaPage> ListSagas(::order::v1::SagaState state, int page_size,
                                     const std::string& page_token);
  // NOT_FOUND for an unknown order. An inventory that does not answer is
  // shown in `reservation`, not an error.
  absl::StatusOr<OrderTimelineView> ExplainOrder(const std::string& order_id);

 private:
  absl::Time Deadline() const { return clock_.Now() + call_timeout_; }

  SagaRecordsReader& orders_;
  ReservationReader& inventory_;
  Clock& clock_;
  const absl::Duration call_timeout_;
};

}  // namespace order_saga::coordinator
