#include "common/metrics/grpc_server_metrics.h"

#include <array>
#include <atomic>
#include <chrono>

#include <prometheus/counter.h>
#include <prometheus/histogram.h>

#include "absl/container/flat_hash_map.h"
#include "absl/strings/string_view.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/clock.h"
#include "absl/status/status.h"

namespace order_saga {
namespace {

// Seconds: 0.5 ms to ~8 s, doubling.
prometheus::Histogram::BucketBoundaries LatencyBuckets() {
  prometheus::Histogram::BucketBoundaries buckets;
  for (double bound = 0.0005; bound < 10; bound *= 2) buckets.push_back(bound);
  return buckets;
}

// The metric objects of one method, created on its first call (label maps
// are built once per method and code, not per call).
class MethodMetrics {
 public:
  MethodMetrics(prometheus::Family<prometheus::Counter>& handled,
                prometheus::Family<prometheus::Histogram>& latency,
                absl::string_view full_method)
      : handled_(handled) {
    // "/order.v1.OrderService/CreateOrder" -> service and method.
    absl::string_view name = full_method;
    if (!name.empty() && name.front() == '/') name.remove_prefix(1);
    const size_t slash = name.find('/');
    service_ = std::string(name.substr(0, slash));
    method_ = slash == absl::string_view::npos ? "" : std::string(name.substr(slash + 1));
    latency_ = &latency.Add({{"grpc_service", service_}, {"grpc_method", method_}},
                            LatencyBuckets());
  }

  void Record(grpc::StatusCode code, absl::Duration elapsed) {
    const int index = static_cast<int>(code) >= 0 && static_cast<int>(code) <= 16
                          ? static_cast<int>(code)
                          : static_cast<int>(grpc::StatusCode::UNKNOWN);
    prometheus::Counter* counter = handled_by_code_[index].load(std::memory_order_acquire);
    if (counter == nullptr) {
      // Family::Add returns the same counter for the same labels, so a race
      // here only looks it up twice.
      counter = &handled_.Add(
          {{"grpc_service", service_},
           {"grpc_method", method_},
           {"grpc_code", absl::StatusCodeToString(static_cast<absl::StatusCode>(index))}});
      handled_by_code_[index].store(counter, std::memory_order_release);
    }
    counter->Increment();
    latency_->Observe(absl::ToDoubleSeconds(elapsed));
  }

 private:
  prometheus::Family<prometheus::Counter>& handled_;
  std::string service_;
  std::string method_;
  prometheus::Histogram* latency_;
  std::array<std::atomic<prometheus::Counter*>, 17> handled_by_code_{};
};

class MetricsInterceptor final : public grpc::experimental::Interceptor {
 public:
  explicit MetricsInterceptor(MethodMetrics& metrics)
      : metrics_(metrics), start_(std::chrono::steady_clock::now()) {}

  void Intercept(grpc::experimental::InterceptorBatchMethods* methods) override {
    if (methods->QueryInterceptionHookPoint(
            grpc::experimental::InterceptionHookPoints::PRE_SEND_STATUS)) {
      metrics_.Record(methods->GetSendStatus().error_code(),
                      absl::FromChrono(std::chrono::steady_clock::now() - start_));
    }
    methods->Proceed();
  }

 private:
  MethodMetrics& metrics_;
  const std::chrono::steady_clock::time_point start_;
};

class MetricsInterceptorFactory final
    : public grpc::experimental::ServerInterceptorFactoryInterface {
 public:
  explicit MetricsInterceptorFactory(prometheus::Registry& registry)
      : handled_(prometheus::BuildCounter()
                     .Name("grpc_server_handled_total")
                     .Help("RPCs completed on the server, by method and status code")
                     .Register(registry)),
        latency_(prometheus::BuildHistogram()
                     .Name("grpc_server_handling_seconds")
                     .Help("Time from the start of an RPC to its status, by method")
                     .Register(registry)) {}

  grpc::experimental::Interceptor* CreateServerInterceptor(
      grpc::experimental::ServerRpcInfo* info) override {
    return new MetricsInterceptor(ForMethod(info->method()));
  }

 private:
  MethodMetrics& ForMethod(const char* method) {
    absl::MutexLock lock(&mu_);
    std::unique_ptr<MethodMetrics>& metrics = by_method_[method];
    if (metrics == nullptr) metrics = std::make_unique<MethodMetrics>(handled_, latency_, method);
    return *metrics;
  }

  prometheus::Family<prometheus::Counter>& handled_;
  prometheus::Family<prometheus::Histogram>& latency_;
  absl::Mutex mu_;
  // Method names come from the registered services: a fixed set.
  absl::flat_hash_map<std::string, std::unique_ptr<MethodMetrics>> by_method_
      ABSL_GUARDED_BY(mu_);
};

}  // namespace

std::unique_ptr<grpc::experimental::ServerInterceptorFactoryInterface>
CreateGrpcServerMetricsInterceptorFactory(prometheus::Registry& registry) {
  return std::make_unique<MetricsInterceptorFactory>(registry);
}

}  // namespace order_saga
