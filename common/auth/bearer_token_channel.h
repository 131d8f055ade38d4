// A client channel that sends "authorization: Bearer <token>" with every
// call (a client interceptor, so it works on plaintext channels too, where
// gRPC refuses call credentials). For the operator's tools and tests.
#pragma once

#include <memory>
#include <string>

#include <grpcpp/grpcpp.h>

namespace order_saga {

// `token` empty: a plain channel. `arguments`: gRPC channel arguments (for
// instance GRPC_ARG_USE_LOCAL_SUBCHANNEL_POOL, for a connection of its own).
std::shared_ptr<grpc::Channel> CreateChannelWithToken(
    const std::string& address, std::shared_ptr<grpc::ChannelCredentials> credentials,
    const std::string& token, const grpc::ChannelArguments& arguments = {});

}  // namespace order_saga
