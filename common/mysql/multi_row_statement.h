// Helpers for multi-row statements (INSERT ... VALUES (...), (...); IN (...)
// lists) with bound values: the SQL text holds placeholders only.
//
// Rows are cut into chunks of 64, 32, ..., 1, so that a session prepares at
// most seven shapes of each statement (MysqlSession caches every prepared
// text) while a batch of any size still needs only a few round trips.
#pragma once

#include <cstddef>
#include <string>

#include "absl/strings/str_cat.h"
#include "absl/strings/string_view.h"

namespace order_saga {

inline constexpr size_t kMaxRowsPerStatement = 64;

// Calls run(begin, size) for consecutive chunks covering [0, total), in
// ascending order, each of a power-of-two size <= kMaxRowsPerStatement.
template <typename Run>
void ForEachChunk(size_t total, const Run& run) {
  size_t begin = 0;
  while (begin < total) {
    size_t size = kMaxRowsPerStatement;
    while (size > total - begin) size /= 2;
    run(begin, size);
    begin += size;
  }
}

// `count` copies of `group` joined by `separator`: "(?, ?), (?, ?)".
inline std::string Repeated(absl::string_view group, size_t count,
                            absl::string_view separator = ", ") {
  std::string text;
  for (size_t i = 0; i < count; ++i) {
    absl::StrAppend(&text, i == 0 ? "" : separator, group);
  }
  return text;
}

}  // namespace order_saga
