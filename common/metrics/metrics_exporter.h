// Prometheus text metrics over HTTP: prometheus-cpp's Exposer serving one
// registry at http://<address>/metrics.
#pragma once

#include <memory>
#include <string>

#include <prometheus/exposer.h>
#include <prometheus/registry.h>

#include "absl/status/statusor.h"

namespace order_saga {

class MetricsExporter {
 public:
  // Serves `registry` on `address` ("127.0.0.1:9091"; port 0 picks a free
  // port). UNAVAILABLE naming the address if it cannot be bound.
  static absl::StatusOr<std::unique_ptr<MetricsExporter>> Start(
      const std::string& address, std::shared_ptr<prometheus::Registry> registry);

  // The port actually bound.
  int port() const;

 private:
  explicit MetricsExporter(std::unique_ptr<prometheus::Exposer> exposer)
      : exposer_(std::move(exposer)) {}

  std::unique_ptr<prometheus::Exposer> exposer_;
};

}  // namespace order_saga
