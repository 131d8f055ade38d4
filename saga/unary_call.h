// One unary call to a participant service, as the coordinator makes them:
// with a deadline and the current trace's metadata (common/trace_context.h),
// the answer converted to absl::StatusOr.
#pragma once

#include <grpcpp/client_context.h>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "absl/time/clock.h"
#include "common/clock.h"
#include "common/grpc_status.h"
#include "common/trace_context.h"

namespace order_saga::coordinator {

// `call(context, request, response)` is a stub method bound in a lambda.
// `deadline` is an instant of `clock` (the saga's, which may be offset
// from the system clock in tests): the call gets what is left of it.
template <typename Request, typename Response, typename Call>
absl::StatusOr<Response> Invoke(const Clock& clock, Call call, const Request& request,
                                absl::Time deadline) {
  grpc::ClientContext context;
  context.set_deadline(absl::ToChronoTime(absl::Now() + (deadline - clock.Now())));
  AddTraceMetadata(context);
  Response response;
  grpc::Status status = call(&context, request, &response);
  if (!status.ok()) return FromGrpcStatus(status);
  return response;
}

}  // namespace order_saga::coordinator
