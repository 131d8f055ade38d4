// Reads an audit Snapshot through the services' public read RPCs
// (ListProducts, ListReservations, ListOrders), page by page.
#pragma once

#include <memory>

#include <grpcpp/channel.h>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "audit/stock_audit.h"

namespace order_saga::audit {

// The reads are not one transaction across two services: audit a quiet
// system (no saga in flight), or expect PENDING orders inside the recovery
// window to be reported as in flight. Each call gets `call_timeout`.
absl::StatusOr<Snapshot> ReadSnapshot(const std::shared_ptr<grpc::Channel>& order_service,
                                      const std::shared_ptr<grpc::Channel>& inventory_service,
                                      absl::Duration call_timeout = absl::Seconds(10));

}  // namespace order_saga::audit
