#include "tests/conditions/closed_loop_load.h"

#include <grpcpp/grpcpp.h>

#include "absl/time/clock.h"

namespace order_saga::testing {

ClosedLoopLoad::ClosedLoopLoad(std::vector<std::string> addresses, int clients,
                               std::function<saga::v1::PlaceOrderRequest(int64_t)> make_request)
    : addresses_(std::move(addresses)), clients_(clients), make_request_(std::move(make_request)) {}

void ClosedLoopLoad::Start() {
  started_ = absl::Now();
  for (int c = 0; c < clients_; ++c) {
    threads_.emplace_back([this, c] {
      grpc::ChannelArguments arguments;
      arguments.SetInt("ordersaga.test_client", c);  // a connection of its own
      auto stub = saga::v1::SagaCoordinator::NewStub(grpc::CreateCustomChannel(
          addresses_[c % addresses_.size()], grpc::InsecureChannelCredentials(), arguments));
      while (!stopping_.load()) {
        OpenLoopAnswer answer;
        const saga::v1::PlaceOrderRequest request = make_request_(next_++);
        answer.request_id = request.request_id();
        answer.sent = absl::Now();
        grpc::ClientContext context;
        context.set_deadline(absl::ToChronoTime(answer.sent + absl::Seconds(30)));
        answer.status = stub->PlaceOrder(&context, request, &answer.response);
        answer.answered = absl::Now();
        absl::MutexLock lock(&mu_);
        answers_.push_back(std::move(answer));
      }
    });
  }
}

void ClosedLoopLoad::Stop() {
  stopping_.store(true);
  for (std::thread& thread : threads_) thread.join();
  threads_.clear();
}

std::vector<OpenLoopAnswer> ClosedLoopLoad::answers() const {
  absl::MutexLock lock(&mu_);
  return answers_;
}

double ApprovedPerSecond(const std::vector<OpenLoopAnswer>& answers, absl::Time from,
                         absl::Time to) {
  int64_t approved = 0;
  for (const OpenLoopAnswer& answer : answers) {
    if (answer.answered >= from && answer.answered < to && answer.status.ok() &&
        answer.response.status() == order::v1::ORDER_STATUS_APPROVED) {
      ++approved;
    }
  }
  return static_cast<double>(approved) / absl::ToDoubleSeconds(to - from);
}

absl::Duration RecoveryTime(const std::vector<OpenLoopAnswer>& answers, absl::Time fault,
                            absl::Time until, double baseline, double fraction) {
  const absl::Duration step = absl::Milliseconds(250);
  const double bar = fraction * baseline;
  for (absl::Time window = fault; window + absl::Seconds(1) <= until; window += step) {
    if (ApprovedPerSecond(answers, window, window + absl::Seconds(1)) >= bar &&
        ApprovedPerSecond(answers, window, until) >= bar) {
      return window + absl::Seconds(1) - fault;
    }
  }
  return absl::InfiniteDuration();
}

}  // namespace order_saga::testing
