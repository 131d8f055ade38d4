#include "audit/audit_snapshot.h"

#include <grpcpp/client_context.h>

#include "absl/time/clock.h"
#include "common/grpc_status.h"
#include "inventory/v1/inventory.grpc.pb.h"
#include "order/v1/order.grpc.pb.h"

namespace order_saga::audit {
namespace {

constexpr int kPageSize = 1000;

// Calls `method(context, request, response)` for every page, passing each
// response to `take`; requests carry the previous next_page_token.
template <typename Request, typename Response, typename Call, typename Take>
absl::Status ReadAllPages(Request request, absl::Duration call_timeout, Call method,
                          Take take) {
  request.set_page_size(kPageSize);
  do {
    grpc::ClientContext context;
    context.set_deadline(absl::ToChronoTime(absl::Now() + call_timeout));
    Response response;
    grpc::Status status = method(&context, request, &response);
    if (!status.ok()) return FromGrpcStatus(status);
    take(response);
    request.set_page_token(response.next_page_token());
  } while (!request.page_token().empty());
  return absl::OkStatus();
}

}  // namespace

absl::StatusOr<Snapshot> ReadSnapshot(const std::shared_ptr<grpc::Channel>& order_service,
                                      const std::shared_ptr<grpc::Channel>& inventory_service,
                                      absl::Duration call_timeout) {
  auto orders = ::order::v1::OrderService::NewStub(order_service);
  auto inventory = ::inventory::v1::InventoryService::NewStub(inventory_service);
  Snapshot snapshot;
  snapshot.taken_at = absl::Now();
  // Orders first: an order decided after this read can only make the
  // inventory side look further along, never behind.
  absl::Status status = ReadAllPages<::order::v1::ListOrdersRequest,
                                     ::order::v1::ListOrdersResponse>(
      {}, call_timeout,
      [&](auto* context, const auto& request, auto* response) {
        return orders->ListOrders(context, request, response);
      },
      [&](const ::order::v1::ListOrdersResponse& page) {
        snapshot.orders.insert(snapshot.orders.end(), page.orders().begin(),
                               page.orders().end());
      });
  if (!status.ok()) return status;
  status = ReadAllPages<::inventory::v1::ListReservationsRequest,
                        ::inventory::v1::ListReservationsResponse>(
      {}, call_timeout,
      [&](auto* context, const auto& request, auto* response) {
        return inventory->ListReservations(context, request, response);
      },
      [&](const ::inventory::v1::ListReservationsResponse& page) {
        snapshot.reservations.insert(snapshot.reservations.end(),
                                     page.reservations().begin(), page.reservations().end());
      });
  if (!status.ok()) return status;
  status = ReadAllPages<::inventory::v1::ListProductsRequest,
                        ::inventory::v1::ListProductsResponse>(
      {}, call_timeout,
      [&](auto* context, const auto& request, auto* response) {
        return inventory->ListProducts(context, request, response);
      },
      [&](const ::inventory::v1::ListProductsResponse& page) {
        snapshot.products.insert(snapshot.products.end(), page.products().begin(),
                                 page.products().end());
      });
  if (!status.ok()) return status;
  return snapshot;
}

}  // namespace order_saga::audit
