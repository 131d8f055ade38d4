#include "common/write_coalescing_flags.h"

#include <gflags/gflags.h>

#include "common/flag_validators.h"

DEFINE_bool(coalesce_writes, true,
            "apply concurrent writes together: in the services, "
            "reservations and order creations and approvals, one transaction "
            "per batch; in the coordinator, its calls to the services, one "
            "batch RPC per batch (env COALESCE_WRITES); false handles each on "
            "its own");
DEFINE_int32(write_batch_max, 128,
             "most requests in one write batch (env WRITE_BATCH_MAX)");
DEFINE_int32(write_batch_concurrency, 1,
             "most write batches of one kind running at once, each on its "
             "own database connection (env WRITE_BATCH_CONCURRENCY)");

// Batch sizes and counts must be >= 1.
DEFINE_validator(write_batch_max, &order_saga::FlagAtLeastOne);
DEFINE_validator(write_batch_concurrency, &order_saga::FlagAtLeastOne);

namespace order_saga {

WriteCoalescingOptions WriteCoalescingOptionsFromFlags() {
  return WriteCoalescingOptions{FLAGS_coalesce_writes,
                                {FLAGS_write_batch_max, FLAGS_write_batch_concurrency, {}}};
}

}  // namespace order_saga
