#include "common/mysql/database_health_monitor.h"

#include <optional>

#include <glog/logging.h>

namespace order_saga {
namespace {

MysqlConnectionPool::Options ProbeOptions(MysqlConnectionPool::Options options,
                                          absl::Duration interval) {
  options.size = 1;
  options.metrics = nullptr;  // the probe's connection is not the service's
  options.acquire_timeout = interval;
  options.io_timeout = std::max(interval, absl::Seconds(1));
  // The probe decides itself when to try again: every interval.
  options.reconnect_initial_backoff = absl::ZeroDuration();
  options.reconnect_max_backoff = absl::ZeroDuration();
  return options;
}

}  // namespace

DatabaseHealthMonitor::DatabaseHealthMonitor(MysqlConnectionPool::Options options,
                                             absl::Duration interval)
    : probe_pool_(std::make_unique<MysqlConnectionPool>(
          ProbeOptions(std::move(options), interval))),
      interval_(interval) {}

void DatabaseHealthMonitor::Start(std::function<void(bool serving)> report) {
  thread_ = std::thread([this, report = std::move(report)] { Loop(report); });
}

void DatabaseHealthMonitor::Stop() {
  if (!stop_.HasBeenNotified()) stop_.Notify();
  if (thread_.joinable()) thread_.join();
}

void DatabaseHealthMonitor::Loop(std::function<void(bool serving)> report) {
  std::optional<bool> reported;
  do {
    const absl::Status probe = probe_pool_->Ping();
    const bool serving = probe.ok();
    if (reported != serving) {
      if (serving) {
        LOG(INFO) << "database reachable: health SERVING";
      } else {
        LOG(WARNING) << "database unreachable, health NOT_SERVING: " << probe.message();
      }
      report(serving);
      reported = serving;
    }
  } while (!stop_.WaitForNotificationWithTimeout(interval_));
}

}  // namespace order_saga
