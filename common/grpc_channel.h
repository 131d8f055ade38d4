// Client channels to our own services.
#pragma once

#include <memory>
#include <string>

#include <grpcpp/channel.h>
#include <grpcpp/security/credentials.h>

#include "absl/time/time.h"

namespace order_saga {

// A channel to `address` whose reconnect backoff is capped at
// `max_reconnect_backoff` (gRPC's default cap is 120 s, far too long to
// notice that a restarted service is back). `credentials` null: plaintext.
std::shared_ptr<grpc::Channel> CreateServiceChannel(
    const std::string& address, absl::Duration max_reconnect_backoff = absl::Seconds(1),
    std::shared_ptr<grpc::ChannelCredentials> credentials = nullptr);

}  // namespace order_saga
