// What the operator's inspector (SagaInspector) reads from the two
// participants. The ports speak the participants' own messages (order.v1,
// inventory.v1): the inspector shows an order and its records as the owning
// service reports them, so a domain copy of every field would add nothing.
// Implemented over gRPC (GrpcInspectionPorts) and by test doubles.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "inventory/v1/inventory.pb.h"
#include "order/v1/order.pb.h"

namespace order_saga::coordinator {

class SagaRecordsReader {
 public:
  virtual ~SagaRecordsReader() = default;
  // One page of PENDING orders whose saga is in `state`.
  virtual absl::StatusOr<::order::v1::ListOrdersResponse> ListPending(
      ::order::v1::SagaState state, int page_size, const std::string& page_token,
      absl::Time deadline) = 0;
  // The saga history of each order, one result per entry, in order. The
  // gRPC implementation asks for all of them at once (one round trip).
  virtual std::vector<absl::StatusOr<::order::v1::SagaHistory>> Histories(
      const std::vector<std::string>& order_ids, absl::Time deadline) = 0;
};

class ReservationReader {
 public:
  virtual ~ReservationReader() = default;
  // The reservation recorded under the order id; nullopt if there is none.
  virtual absl::StatusOr<std::optional<::inventory::v1::Reservation>> FindReservation(
      const std::string& order_id, absl::Time deadline) = 0;
};

}  // namespace order_saga::coordinator
