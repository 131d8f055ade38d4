// Per-method gRPC server metrics, recorded by a server interceptor:
//   grpc_server_handled_total{grpc_service, grpc_method, grpc_code}
//   grpc_server_handling_seconds{grpc_service, grpc_method} (histogram)
// The labels are the method's names and the status code, never request
// content, so the number of series stays bounded.
#pragma once

#include <memory>

#include <grpcpp/support/server_interceptor.h>
#include <prometheus/registry.h>

namespace order_saga {

// Adds the two metric families to `registry` (which must outlive the
// factory) and creates one interceptor per call.
std::unique_ptr<grpc::experimental::ServerInterceptorFactoryInterface>
CreateGrpcServerMetricsInterceptorFactory(prometheus::Registry& registry);

}  // namespace order_saga
