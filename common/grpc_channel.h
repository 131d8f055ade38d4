// Client channels to our own services.
#pragma once

#include <memory>
#include <string>

#include <grpcpp/channel.h>
#include <grpcpp/security/credentials.h>

#include "absl/time/time.h"

namespace order_saga {

struct ServiceChannelOptions {
  // Longest wait between reconnect attempts (gRPC's default cap is 120 s, far
  // too long to notice that a restarted service is back).
  absl::Duration max_reconnect_backoff = absl::Seconds(1);
  // HTTP/2 keepalive: a PING after this long without one, and the connection
  // is given up if it is not answered within keepalive_timeout. A replica
  // that vanished without a word (a node lost, a partition: no FIN, no RST)
  // or that is frozen (SIGSTOP: its kernel still takes the bytes) is noticed
  // in keepalive_time + keepalive_timeout, and its calls fail at once and are
  // retried on another replica. Zero: no keepalive.
  absl::Duration keepalive_time = absl::Seconds(1);
  absl::Duration keepalive_timeout = absl::Seconds(1);
  // Watch every replica's grpc.health.v1 status and send calls only to those
  // that answer SERVING (client-side health checking): a reconnected
  // connection to a frozen replica, which TCP alone would call healthy,
  // stays out of the rotation until the replica answers again, and so does
  // a replica that drains or lost its database.
  bool health_checked = false;
  // Connections of its own instead of the process-wide ones gRPC shares
  // between channels to one address: several such channels are a pool of
  // connections (each carries at most the server's
  // --max_concurrent_streams streams; the HTTP gateway holds one stream
  // per browser).
  bool own_connections = false;
};

// A channel to `address` (a name with several addresses, such as a headless
// Kubernetes Service or ipv4:host:port,host:port, is balanced round robin).
// `credentials` null: plaintext.
std::shared_ptr<grpc::Channel> CreateServiceChannel(
    const std::string& address, const ServiceChannelOptions& options,
    std::shared_ptr<grpc::ChannelCredentials> credentials = nullptr);

// The same with the default options but `max_reconnect_backoff`.
std::shared_ptr<grpc::Channel> CreateServiceChannel(
    const std::string& address, absl::Duration max_reconnect_backoff = absl::Seconds(1),
    std::shared_ptr<grpc::ChannelCredentials> credentials = nullptr);

}  // namespace order_saga
