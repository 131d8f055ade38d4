#include "common/grpc_channel.h"

#include <algorithm>

#include <grpcpp/create_channel.h>
#include <grpcpp/security/credentials.h>
#include <grpcpp/support/channel_arguments.h>

namespace order_saga {

std::shared_ptr<grpc::Channel> CreateServiceChannel(
    const std::string& address, const ServiceChannelOptions& options,
    std::shared_ptr<grpc::ChannelCredentials> credentials) {
  const int max_ms = static_cast<int>(
      std::max<int64_t>(100, absl::ToInt64Milliseconds(options.max_reconnect_backoff)));
  grpc::ChannelArguments arguments;
  arguments.SetInt(GRPC_ARG_INITIAL_RECONNECT_BACKOFF_MS, std::min(100, max_ms));
  arguments.SetInt(GRPC_ARG_MIN_RECONNECT_BACKOFF_MS, std::min(100, max_ms));
  arguments.SetInt(GRPC_ARG_MAX_RECONNECT_BACKOFF_MS, max_ms);
  if (options.own_connections) arguments.SetInt(GRPC_ARG_USE_LOCAL_SUBCHANNEL_POOL, 1);
  if (options.keepalive_time > absl::ZeroDuration()) {
    arguments.SetInt(GRPC_ARG_KEEPALIVE_TIME_MS,
                     static_cast<int>(absl::ToInt64Milliseconds(options.keepalive_time)));
    arguments.SetInt(GRPC_ARG_KEEPALIVE_TIMEOUT_MS,
                     static_cast<int>(absl::ToInt64Milliseconds(options.keepalive_timeout)));
    // Also while no call is open, and however long no data was sent (the
    // servers accept pings this often: ServerKeepalivePolicy).
    arguments.SetInt(GRPC_ARG_KEEPALIVE_PERMIT_WITHOUT_CALLS, 1);
    arguments.SetInt(GRPC_ARG_HTTP2_MAX_PINGS_WITHOUT_DATA, 0);
  }
  // Round robin over every address the name resolves to; with health
  // checking, over those that report SERVING.
  arguments.SetServiceConfigJSON(
      options.health_checked
          ? R"({"loadBalancingConfig": [{"round_robin": {}}],)"
            R"( "healthCheckConfig": {"serviceName": ""}})"
          : R"({"loadBalancingConfig": [{"round_robin": {}}]})");
  return grpc::CreateCustomChannel(
      address, credentials ? credentials : grpc::InsecureChannelCredentials(), arguments);
}

std::shared_ptr<grpc::Channel> CreateServiceChannel(
    const std::string& address, absl::Duration max_reconnect_backoff,
    std::shared_ptr<grpc::ChannelCredentials> credentials) {
  ServiceChannelOptions options;
  options.max_reconnect_backoff = max_reconnect_backoff;
  return CreateServiceChannel(address, options, std::move(credentials));
}

}  // namespace order_saga
