// CPU time (user + system) consumed by a set of processes, from
// /proc/<pid>/stat: the servers' cost per order.
#pragma once

#include <sys/types.h>

#include <vector>

#include "absl/time/time.h"

namespace order_saga::bench {

// Sum of utime + stime of `pids` (a pid that is gone counts zero).
absl::Duration CpuTimeOf(const std::vector<pid_t>& pids);

}  // namespace order_saga::bench
