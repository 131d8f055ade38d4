// An open-loop load of PlaceOrder calls: each call starts at its slot of a
// fixed schedule (`rate` per second), whether or not earlier calls have been
// answered, as a crowd of independent shoppers would (gRPC's callback API,
// so a slow answer holds no sending thread). Every answer is kept with the
// instant it arrived, for the overload and partition tests.
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include <grpcpp/grpcpp.h>

#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "saga/v1/saga.grpc.pb.h"

namespace order_saga::testing {

struct OpenLoopAnswer {
  std::string request_id;
  absl::Time sent;
  absl::Time answered;
  grpc::Status status;
  saga::v1::PlaceOrderResponse response;
};

struct OpenLoopOptions {
  double rate = 100;  // calls per second
  absl::Duration duration = absl::Seconds(10);
  absl::Duration call_deadline = absl::Seconds(10);
  // Channels the calls are spread over (one HTTP/2 connection each).
  int channels = 8;
};

class OpenLoopLoad {
 public:
  // `make_request(i)` builds call i (request ids must be unique).
  OpenLoopLoad(std::vector<std::string> coordinator_addresses,
               std::function<saga::v1::PlaceOrderRequest(int64_t)> make_request);

  // Sends for options.duration, then waits for every answer.
  std::vector<OpenLoopAnswer> Run(const OpenLoopOptions& options);

 private:
  std::vector<std::string> addresses_;
  std::function<saga::v1::PlaceOrderRequest(int64_t)> make_request_;
};

// What a run's answers add up to.
struct OpenLoopSummary {
  int64_t calls = 0;
  int64_t approved = 0;
  // Answered REJECTED, by reason name.
  std::map<std::string, int64_t> rejected;
  // Answered PENDING (the sweep decides them later).
  int64_t pending = 0;
  // Not OK, by gRPC code name.
  std::map<std::string, int64_t> refused;
  absl::Duration p50, p99;
  std::string ToString() const;
};
OpenLoopSummary Summarize(const std::vector<OpenLoopAnswer>& answers);

// Approved orders per `bucket` of answer time since `start`, for throughput
// over time (a partition and its recovery).
std::vector<int64_t> ApprovedPerBucket(const std::vector<OpenLoopAnswer>& answers,
                                       absl::Time start, absl::Duration bucket,
                                       absl::Duration total);

}  // namespace order_saga::testing
