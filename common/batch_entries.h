// The shape every batch call of the services shares: each entry is checked
// on its own; the valid ones go to storage together; the answer has one
// result per entry, in order, a bad entry carrying its own error.
#pragma once

#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"

namespace order_saga {

// `prepare(entry)` validates (and may normalize) one entry: a non-OK status
// becomes that entry's result. `run(valid)` gets pointers to the valid
// entries, in order, and returns one result for each. Returns one result per
// entry of `entries`.
template <typename Result, typename Entry, typename Prepare, typename Run>
std::vector<absl::StatusOr<Result>> RunValidEntries(std::vector<Entry>& entries,
                                                    const Prepare& prepare, const Run& run) {
  std::vector<absl::StatusOr<Result>> results(entries.size(),
                                              absl::InternalError("entry not handled"));
  std::vector<const Entry*> valid;
  std::vector<size_t> positions;
  for (size_t i = 0; i < entries.size(); ++i) {
    absl::Status status = prepare(entries[i]);
    if (!status.ok()) {
      results[i] = status;
      continue;
    }
    valid.push_back(&entries[i]);
    positions.push_back(i);
  }
  if (valid.empty()) return results;
  std::vector<absl::StatusOr<Result>> done = run(valid);
  for (size_t k = 0; k < positions.size() && k < done.size(); ++k) {
    results[positions[k]] = std::move(done[k]);
  }
  return results;
}

}  // namespace order_saga
