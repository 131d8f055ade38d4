#include "common/metrics/metrics_exporter.h"

#include <exception>

#include "absl/strings/str_cat.h"

namespace order_saga {

absl::StatusOr<std::unique_ptr<MetricsExporter>> MetricsExporter::Start(
    const std::string& address, std::shared_ptr<prometheus::Registry> registry) {
  std::unique_ptr<prometheus::Exposer> exposer;
  try {
    // One serving thread is plenty for a scrape every few seconds.
    exposer = std::make_unique<prometheus::Exposer>(address, /*num_threads=*/1);
  } catch (const std::exception& e) {  // CivetWeb cannot bind
    return absl::UnavailableError(
        absl::StrCat("metrics: cannot listen on ", address, ": ", e.what()));
  }
  exposer->RegisterCollectable(registry);
  return std::unique_ptr<MetricsExporter>(new MetricsExporter(std::move(exposer)));
}

int MetricsExporter::port() const {
  std::vector<int> ports = exposer_->GetListeningPorts();
  return ports.empty() ? 0 : ports.front();
}

}  // namespace order_saga
