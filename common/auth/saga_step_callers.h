// Who may call the saga's participant steps (CreateOrder(s), ApproveOrder(s),
// RejectOrder, MarkCompensating, RecordSagaFailure, ResumeSaga, Reserve,
// ReserveBatch, Release): the saga coordinator's identity only, proven by
// its client certificate (mutual TLS) and named in --saga_step_callers
// (default saga-coordinator). A valid certificate of another identity (the
// `operator` certificate ops pods mount) or an admin token does not do:
// stock would be oversold by a Release of an approved order's reservation.
// What operators need goes through the coordinator's SagaAdmin RPCs with an
// admin token.
//
// Without a client certificate the caller cannot be known: allowed only
// while authentication is off and the call is plaintext (local use,
// everything open); over TLS it is refused. A participant
// started with tokens on and no mutual TLS refuses to start unless
// --saga_step_callers='*' says explicitly that anyone may call the steps.
// Thread-safe (immutable).
#pragma once

#include <string>
#include <vector>

#include <grpcpp/grpcpp.h>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "common/auth/authenticator.h"

namespace order_saga {

class SagaStepCallers {
 public:
  // From --saga_step_callers, for a server whose authentication is on if
  // `authenticator` is set (it must outlive this) and which requires client
  // certificates if `client_certificates_required`. INVALID_ARGUMENT naming
  // the flag for a configuration that would leave the steps open unsaid.
  static absl::StatusOr<SagaStepCallers> FromFlags(const Authenticator* authenticator,
                                                   bool client_certificates_required);

  // FromFlags, or the process ends with exit status 2 and the message
  // naming the flag (for a participant's main()).
  static SagaStepCallers FromFlagsOrExit(const Authenticator* authenticator,
                                         bool client_certificates_required);

  // `callers`: certificate common names, or {"*"} for anyone.
  SagaStepCallers(std::vector<std::string> callers, const Authenticator* authenticator)
      : callers_(std::move(callers)), authenticator_(authenticator) {}

  // OK if the call's peer may call `method`, a saga step; PERMISSION_DENIED
  // naming the caller otherwise (logged and counted through the
  // authenticator, if any).
  absl::Status Authorize(const grpc::ServerContextBase& context, absl::string_view method) const;

 private:
  bool AnyCaller() const { return callers_.size() == 1 && callers_.front() == "*"; }

  std::vector<std::string> callers_;
  const Authenticator* authenticator_;
};

}  // namespace order_saga
