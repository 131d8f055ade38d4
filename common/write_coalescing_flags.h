// Flags of the two database-backed services for request coalescing (group
// commit of concurrent writes, see RequestBatcher): --coalesce_writes,
// --write_batch_max, --write_batch_concurrency.
#pragma once

#include "absl/status/statusor.h"

namespace order_saga {

struct WriteCoalescingOptions {
  // False: each write runs in its own transaction.
  bool enabled = true;
  int max_batch_size = 128;
  int max_concurrent_batches = 1;
};

// INVALID_ARGUMENT naming the flag if a size is below 1.
absl::StatusOr<WriteCoalescingOptions> WriteCoalescingOptionsFromFlags();

}  // namespace order_saga
