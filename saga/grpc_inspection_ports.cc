#include "saga/grpc_inspection_ports.h"

#include <grpcpp/client_context.h>

#include "absl/synchronization/blocking_counter.h"
#include "absl/time/clock.h"
#include "common/grpc_status.h"
#include "common/trace_context.h"
#include "saga/unary_call.h"

namespace order_saga::coordinator {

absl::StatusOr<::order::v1::ListOrdersResponse> GrpcSagaRecordsReader::ListPending(
    ::order::v1::SagaState state, int page_size, const std::string& page_token,
    absl::Time deadline) {
  ::order::v1::ListOrdersRequest request;
  request.set_status(::order::v1::ORDER_STATUS_PENDING);
  request.set_saga_state(state);
  request.set_page_size(page_size);
  request.set_page_token(page_token);
  return Invoke<::order::v1::ListOrdersRequest, ::order::v1::ListOrdersResponse>(clock_,
      [&](grpc::ClientContext* c, const ::order::v1::ListOrdersRequest& r,
          ::order::v1::ListOrdersResponse* o) { return stub_->ListOrders(c, r, o); },
      request, deadline);
}

std::vector<absl::StatusOr<::order::v1::SagaHistory>> GrpcSagaRecordsReader::Histories(
    const std::vector<std::string>& order_ids, absl::Time deadline) {
  struct Call {
    grpc::ClientContext context;
    ::order::v1::GetSagaHistoryRequest request;
    ::order::v1::SagaHistory response;
    grpc::Status status;
  };
  const auto system_deadline = absl::ToChronoTime(absl::Now() + (deadline - clock_.Now()));
  std::vector<std::unique_ptr<Call>> calls;
  calls.reserve(order_ids.size());
  absl::BlockingCounter done(static_cast<int>(order_ids.size()));
  for (const std::string& order_id : order_ids) {
    Call& call = *calls.emplace_back(std::make_unique<Call>());
    call.context.set_deadline(system_deadline);
    AddTraceMetadata(call.context);
    call.request.set_order_id(order_id);
    stub_->async()->GetSagaHistory(&call.context, &call.request, &call.response,
                                   [&call, &done](grpc::Status status) {
                                     call.status = std::move(status);
                                     done.DecrementCount();
                                   });
  }
  done.Wait();
  std::vector<absl::StatusOr<::order::v1::SagaHistory>> results;
  results.reserve(calls.size());
  for (std::unique_ptr<Call>& call : calls) {
    if (call->status.ok()) {
      results.emplace_back(std::move(call->response));
    } else {
      results.emplace_back(FromGrpcStatus(call->status));
    }
  }
  return results;
}

absl::StatusOr<std::optional<::inventory::v1::Reservation>> GrpcReservationReader::FindReservation(
    const std::string& order_id, absl::Time deadline) {
  ::inventory::v1::GetReservationRequest request;
  request.set_order_id(order_id);
  absl::StatusOr<::inventory::v1::Reservation> reservation =
      Invoke<::inventory::v1::GetReservationRequest, ::inventory::v1::Reservation>(clock_,
          [&](grpc::ClientContext* c, const ::inventory::v1::GetReservationRequest& r,
              ::inventory::v1::Reservation* o) { return stub_->GetReservation(c, r, o); },
          request, deadline);
  if (absl::IsNotFound(reservation.status())) return std::nullopt;
  if (!reservation.ok()) return reservation.status();
  return *std::move(reservation);
}

}  // namespace order_saga::coordinator
