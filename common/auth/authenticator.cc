#include "common/auth/authenticator.h"

#include <cerrno>
#include <cstdlib>
#include <fstream>
#include <sstream>

#include <gflags/gflags.h>
#include <glog/logging.h>
#include <jwt.h>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "common/grpc_status.h"
#include "common/process_clock.h"

DEFINE_string(auth_token_key_file, "",
              "file holding the HMAC key (at least 32 bytes) that signs bearer tokens; "
              "empty: authentication off, every caller an anonymous admin "
              "(env AUTH_TOKEN_KEY_FILE)");

DEFINE_string(auth_trusted_peers, "saga-coordinator",
              "comma-separated certificate common names of services whose calls, over "
              "mutual TLS, need no token: they act as admins (the coordinator reading "
              "orders for its sweep) (env AUTH_TRUSTED_PEERS)");

namespace order_saga {
namespace {

constexpr size_t kMinKeyBytes = 32;

struct JwtDeleter {
  void operator()(jwt_t* jwt) const { jwt_free(jwt); }
};
using JwtPtr = std::unique_ptr<jwt_t, JwtDeleter>;

absl::Status Unauthenticated(absl::string_view why) {
  return absl::UnauthenticatedError(absl::StrCat("authorization: ", why));
}

}  // namespace

Authenticator::Authenticator(std::string key, Clock& clock, prometheus::Registry* registry)
    : key_(std::move(key)), clock_(clock) {
  if (registry != nullptr) {
    denials_ = &prometheus::BuildCounter()
                    .Name("ordersaga_auth_denials_total")
                    .Help("Calls refused for want of a valid token or of the right, by code")
                    .Register(*registry);
  }
}

absl::StatusOr<std::unique_ptr<Authenticator>> Authenticator::FromFlags(
    prometheus::Registry* registry) {
  if (FLAGS_auth_token_key_file.empty()) return std::unique_ptr<Authenticator>();
  std::ifstream file(FLAGS_auth_token_key_file, std::ios::binary);
  std::stringstream contents;
  contents << file.rdbuf();
  std::string key = contents.str();
  while (!key.empty() && (key.back() == '\n' || key.back() == '\r')) key.pop_back();
  if (!file || key.size() < kMinKeyBytes) {
    // The message names the file, never its contents.
    return absl::InvalidArgumentError(absl::StrCat(
        "--auth_token_key_file: cannot read a key of at least ", kMinKeyBytes,
        " bytes from '", FLAGS_auth_token_key_file, "'"));
  }
  return std::make_unique<Authenticator>(std::move(key), ProcessClock(), registry);
}

absl::StatusOr<Principal> Authenticator::Verify(absl::string_view token) const {
  jwt_t* raw = nullptr;
  const std::string text(token);
  if (jwt_decode(&raw, text.c_str(), reinterpret_cast<const unsigned char*>(key_.data()),
                 static_cast<int>(key_.size())) != 0 ||
      raw == nullptr) {
    return Unauthenticated("the token is malformed or its signature does not match");
  }
  JwtPtr jwt(raw);
  // Only HS256: a token may not choose a weaker algorithm (alg "none").
  if (jwt_get_alg(jwt.get()) != JWT_ALG_HS256) {
    return Unauthenticated("the token is not signed with HS256");
  }
  errno = 0;
  const long expiry = jwt_get_grant_int(jwt.get(), "exp");
  if (errno != 0 || expiry <= 0) return Unauthenticated("the token has no expiry (exp)");
  if (absl::FromUnixSeconds(expiry) <= clock_.Now()) {
    return Unauthenticated("the token has expired");
  }
  const char* subject = jwt_get_grant(jwt.get(), "sub");
  const char* role = jwt_get_grant(jwt.get(), "role");
  if (subject == nullptr || *subject == '\0') return Unauthenticated("the token has no subject (sub)");
  Principal principal;
  principal.subject = subject;
  principal.authenticated = true;
  principal.expires = absl::FromUnixSeconds(expiry);
  if (role != nullptr && std::string(role) == "customer") {
    principal.role = Role::kCustomer;
  } else if (role != nullptr && std::string(role) == "admin") {
    principal.role = Role::kAdmin;
  } else {
    return Unauthenticated("the token's role is neither customer nor admin");
  }
  return principal;
}

absl::StatusOr<Principal> Authenticator::Authenticate(const grpc::ServerContextBase& context,
                                                      absl::string_view method) const {
  // A trusted service proven by its client certificate (mutual TLS).
  std::shared_ptr<const grpc::AuthContext> peer = context.auth_context();
  if (peer != nullptr && peer->IsPeerAuthenticated()) {
    for (const grpc::string_ref& name : peer->FindPropertyValues("x509_common_name")) {
      const std::string common_name(name.data(), name.size());
      for (absl::string_view trusted :
           absl::StrSplit(FLAGS_auth_trusted_peers, ',', absl::SkipEmpty())) {
        if (common_name == trusted) return Principal{common_name, Role::kAdmin, true};
      }
    }
  }
  const auto& metadata = context.client_metadata();
  auto it = metadata.find("authorization");
  if (it == metadata.end()) {
    return Deny(Unauthenticated("missing; send \"authorization: Bearer <token>\""), method, "");
  }
  const absl::string_view value(it->second.data(), it->second.size());
  if (!absl::StartsWithIgnoreCase(value, "Bearer ")) {
    return Deny(Unauthenticated("not a bearer token"), method, "");
  }
  absl::StatusOr<Principal> principal = Verify(value.substr(7));
  if (!principal.ok()) return Deny(principal.status(), method, "");
  return principal;
}

std::string Authenticator::Mint(const std::string& subject, Role role,
                                absl::Duration ttl) const {
  jwt_t* raw = nullptr;
  jwt_new(&raw);
  JwtPtr jwt(raw);
  jwt_add_grant(jwt.get(), "sub", subject.c_str());
  jwt_add_grant(jwt.get(), "role", role == Role::kAdmin ? "admin" : "customer");
  jwt_add_grant_int(jwt.get(), "iat", static_cast<long>(absl::ToUnixSeconds(clock_.Now())));
  jwt_add_grant_int(jwt.get(), "exp", static_cast<long>(absl::ToUnixSeconds(clock_.Now() + ttl)));
  jwt_set_alg(jwt.get(), JWT_ALG_HS256, reinterpret_cast<const unsigned char*>(key_.data()),
              static_cast<int>(key_.size()));
  char* encoded = jwt_encode_str(jwt.get());
  std::string token = encoded == nullptr ? "" : encoded;
  free(encoded);  // libjwt 1.10 allocates with malloc
  return token;
}

absl::Status Authenticator::Deny(absl::Status status, absl::string_view method,
                                 absl::string_view subject) const {
  LOG_EVERY_N(WARNING, 20) << "denied " << method << " to "
                           << (subject.empty() ? "(no valid token)" : subject) << ": "
                           << status.message();
  if (denials_ != nullptr) {
    denials_->Add({{"code", absl::StatusCodeToString(status.code())}}).Increment();
  }
  return status;
}

absl::StatusOr<Principal> Authenticate(const Authenticator* authenticator,
                                       const grpc::ServerContextBase& context,
                                       absl::string_view method) {
  if (authenticator == nullptr) return Principal();
  return authenticator->Authenticate(context, method);
}

absl::Status RequireAdmin(const Authenticator* authenticator, const Principal& principal,
                          absl::string_view method) {
  if (principal.is_admin()) return absl::OkStatus();
  absl::Status denied = absl::PermissionDeniedError(
      absl::StrCat(method, ": needs the admin role; '", principal.subject, "' is a customer"));
  return authenticator != nullptr ? authenticator->Deny(denied, method, principal.subject)
                                  : denied;
}

absl::StatusOr<std::string> ActingCustomer(const Authenticator* authenticator,
                                           const Principal& principal,
                                           const std::string& requested,
                                           absl::string_view method) {
  if (principal.is_admin()) return requested;
  if (!requested.empty() && requested != principal.subject) {
    absl::Status denied = absl::PermissionDeniedError(absl::StrCat(
        "customer_id: '", principal.subject, "' may not act for another customer"));
    return authenticator != nullptr ? authenticator->Deny(denied, method, principal.subject)
                                    : denied;
  }
  return principal.subject;
}

}  // namespace order_saga
