// Helpers for multi-row statements (INSERT ... VALUES (...), (...); IN (...)
// lists) with bound values: the SQL text holds placeholders only.
//
// Rows are cut into chunks of 64, 32, ..., 1 (or, where a repeated row is
// harmless, padded up to one of those sizes), so that a session prepares at
// most seven shapes of each statement (MysqlSession caches every prepared
// text) while a batch of any size still needs only a few round trips.
#pragma once

#include <algorithm>
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

// Calls run(begin, size, shape) for consecutive chunks of up to
// kMaxRowsPerStatement rows covering [0, total), in ascending order: one
// statement per 64 rows instead of one per set bit of the chunk's size.
// `shape`, the rows the statement is prepared for, is `size` rounded up to
// a power of two (so again at most seven shapes); its rows past `size`
// repeat the chunk's last row (PaddedRow). Only for statements that a
// repeated row leaves unchanged: IN lists (a row is read, locked, changed
// or inserted from once however often its key is listed) and CASE arms
// (the first match wins), and INSERT IGNORE ... VALUES whose repeated row
// is a duplicate key. Never for a plain INSERT ... VALUES.
template <typename Run>
void ForEachPaddedChunk(size_t total, const Run& run) {
  for (size_t begin = 0; begin < total; begin += kMaxRowsPerStatement) {
    const size_t size = std::min(kMaxRowsPerStatement, total - begin);
    size_t shape = 1;
    while (shape < size) shape *= 2;
    run(begin, size, shape);
  }
}

// The row bound at position `i` (0 <= i < shape) of the padded chunk
// [begin, begin + size): row begin + i, or past the chunk's end its last row.
inline size_t PaddedRow(size_t begin, size_t size, size_t i) {
  return begin + std::min(i, size - 1);
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
