// Flags for request coalescing (group commit of concurrent writes, see
// RequestBatcher), shared by the coordinator (its calls to the services) and
// both services (their transactions): --coalesce_writes, --write_batch_max,
// --write_batch_concurrency.
#pragma once

#include "common/request_batcher.h"

namespace order_saga {

struct WriteCoalescingOptions {
  // False: each write runs in its own transaction (and each of the
  // coordinator's calls in its own RPC).
  bool enabled = true;
  BatchOptions batch;
};

// The options from the flags (validated while parsing: sizes >= 1).
WriteCoalescingOptions WriteCoalescingOptionsFromFlags();

}  // namespace order_saga
