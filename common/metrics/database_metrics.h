// Metrics of a service's MySQL access:
//   ordersaga_db_connections_in_use      connections lent out by the pool
//   ordersaga_db_connections_waiting     callers waiting for a connection
//   ordersaga_db_errors_total{kind}      SQL errors by kind: deadlock,
//       lock_wait_timeout, connection_lost, duplicate_key, constraint, other
// Thread-safe.
#pragma once

#include <prometheus/counter.h>
#include <prometheus/gauge.h>
#include <prometheus/registry.h>

#include "absl/strings/string_view.h"

namespace order_saga {

class DatabaseMetrics {
 public:
  // `registry` must outlive this.
  explicit DatabaseMetrics(prometheus::Registry& registry);

  prometheus::Gauge& in_use() { return in_use_; }
  prometheus::Gauge& waiting() { return waiting_; }
  // `kind` is one of the fixed kinds above (see SqlErrorKind).
  void CountError(absl::string_view kind);

 private:
  prometheus::Gauge& in_use_;
  prometheus::Gauge& waiting_;
  prometheus::Family<prometheus::Counter>& errors_;
};

}  // namespace order_saga
