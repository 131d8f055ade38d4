// Probes the database every `interval` on a connection of its own and
// reports each change between reachable and unreachable, so the health
// service says NOT_SERVING while the database is down and SERVING again as
// soon as it is back (no restart needed).
#pragma once

#include <functional>
#include <memory>
#include <thread>

#include "absl/synchronization/notification.h"
#include "absl/time/time.h"
#include "common/mysql/mysql_connection_pool.h"

namespace order_saga {

class DatabaseHealthMonitor {
 public:
  // Probes with a pool of one connection made from `options`.
  DatabaseHealthMonitor(MysqlConnectionPool::Options options, absl::Duration interval);
  ~DatabaseHealthMonitor() { Stop(); }

  // Probes at once, then every interval, on a thread of its own; calls
  // `report(serving)` after the first probe and on every change.
  void Start(std::function<void(bool serving)> report);
  // Stops probing; no report after it returns. Idempotent.
  void Stop();

 private:
  void Loop(std::function<void(bool serving)> report);

  std::unique_ptr<MysqlConnectionPool> probe_pool_;
  const absl::Duration interval_;
  absl::Notification stop_;
  std::thread thread_;
};

}  // namespace order_saga
