#include "tests/e2e/open_loop_load.h"

#include <algorithm>
#include <thread>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/synchronization/notification.h"
#include "absl/time/clock.h"
#include "common/grpc_channel.h"

namespace order_saga::testing {

OpenLoopLoad::OpenLoopLoad(std::vector<std::string> coordinator_addresses,
                           std::function<saga::v1::PlaceOrderRequest(int64_t)> make_request)
    : addresses_(std::move(coordinator_addresses)), make_request_(std::move(make_request)) {}

std::vector<OpenLoopAnswer> OpenLoopLoad::Run(const OpenLoopOptions& options) {
  std::vector<std::unique_ptr<saga::v1::SagaCoordinator::Stub>> stubs;
  for (int c = 0; c < options.channels; ++c) {
    grpc::ChannelArguments arguments;
    arguments.SetInt("ordersaga.test_channel", c);  // a connection of its own
    stubs.push_back(saga::v1::SagaCoordinator::NewStub(grpc::CreateCustomChannel(
        addresses_[c % addresses_.size()], grpc::InsecureChannelCredentials(), arguments)));
  }
  struct Call {
    grpc::ClientContext context;
    saga::v1::PlaceOrderRequest request;
    OpenLoopAnswer answer;
  };
  absl::Mutex mu;
  std::vector<OpenLoopAnswer> answers;
  int64_t outstanding = 0;
  const absl::Time start = absl::Now();
  const int64_t total = static_cast<int64_t>(options.rate * absl::ToDoubleSeconds(options.duration));
  for (int64_t i = 0; i < total; ++i) {
    const absl::Time slot = start + absl::Seconds(static_cast<double>(i) / options.rate);
    const absl::Time now = absl::Now();
    if (slot > now) absl::SleepFor(slot - now);
    auto* call = new Call();
    call->request = make_request_(i);
    call->answer.request_id = call->request.request_id();
    call->answer.sent = absl::Now();
    call->context.set_deadline(absl::ToChronoTime(call->answer.sent + options.call_deadline));
    {
      absl::MutexLock lock(&mu);
      ++outstanding;
    }
    stubs[i % stubs.size()]->async()->PlaceOrder(
        &call->context, &call->request, &call->answer.response,
        [call, &mu, &answers, &outstanding](grpc::Status status) {
          call->answer.answered = absl::Now();
          call->answer.status = std::move(status);
          absl::MutexLock lock(&mu);
          answers.push_back(std::move(call->answer));
          --outstanding;
          delete call;
        });
  }
  absl::MutexLock lock(&mu);
  mu.Await(absl::Condition(
      +[](int64_t* n) { return *n == 0; }, &outstanding));
  return answers;
}

OpenLoopSummary Summarize(const std::vector<OpenLoopAnswer>& answers) {
  OpenLoopSummary summary;
  std::vector<absl::Duration> latencies;
  for (const OpenLoopAnswer& answer : answers) {
    ++summary.calls;
    latencies.push_back(answer.answered - answer.sent);
    if (!answer.status.ok()) {
      ++summary.refused[absl::StatusCodeToString(
          static_cast<absl::StatusCode>(answer.status.error_code()))];
    } else if (answer.response.status() == order::v1::ORDER_STATUS_APPROVED) {
      ++summary.approved;
    } else if (answer.response.status() == order::v1::ORDER_STATUS_REJECTED) {
      ++summary.rejected[order::v1::RejectReason_Name(answer.response.reject_reason())];
    } else {
      ++summary.pending;
    }
  }
  std::sort(latencies.begin(), latencies.end());
  if (!latencies.empty()) {
    summary.p50 = latencies[latencies.size() / 2];
    summary.p99 = latencies[std::min(latencies.size() - 1, latencies.size() * 99 / 100)];
  }
  return summary;
}

std::string OpenLoopSummary::ToString() const {
  std::string text = absl::StrFormat("%d calls: %d approved, %d pending", calls, approved, pending);
  for (const auto& [reason, n] : rejected) absl::StrAppend(&text, ", ", n, " rejected ", reason);
  for (const auto& [code, n] : refused) absl::StrAppend(&text, ", ", n, " refused ", code);
  absl::StrAppend(&text, "; latency p50 ", absl::FormatDuration(p50), " p99 ",
                  absl::FormatDuration(p99));
  return text;
}

std::vector<int64_t> ApprovedPerBucket(const std::vector<OpenLoopAnswer>& answers,
                                       absl::Time start, absl::Duration bucket,
                                       absl::Duration total) {
  std::vector<int64_t> buckets(static_cast<size_t>(total / bucket) + 1, 0);
  for (const OpenLoopAnswer& answer : answers) {
    if (!answer.status.ok() || answer.response.status() != order::v1::ORDER_STATUS_APPROVED) {
      continue;
    }
    const int64_t index = (answer.answered - start) / bucket;
    if (index >= 0 && index < static_cast<int64_t>(buckets.size())) ++buckets[index];
  }
  return buckets;
}

}  // namespace order_saga::testing
