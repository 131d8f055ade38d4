#include "common/metrics/batch_metrics.h"

namespace order_saga {

BatchMetrics::BatchMetrics(prometheus::Registry& registry)
    : sizes_(prometheus::BuildHistogram()
                 .Name("ordersaga_batch_size")
                 .Help("Requests per write batch (coalesced calls or transactions)")
                 .Register(registry)) {}

std::function<void(size_t)> BatchMetrics::Observer(const std::string& batcher) {
  prometheus::Histogram& histogram =
      sizes_.Add({{"batcher", batcher}},
                 prometheus::Histogram::BucketBoundaries{1, 2, 4, 8, 16, 32, 64, 128, 256});
  return [&histogram](size_t size) { histogram.Observe(static_cast<double>(size)); };
}

}  // namespace order_saga
