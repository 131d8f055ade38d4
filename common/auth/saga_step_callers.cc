#include "common/auth/saga_step_callers.h"

#include <gflags/gflags.h>
#include <glog/logging.h>

#include <algorithm>
#include <cstdlib>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"

DEFINE_string(saga_step_callers, "saga-coordinator",
              "order and inventory services: comma-separated certificate common names that "
              "may call the saga's participant steps (CreateOrder, ApproveOrder, RejectOrder, "
              "MarkCompensating, RecordSagaFailure, ResumeSaga, Reserve, Release and the "
              "batch forms); '*' = any caller, for local use without mutual TLS "
              "(env SAGA_STEP_CALLERS)");

namespace order_saga {
namespace {

// A call that came over TLS: a caller without a client certificate there
// is not the local, all-open setup but a stranger.
bool OverTls(const std::shared_ptr<const grpc::AuthContext>& auth) {
  if (auth == nullptr) return false;
  for (const grpc::string_ref& type : auth->FindPropertyValues("transport_security_type")) {
    if (std::string(type.data(), type.size()) == "ssl") return true;
  }
  return false;
}

}  // namespace

absl::StatusOr<SagaStepCallers> SagaStepCallers::FromFlags(const Authenticator* authenticator,
                                                           bool client_certificates_required) {
  std::vector<std::string> callers =
      absl::StrSplit(FLAGS_saga_step_callers, ',', absl::SkipEmpty());
  if (callers.empty()) {
    return absl::InvalidArgumentError(
        "--saga_step_callers: empty; name the coordinator's certificate (saga-coordinator) "
        "or '*'");
  }
  SagaStepCallers result(std::move(callers), authenticator);
  if (authenticator != nullptr && !client_certificates_required && !result.AnyCaller()) {
    return absl::InvalidArgumentError(
        "--saga_step_callers: with --auth_token_key_file the saga's steps are confined to "
        "the coordinator's certificate, which needs mutual TLS (--tls_require_client_cert "
        "and --tls_ca_file); without it set --saga_step_callers='*' to leave the steps "
        "open to any caller (local use only)");
  }
  return result;
}

SagaStepCallers SagaStepCallers::FromFlagsOrExit(const Authenticator* authenticator,
                                                 bool client_certificates_required) {
  absl::StatusOr<SagaStepCallers> callers =
      FromFlags(authenticator, client_certificates_required);
  if (!callers.ok()) {
    LOG(ERROR) << callers.status();
    std::exit(2);
  }
  return *std::move(callers);
}

absl::Status SagaStepCallers::Authorize(const grpc::ServerContextBase& context,
                                        absl::string_view method) const {
  if (AnyCaller()) return absl::OkStatus();
  std::string peer;
  std::shared_ptr<const grpc::AuthContext> auth = context.auth_context();
  if (auth != nullptr && auth->IsPeerAuthenticated()) {
    for (const grpc::string_ref& name : auth->FindPropertyValues("x509_common_name")) {
      peer.assign(name.data(), name.size());
      if (std::find(callers_.begin(), callers_.end(), peer) != callers_.end()) {
        return absl::OkStatus();
      }
    }
  } else if (authenticator_ == nullptr && !OverTls(auth)) {
    return absl::OkStatus();  // no identities at all: local plaintext use, everything open
  }
  absl::Status denied = absl::PermissionDeniedError(absl::StrCat(
      method, ": only the saga coordinator (certificate ", absl::StrJoin(callers_, " or "),
      ") calls the saga's steps; caller ",
      peer.empty() ? std::string("without a client certificate") : absl::StrCat("'", peer, "'"),
      " is not it. Operators act through saga.v1.SagaAdmin with an admin token"));
  if (authenticator_ != nullptr) return authenticator_->Deny(denied, method, peer);
  LOG_EVERY_N(WARNING, 20) << "denied " << method << " to " << (peer.empty() ? "(no certificate)" : peer)
                           << ": not a saga step caller";
  return denied;
}

}  // namespace order_saga
