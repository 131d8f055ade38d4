// Sizes of the write batches of a process:
//   ordersaga_batch_size{batcher} (histogram, requests per batch)
// `batcher` names the queue ("coordinator_orders", "inventory_reservations",
// ...), a fixed set per binary.
#pragma once

#include <cstddef>
#include <functional>
#include <string>

#include <prometheus/histogram.h>
#include <prometheus/registry.h>

namespace order_saga {

class BatchMetrics {
 public:
  // `registry` must outlive this.
  explicit BatchMetrics(prometheus::Registry& registry);

  // A BatchOptions::observe_batch_size for the batcher named `batcher`.
  std::function<void(size_t)> Observer(const std::string& batcher);

 private:
  prometheus::Family<prometheus::Histogram>& sizes_;
};

}  // namespace order_saga
