#include "common/metrics/database_metrics.h"

#include <string>

namespace order_saga {

DatabaseMetrics::DatabaseMetrics(prometheus::Registry& registry)
    : in_use_(prometheus::BuildGauge()
                  .Name("ordersaga_db_connections_in_use")
                  .Help("MySQL connections lent out by the pool")
                  .Register(registry)
                  .Add({})),
      waiting_(prometheus::BuildGauge()
                   .Name("ordersaga_db_connections_waiting")
                   .Help("Callers waiting for a MySQL connection")
                   .Register(registry)
                   .Add({})),
      errors_(prometheus::BuildCounter()
                  .Name("ordersaga_db_errors_total")
                  .Help("SQL errors by kind")
                  .Register(registry)) {}

void DatabaseMetrics::CountError(absl::string_view kind) {
  errors_.Add({{"kind", std::string(kind)}}).Increment();
}

}  // namespace order_saga
