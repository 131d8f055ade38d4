// How multi-row statements cut a batch: exact chunks for INSERT ... VALUES,
// padded chunks (one statement per 64 rows) where a repeated row is
// harmless.
#include "common/mysql/multi_row_statement.h"

#include <tuple>
#include <utility>
#include <vector>

#include <gtest/gtest.h>

namespace order_saga {
namespace {

std::vector<std::pair<size_t, size_t>> Chunks(size_t total) {
  std::vector<std::pair<size_t, size_t>> chunks;
  ForEachChunk(total, [&](size_t begin, size_t size) { chunks.emplace_back(begin, size); });
  return chunks;
}

std::vector<std::tuple<size_t, size_t, size_t>> PaddedChunks(size_t total) {
  std::vector<std::tuple<size_t, size_t, size_t>> chunks;
  ForEachPaddedChunk(total, [&](size_t begin, size_t size, size_t shape) {
    chunks.emplace_back(begin, size, shape);
  });
  return chunks;
}

TEST(MultiRowStatementTest, ExactChunksArePowersOfTwoInDescendingOrder) {
  EXPECT_TRUE(Chunks(0).empty());
  EXPECT_EQ(Chunks(1), (std::vector<std::pair<size_t, size_t>>{{0, 1}}));
  EXPECT_EQ(Chunks(23),
            (std::vector<std::pair<size_t, size_t>>{{0, 16}, {16, 4}, {20, 2}, {22, 1}}));
  EXPECT_EQ(Chunks(130), (std::vector<std::pair<size_t, size_t>>{{0, 64}, {64, 64}, {128, 2}}));
}

TEST(MultiRowStatementTest, PaddedChunksNeedOneStatementPer64Rows) {
  using Chunk = std::tuple<size_t, size_t, size_t>;
  EXPECT_TRUE(PaddedChunks(0).empty());
  EXPECT_EQ(PaddedChunks(1), (std::vector<Chunk>{{0, 1, 1}}));
  EXPECT_EQ(PaddedChunks(23), (std::vector<Chunk>{{0, 23, 32}}));
  EXPECT_EQ(PaddedChunks(64), (std::vector<Chunk>{{0, 64, 64}}));
  EXPECT_EQ(PaddedChunks(130), (std::vector<Chunk>{{0, 64, 64}, {64, 64, 64}, {128, 2, 2}}));
  EXPECT_EQ(PaddedChunks(133), (std::vector<Chunk>{{0, 64, 64}, {64, 64, 64}, {128, 5, 8}}));
}

TEST(MultiRowStatementTest, EveryShapeIsAPowerOfTwoUpTo64AndCoversItsRows) {
  for (size_t total = 1; total <= 300; ++total) {
    size_t covered = 0;
    ForEachPaddedChunk(total, [&](size_t begin, size_t size, size_t shape) {
      EXPECT_EQ(begin, covered);
      EXPECT_GE(shape, size);
      EXPECT_LT(shape, 2 * size);
      EXPECT_LE(shape, kMaxRowsPerStatement);
      EXPECT_EQ(shape & (shape - 1), 0u) << shape;
      covered += size;
    });
    EXPECT_EQ(covered, total);
  }
}

TEST(MultiRowStatementTest, PaddingRepeatsTheChunksLastRow) {
  std::vector<size_t> rows;
  for (size_t i = 0; i < 8; ++i) rows.push_back(PaddedRow(128, 5, i));
  EXPECT_EQ(rows, (std::vector<size_t>{128, 129, 130, 131, 132, 132, 132, 132}));
}

}  // namespace
}  // namespace order_saga
