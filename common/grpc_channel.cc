#include "common/grpc_channel.h"

#include <algorithm>

#include <grpcpp/create_channel.h>
#include <grpcpp/security/credentials.h>
#include <grpcpp/support/channel_arguments.h>

namespace order_saga {

std::shared_ptr<grpc::Channel> CreateServiceChannel(
    const std::string& address, absl::Duration max_reconnect_backoff,
    std::shared_ptr<grpc::ChannelCredentials> credentials) {
  const int max_ms = static_cast<int>(
      std::max<int64_t>(100, absl::ToInt64Milliseconds(max_reconnect_backoff)));
  grpc::ChannelArguments arguments;
  arguments.SetInt(GRPC_ARG_INITIAL_RECONNECT_BACKOFF_MS, std::min(100, max_ms));
  arguments.SetInt(GRPC_ARG_MIN_RECONNECT_BACKOFF_MS, std::min(100, max_ms));
  arguments.SetInt(GRPC_ARG_MAX_RECONNECT_BACKOFF_MS, max_ms);
  // A name with several addresses (a headless Kubernetes Service:
  // dns:///order-service:50052) spreads calls over all of them.
  arguments.SetLoadBalancingPolicyName("round_robin");
  return grpc::CreateCustomChannel(
      address, credentials ? credentials : grpc::InsecureChannelCredentials(), arguments);
}

}  // namespace order_saga
