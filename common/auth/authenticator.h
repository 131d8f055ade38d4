// Who is calling: signed bearer tokens (HS256 JWT, verified with libjwt) in
// the `authorization` metadata ("Bearer <token>"), carrying the subject
// (`sub`, the customer id), a role (`role`: customer or admin) and an
// expiry (`exp`, required). The key is --auth_token_key_file; without it
// authentication is off (local use) and every caller is an anonymous admin.
//
// Every denial goes through Deny(): logged (method and subject, never the
// token) and counted (ordersaga_auth_denials_total{code}).
#pragma once

#include <memory>
#include <string>

#include <grpcpp/grpcpp.h>
#include <prometheus/counter.h>
#include <prometheus/registry.h>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"
#include "common/clock.h"

namespace order_saga {

enum class Role { kCustomer, kAdmin };

struct Principal {
  std::string subject;  // the customer id for customers
  Role role = Role::kAdmin;
  bool authenticated = false;  // false: authentication is off
  // When the token stops being valid (its exp); InfiniteFuture without one.
  absl::Time expires = absl::InfiniteFuture();

  bool is_admin() const { return role == Role::kAdmin; }
};

class Authenticator {
 public:
  // `key`: the HMAC key (at least 32 bytes). `registry` may be null.
  Authenticator(std::string key, Clock& clock, prometheus::Registry* registry = nullptr);

  // From --auth_token_key_file: null if the flag is empty (authentication
  // off), INVALID_ARGUMENT naming the flag if the file is unusable.
  static absl::StatusOr<std::unique_ptr<Authenticator>> FromFlags(
      prometheus::Registry* registry = nullptr);

  // The caller of a call. UNAUTHENTICATED (through Deny) if the token is
  // missing, malformed, forged, tampered with or expired.
  absl::StatusOr<Principal> Authenticate(const grpc::ServerContextBase& context,
                                         absl::string_view method) const;
  absl::StatusOr<Principal> Verify(absl::string_view token) const;

  // A token for `subject` with `role`, valid for `ttl` from now.
  std::string Mint(const std::string& subject, Role role, absl::Duration ttl) const;

  // Logs and counts a denial; returns `status`.
  absl::Status Deny(absl::Status status, absl::string_view method,
                    absl::string_view subject) const;

 private:
  const std::string key_;
  Clock& clock_;
  prometheus::Family<prometheus::Counter>* denials_ = nullptr;
};

// The caller of a call to a service that may have no authenticator
// (authentication off): an anonymous admin then.
absl::StatusOr<Principal> Authenticate(const Authenticator* authenticator,
                                       const grpc::ServerContextBase& context,
                                       absl::string_view method);

// PERMISSION_DENIED (through Deny) unless `principal` is an admin.
absl::Status RequireAdmin(const Authenticator* authenticator, const Principal& principal,
                          absl::string_view method);

// The customer a call acts for: a customer acts for themself (a different
// non-empty `requested` is PERMISSION_DENIED), an admin for `requested`.
absl::StatusOr<std::string> ActingCustomer(const Authenticator* authenticator,
                                           const Principal& principal,
                                           const std::string& requested,
                                           absl::string_view method);

}  // namespace order_saga
