// grpc_ceiling_server: the server half of ordersaga_bench's calibrate-grpc
// phase. It runs the bootstrap every server binary runs (StartGrpcServer:
// the same synchronous thread pool, channel arguments, keepalive policy and
// metrics interceptor, configured by the same flags, and Abseil's deadlock
// detection off as in RunGrpcServer) with one service whose call answers at
// once. The orders/s it sustains is C_grpc, the most this machine could
// serve if an order cost only its client call. Once serving it prints
// "port N" on standard output (and then nothing more there); it stops on
// SIGTERM, which it is also sent when the process that started it ends.
//
//   grpc_ceiling_server [--listen_address=127.0.0.1:0]
#include <fcntl.h>
#include <signal.h>
#include <sys/prctl.h>
#include <unistd.h>

#include <iostream>

#include <glog/logging.h>
#include <grpcpp/grpcpp.h>

#include "bench/grpc_ceiling.grpc.pb.h"
#include "common/env_flags.h"
#include "common/grpc_server.h"
#include "absl/synchronization/mutex.h"
#include "common/server_flags.h"

namespace order_saga::bench {
namespace {

class GrpcCeilingService final : public ordersaga::bench::v1::GrpcCeiling::Service {
 public:
  grpc::Status Echo(grpc::ServerContext*, const saga::v1::PlaceOrderRequest* request,
                    saga::v1::PlaceOrderResponse* response) override {
    // What an approved order's answer holds: an id of the usual length.
    response->set_order_id(request->request_id().empty() ? "0190c0de-0000-7000-8000-000000000000"
                                                         : request->request_id());
    response->set_status(order::v1::ORDER_STATUS_APPROVED);
    return grpc::Status::OK;
  }
};

}  // namespace
}  // namespace order_saga::bench

int main(int argc, char** argv) {
  order_saga::BlockTerminationSignals();
  // Not left behind by a benchmark that was killed: its end is our SIGTERM
  // (blocked, so WaitForTerminationSignal sees it).
  prctl(PR_SET_PDEATHSIG, SIGTERM);
  if (getppid() == 1) return 1;  // it already ended
  order_saga::ParseFlagsWithEnvironment(&argc, &argv,
                                        "grpc_ceiling_server: a gRPC server whose one call "
                                        "answers at once (ordersaga_bench calibrate-grpc)");
  order_saga::ServerSetup setup = order_saga::ServerSetupFromFlagsOrExit();
  absl::SetMutexDeadlockDetectionMode(absl::OnDeadlockCycle::kIgnore);
  order_saga::bench::GrpcCeilingService service;
  absl::StatusOr<std::unique_ptr<order_saga::RunningGrpcServer>> server =
      order_saga::StartGrpcServer(setup.options, {&service});
  if (!server.ok()) {
    LOG(ERROR) << server.status();
    return 1;
  }
  std::cout << "port " << (*server)->port() << std::endl;
  // The reader stops reading after that line: nothing else may go there.
  const int null = open("/dev/null", O_WRONLY);
  if (null >= 0) dup2(null, STDOUT_FILENO);
  order_saga::WaitForTerminationSignal();
  (*server)->Shutdown();
  return 0;
}
