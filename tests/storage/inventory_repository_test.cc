// One typed suite for both InventoryRepository implementations, so the
// in-memory double cannot drift from MySQL. The MySQL instance runs on the
// MariaDB started by the CTest fixture, one schema per test.
#include <thread>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "absl/strings/str_cat.h"

#include "absl/strings/match.h"
#include "inventory_service/inventory_schema.h"
#include "common/clock.h"
#include "common/mysql/mysql_transaction_runner.h"
#include "inventory_service/coalescing_inventory_repository.h"
#include "inventory_service/in_memory_inventory_repository.h"
#include "inventory_service/mysql_inventory_repository.h"
#include "tests/storage/lost_commits.h"
#include "tests/storage/mysql_test_database.h"

namespace order_saga::inventory {
namespace {

const std::string kKoreanName = "길럭시북 그래파이트 15.6인치 코어 i5 - 512GB";

struct InMemoryBackend {
  absl::Status Init() { return absl::OkStatus(); }
  // Commits whose outcome the backend lost on purpose (lost-commit backends).
  std::optional<int64_t> commits_lost() { return std::nullopt; }
  InventoryRepository& repository() { return repository_; }
  // Batches that fell back to one order at a time (none here: no batches).
  std::optional<int64_t> split_batches() { return std::nullopt; }
  InMemoryInventoryRepository repository_;
};

struct MysqlBackend {
  absl::Status Init(MysqlTransactionRunner::Options runner_options = {}) {
    absl::StatusOr<std::unique_ptr<testing::MysqlTestDatabase>> db =
        testing::MysqlTestDatabase::Create("inventory_test", InventorySchemaMigrations());
    if (!db.ok()) return db.status();
    database = *std::move(db);
    runner = std::make_unique<MysqlTransactionRunner>(database->pool(), RealClock(),
                                                      runner_options);
    repository_ = std::make_unique<MysqlInventoryRepository>(*runner);
    return absl::OkStatus();
  }
  InventoryRepository& repository() { return *repository_; }
  std::optional<int64_t> split_batches() { return repository_->split_batches(); }
  std::optional<int64_t> commits_lost() { return std::nullopt; }
  std::unique_ptr<testing::MysqlTestDatabase> database;
  std::unique_ptr<MysqlTransactionRunner> runner;
  std::unique_ptr<MysqlInventoryRepository> repository_;
};

// MySQL behind request coalescing: every Reserve of the suite goes through
// batches (small ones, two at a time, so that batches also race each other).
struct CoalescingMysqlBackend : MysqlBackend {
  absl::Status Init(MysqlTransactionRunner::Options runner_options = {}) {
    absl::Status status = MysqlBackend::Init(runner_options);
    if (!status.ok()) return status;
    coalescing = std::make_unique<CoalescingInventoryRepository>(
        *repository_, BatchOptions{4, 2, {}});
    return absl::OkStatus();
  }
  InventoryRepository& repository() { return *coalescing; }
  std::unique_ptr<CoalescingInventoryRepository> coalescing;
};

// MySQL, plain and below write coalescing, where every unit of work loses
// the outcome of its first COMMIT (the connection dies right after it) and
// is run again: the whole suite must pass unchanged, because every unit of
// work is idempotent.
using LostCommitMysqlBackend = testing::LostCommitBackend<MysqlBackend>;
using LostCommitCoalescingMysqlBackend = testing::LostCommitBackend<CoalescingMysqlBackend>;

template <typename Backend>
class InventoryRepositoryTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_TRUE(backend_.Init().ok());
    ASSERT_TRUE(repo().UpsertProduct({4, kKoreanName, 1290000, 30, {}}).ok());
    ASSERT_TRUE(repo().UpsertProduct({5, "김럭시북9", 2390000, 20, {}}).ok());
  }
  // A lost-commit backend really lost commits (its units ran twice).
  void TearDown() override {
    if (std::optional<int64_t> lost = backend_.commits_lost(); lost.has_value()) {
      EXPECT_GT(*lost, 0);
    }
  }
  InventoryRepository& repo() { return backend_.repository(); }
  // Where batches exist, checks that `n` of them fell back to one order at
  // a time (so a test of the batch path cannot pass on the fallback alone).
  void ExpectSplitBatches(int64_t n) {
    std::optional<int64_t> split = backend_.split_batches();
    if (split.has_value()) {
      EXPECT_EQ(*split, n);
    }
  }
  int64_t Stock(int64_t id) { return repo().GetProduct(id)->stock; }
  Backend backend_;
};

using Backends = ::testing::Types<InMemoryBackend, MysqlBackend, CoalescingMysqlBackend,
                                  LostCommitMysqlBackend, LostCommitCoalescingMysqlBackend>;
TYPED_TEST_SUITE(InventoryRepositoryTest, Backends);

const std::vector<LineItem> kBundle = {{4, 2}, {5, 1}};

TYPED_TEST(InventoryRepositoryTest, UpsertRoundTripsUtf8AndStatusFollowsStock) {
  absl::StatusOr<Product> product = this->repo().GetProduct(4);
  ASSERT_TRUE(product.ok());
  EXPECT_EQ(product->name, kKoreanName);
  EXPECT_EQ(product->status, ProductStatus::kOnSale);
  ASSERT_TRUE(this->repo().UpsertProduct({4, kKoreanName, 1, 0, {}}).ok());
  EXPECT_EQ(this->repo().GetProduct(4)->status, ProductStatus::kSoldOut);
  EXPECT_EQ(this->repo().GetProduct(99).status().code(), absl::StatusCode::kNotFound);
}

TYPED_TEST(InventoryRepositoryTest, SuppliedCountsStockPutOnSaleAndHeldStock) {
  EXPECT_EQ(this->repo().GetProduct(4)->supplied, 30);
  ASSERT_EQ(this->repo().Reserve("o-1", kBundle)->outcome, ReservationOutcome::kReserved);
  // Reserving moves units from stock to held; supplied does not change.
  EXPECT_EQ(this->repo().GetProduct(4)->supplied, 30);
  EXPECT_EQ(this->Stock(4), 28);
  // A restock to 40 puts 12 more units on sale; a cut to 10 takes 30 away.
  ASSERT_TRUE(this->repo().UpsertProduct({4, kKoreanName, 1, 40, {}}).ok());
  EXPECT_EQ(this->repo().GetProduct(4)->supplied, 42);
  ASSERT_TRUE(this->repo().UpsertProduct({4, kKoreanName, 1, 10, {}}).ok());
  EXPECT_EQ(this->repo().GetProduct(4)->supplied, 12);
  ASSERT_TRUE(this->repo().Release("o-1")->stock_returned);
  EXPECT_EQ(this->repo().GetProduct(4)->supplied, 12);
  EXPECT_EQ(this->Stock(4), 12);
}

TYPED_TEST(InventoryRepositoryTest, ListsReservationsWithItemsAndFiltersByOutcome) {
  ASSERT_EQ(this->repo().Reserve("o-1", kBundle)->outcome, ReservationOutcome::kReserved);
  ASSERT_EQ(this->repo().Reserve("o-2", {{4, 1000}})->outcome,
            ReservationOutcome::kOutOfStock);
  ASSERT_EQ(this->repo().Reserve("o-3", {{5, 1}})->outcome, ReservationOutcome::kReserved);
  ASSERT_TRUE(this->repo().Release("o-3")->stock_returned);
  ASSERT_FALSE(this->repo().Release("o-4")->stock_returned);  // tombstone

  absl::StatusOr<std::vector<Reservation>> all =
      this->repo().ListReservations("", 10, std::nullopt);
  ASSERT_TRUE(all.ok()) << all.status();
  ASSERT_EQ(all->size(), 4u);
  EXPECT_EQ((*all)[0].order_id, "o-1");
  EXPECT_EQ((*all)[0].outcome, ReservationOutcome::kReserved);
  EXPECT_EQ((*all)[0].items, kBundle);
  EXPECT_EQ((*all)[1].outcome, ReservationOutcome::kOutOfStock);
  EXPECT_TRUE((*all)[1].items.empty());
  EXPECT_EQ((*all)[2].outcome, ReservationOutcome::kReleased);
  EXPECT_EQ((*all)[2].items, (std::vector<LineItem>{{5, 1}}));
  EXPECT_EQ((*all)[3].outcome, ReservationOutcome::kReleased);
  EXPECT_TRUE((*all)[3].items.empty());

  absl::StatusOr<std::vector<Reservation>> page =
      this->repo().ListReservations("o-1", 1, std::nullopt);
  ASSERT_TRUE(page.ok());
  ASSERT_EQ(page->size(), 1u);
  EXPECT_EQ((*page)[0].order_id, "o-2");

  absl::StatusOr<std::vector<Reservation>> released =
      this->repo().ListReservations("", 10, ReservationOutcome::kReleased);
  ASSERT_TRUE(released.ok());
  ASSERT_EQ(released->size(), 2u);
  EXPECT_EQ((*released)[0].order_id, "o-3");
  EXPECT_EQ((*released)[1].order_id, "o-4");
}

TYPED_TEST(InventoryRepositoryTest, ReserveTakesEveryItemAndMarksSoldOutAtZero) {
  ASSERT_TRUE(this->repo().UpsertProduct({4, kKoreanName, 1, 2, {}}).ok());
  absl::StatusOr<ReservationResult> result = this->repo().Reserve("o1", kBundle);
  ASSERT_TRUE(result.ok()) << result.status();
  EXPECT_EQ(result->outcome, ReservationOutcome::kReserved);
  EXPECT_EQ(result->sold_out_product_ids, std::vector<int64_t>{4});
  EXPECT_EQ(this->Stock(4), 0);
  EXPECT_EQ(this->repo().GetProduct(4)->status, ProductStatus::kSoldOut);
  EXPECT_EQ(this->Stock(5), 19);
}

TYPED_TEST(InventoryRepositoryTest, ReserveIsAllOrNothing) {
  ASSERT_TRUE(this->repo().UpsertProduct({5, "x", 1, 0, {}}).ok());
  EXPECT_EQ(this->repo().Reserve("o1", kBundle)->outcome, ReservationOutcome::kOutOfStock);
  EXPECT_EQ(this->Stock(4), 30);
  EXPECT_EQ(this->repo().Reserve("o2", {{4, 1}, {77, 1}})->outcome,
            ReservationOutcome::kUnknownProduct);
  EXPECT_EQ(this->Stock(4), 30);
}

TYPED_TEST(InventoryRepositoryTest, RepeatedReserveReturnsTheRecordedOutcome) {
  EXPECT_EQ(this->repo().Reserve("o1", kBundle)->outcome, ReservationOutcome::kReserved);
  EXPECT_EQ(this->repo().Reserve("o1", kBundle)->outcome, ReservationOutcome::kReserved);
  EXPECT_EQ(this->Stock(4), 28);
  ASSERT_TRUE(this->repo().UpsertProduct({4, kKoreanName, 1, 0, {}}).ok());
  EXPECT_EQ(this->repo().Reserve("o2", kBundle)->outcome, ReservationOutcome::kOutOfStock);
  ASSERT_TRUE(this->repo().UpsertProduct({4, kKoreanName, 1, 30, {}}).ok());
  EXPECT_EQ(this->repo().Reserve("o2", kBundle)->outcome, ReservationOutcome::kOutOfStock);
  EXPECT_EQ(this->Stock(4), 30);
}

TYPED_TEST(InventoryRepositoryTest, ReleaseGivesStockBackAtMostOnce) {
  ASSERT_TRUE(this->repo().UpsertProduct({4, kKoreanName, 1, 2, {}}).ok());
  ASSERT_EQ(this->repo().Reserve("o1", kBundle)->outcome, ReservationOutcome::kReserved);
  EXPECT_TRUE(this->repo().Release("o1")->stock_returned);
  EXPECT_FALSE(this->repo().Release("o1")->stock_returned);
  EXPECT_EQ(this->Stock(4), 2);
  EXPECT_EQ(this->repo().GetProduct(4)->status, ProductStatus::kOnSale);
  EXPECT_EQ(this->Stock(5), 20);
  EXPECT_EQ(this->repo().Reserve("o1", kBundle)->outcome, ReservationOutcome::kReleased);
  EXPECT_EQ(this->Stock(4), 2);
}

TYPED_TEST(InventoryRepositoryTest, ReleaseBeforeReserveLeavesATombstoneThatRefusesReserve) {
  absl::StatusOr<ReleaseResult> release = this->repo().Release("o1");
  ASSERT_TRUE(release.ok());
  EXPECT_FALSE(release->stock_returned);
  EXPECT_EQ(this->repo().Reserve("o1", kBundle)->outcome, ReservationOutcome::kReleased);
  EXPECT_EQ(this->Stock(4), 30);
}

TYPED_TEST(InventoryRepositoryTest, ConcurrentReservationsNeverOversell) {
  std::vector<std::thread> threads;
  std::atomic<int> reserved{0}, failed{0};
  for (int i = 0; i < 40; ++i) {
    threads.emplace_back([&, i] {
      absl::StatusOr<ReservationResult> r =
          this->repo().Reserve("o" + std::to_string(i), kBundle);
      if (!r.ok()) {
        ++failed;
      } else if (r->outcome == ReservationOutcome::kReserved) {
        ++reserved;
      }
    });
  }
  for (auto& t : threads) t.join();
  EXPECT_EQ(failed, 0);
  EXPECT_EQ(reserved, 15);
  EXPECT_EQ(this->Stock(4), 0);
  EXPECT_EQ(this->Stock(5), 5);
  this->ExpectSplitBatches(0);
}

TYPED_TEST(InventoryRepositoryTest, RacingReserveAndReleaseOfOneOrderLoseNothing) {
  for (int round = 0; round < 10; ++round) {
    const std::string order_id = "race" + std::to_string(round);
    std::thread reserve([&] { ASSERT_TRUE(this->repo().Reserve(order_id, kBundle).ok()); });
    std::thread release([&] { ASSERT_TRUE(this->repo().Release(order_id).ok()); });
    reserve.join();
    release.join();
    ASSERT_TRUE(this->repo().Release(order_id).ok());
    EXPECT_EQ(this->Stock(4), 30) << "round " << round;
    EXPECT_EQ(this->Stock(5), 20) << "round " << round;
  }
}

// Pointers to `requests`, as a batch.
std::vector<const ReserveRequest*> Batch(const std::vector<ReserveRequest>& requests) {
  std::vector<const ReserveRequest*> batch;
  for (const ReserveRequest& request : requests) batch.push_back(&request);
  return batch;
}

std::vector<ReservationOutcome> Outcomes(
    const std::vector<absl::StatusOr<ReservationResult>>& results) {
  std::vector<ReservationOutcome> outcomes;
  for (const auto& result : results) {
    EXPECT_TRUE(result.ok()) << result.status();
    outcomes.push_back(result.ok() ? result->outcome : ReservationOutcome::kReleased);
  }
  return outcomes;
}

TYPED_TEST(InventoryRepositoryTest, ReserveBatchDecidesEachOrderInTurnUntilStockRunsOut) {
  ASSERT_TRUE(this->repo().UpsertProduct({4, "hot", 1, 5, {}}).ok());
  const std::vector<ReserveRequest> requests = {
      {"b1", {{4, 2}}},          {"b2", {{4, 2}, {5, 1}}}, {"b3", {{4, 2}}},
      {"b4", {{4, 1}, {99, 1}}}, {"b5", {{4, 1}}},         {"b6", {{4, 1}}}};
  std::vector<absl::StatusOr<ReservationResult>> results =
      this->repo().ReserveBatch(Batch(requests));
  ASSERT_EQ(results.size(), requests.size());
  using O = ReservationOutcome;
  // b3 wants 2 of the 1 left; b4 names an unknown product; b5 takes the last.
  EXPECT_EQ(Outcomes(results), (std::vector<O>{O::kReserved, O::kReserved, O::kOutOfStock,
                                               O::kUnknownProduct, O::kReserved,
                                               O::kOutOfStock}));
  EXPECT_EQ(this->Stock(4), 0);
  EXPECT_EQ(this->repo().GetProduct(4)->status, ProductStatus::kSoldOut);
  EXPECT_EQ(this->Stock(5), 19);
  this->ExpectSplitBatches(0);
  EXPECT_EQ(results[4]->sold_out_product_ids, std::vector<int64_t>{4});
  EXPECT_EQ(results[5]->sold_out_product_ids, std::vector<int64_t>{4});
  EXPECT_THAT(results[2]->detail, ::testing::HasSubstr("product 4"));
  EXPECT_THAT(results[3]->detail, ::testing::HasSubstr("product 99"));
  // Recorded per order: a retry of any of them gets the same outcome.
  for (size_t i = 0; i < requests.size(); ++i) {
    absl::StatusOr<ReservationResult> again =
        this->repo().Reserve(requests[i].order_id, requests[i].items);
    ASSERT_TRUE(again.ok());
    EXPECT_EQ(again->outcome, results[i]->outcome) << requests[i].order_id;
  }
  absl::StatusOr<std::vector<Reservation>> held =
      this->repo().ListReservations("", 10, ReservationOutcome::kReserved);
  ASSERT_TRUE(held.ok());
  ASSERT_EQ(held->size(), 3u);
  EXPECT_EQ((*held)[1].order_id, "b2");
  EXPECT_EQ((*held)[1].items, (std::vector<LineItem>{{4, 2}, {5, 1}}));
  EXPECT_EQ(this->Stock(4), 0);
}

TYPED_TEST(InventoryRepositoryTest, ReserveBatchWithRecordedOrdersChangesThemNot) {
  ASSERT_EQ(this->repo().Reserve("done", kBundle)->outcome, ReservationOutcome::kReserved);
  ASSERT_TRUE(this->repo().Release("tombstoned").ok());
  const std::vector<ReserveRequest> requests = {{"done", kBundle},
                                                {"tombstoned", kBundle},
                                                {"new", kBundle},
                                                {"new", kBundle}};
  using O = ReservationOutcome;
  EXPECT_EQ(Outcomes(this->repo().ReserveBatch(Batch(requests))),
            (std::vector<O>{O::kReserved, O::kReleased, O::kReserved, O::kReserved}));
  // Two orders hold stock: "done" and "new" (once).
  EXPECT_EQ(this->Stock(4), 26);
  EXPECT_EQ(this->Stock(5), 18);
  this->ExpectSplitBatches(1);
}

TYPED_TEST(InventoryRepositoryTest, ReserveBatchOfManyProductsTakesEachOnce) {
  // More products than one multi-row statement holds.
  std::vector<ReserveRequest> requests;
  for (int64_t id = 100; id < 300; ++id) {
    ASSERT_TRUE(this->repo().UpsertProduct({id, "p", 1, 3, {}}).ok());
    requests.push_back({"m" + std::to_string(id), {{id, 2}}});
    if (id % 2 == 0) requests.push_back({"n" + std::to_string(id), {{id, 2}, {id + 1, 1}}});
  }
  std::vector<absl::StatusOr<ReservationResult>> results =
      this->repo().ReserveBatch(Batch(requests));
  for (const auto& result : results) ASSERT_TRUE(result.ok()) << result.status();
  for (int64_t id = 100; id < 300; ++id) {
    // m<id> takes 2 of 3; n<id> (even ids) then wants 2 more and is refused,
    // so odd products lose 2 to m<id> only.
    EXPECT_EQ(this->Stock(id), 1) << id;
  }
  this->ExpectSplitBatches(0);
}

TYPED_TEST(InventoryRepositoryTest, ReserveBatchesOfEverySmallSizeTakeEachProductOnce) {
  // Batches whose size is no power of two: the lock and the stock change are
  // one statement each, padded by repeating a product, which must still be
  // taken from once.
  int64_t next_id = 1000;
  for (int size = 1; size <= 9; ++size) {
    std::vector<ReserveRequest> requests;
    for (int i = 0; i < size; ++i, ++next_id) {
      ASSERT_TRUE(this->repo().UpsertProduct({next_id, "p", 1, 5, {}}).ok());
      requests.push_back({absl::StrCat("s", size, "-", i), {{next_id, 2}}, std::nullopt});
    }
    std::vector<absl::StatusOr<ReservationResult>> results =
        this->repo().ReserveBatch(Batch(requests));
    ASSERT_EQ(results.size(), requests.size());
    for (const auto& result : results) {
      ASSERT_TRUE(result.ok()) << result.status();
      EXPECT_EQ(result->outcome, ReservationOutcome::kReserved);
    }
    for (const ReserveRequest& request : requests) {
      EXPECT_EQ(this->Stock(request.items[0].product_id), 3) << "batch of " << size;
    }
  }
  this->ExpectSplitBatches(0);
}

TYPED_TEST(InventoryRepositoryTest, ListProductsPages) {
  ASSERT_TRUE(this->repo().UpsertProduct({1, "a", 1, 1, {}}).ok());
  absl::StatusOr<std::vector<Product>> first = this->repo().ListProducts(0, 2);
  ASSERT_TRUE(first.ok());
  ASSERT_EQ(first->size(), 2u);
  EXPECT_EQ((*first)[0].product_id, 1);
  EXPECT_EQ((*first)[1].product_id, 4);
  absl::StatusOr<std::vector<Product>> rest = this->repo().ListProducts(4, 2);
  ASSERT_EQ(rest->size(), 1u);
  EXPECT_EQ((*rest)[0].product_id, 5);
}


TYPED_TEST(InventoryRepositoryTest, GetReservationReadsTheRecordWithItsTimes) {
  ASSERT_TRUE(this->repo().Reserve("o1", kBundle).ok());
  ASSERT_TRUE(this->repo().Release("o1").ok());
  ASSERT_TRUE(this->repo().Release("o2").ok());  // tombstone
  absl::StatusOr<Reservation> released = this->repo().GetReservation("o1");
  ASSERT_TRUE(released.ok()) << released.status();
  EXPECT_EQ(released->outcome, ReservationOutcome::kReleased);
  EXPECT_FALSE(released->tombstone);
  EXPECT_EQ(released->items, kBundle);
  EXPECT_LE(released->create_time, released->update_time);
  EXPECT_LE(absl::AbsDuration(released->update_time - absl::Now()), absl::Minutes(1));
  absl::StatusOr<Reservation> tombstone = this->repo().GetReservation("o2");
  ASSERT_TRUE(tombstone.ok());
  EXPECT_TRUE(tombstone->tombstone);
  EXPECT_TRUE(tombstone->items.empty());
  EXPECT_TRUE(absl::IsNotFound(this->repo().GetReservation("o3").status()));
}

// Retention deletes records that hold nothing (released, tombstones,
// refusals), a batch at a time, and never a held reservation.
TYPED_TEST(InventoryRepositoryTest, RetentionDeletesOnlyRecordsThatHoldNothing) {
  ASSERT_TRUE(this->repo().Reserve("held", kBundle).ok());
  ASSERT_TRUE(this->repo().Reserve("released", kBundle).ok());
  ASSERT_TRUE(this->repo().Release("released").ok());
  ASSERT_TRUE(this->repo().Release("tombstone").ok());
  ASSERT_EQ(this->repo().Reserve("refused", {{4, 1000}})->outcome, ReservationOutcome::kOutOfStock);
  const absl::Time later = absl::Now() + absl::Seconds(1);
  EXPECT_EQ(*this->repo().DeleteFinishedReservationsBefore(absl::Now() - absl::Hours(1), 10), 0);
  EXPECT_EQ(*this->repo().DeleteFinishedReservationsBefore(later, 2), 2);
  EXPECT_EQ(*this->repo().DeleteFinishedReservationsBefore(later, 2), 1);
  EXPECT_EQ(*this->repo().DeleteFinishedReservationsBefore(later, 2), 0);
  EXPECT_TRUE(this->repo().GetReservation("held").ok());
  for (const char* gone : {"released", "tombstone", "refused"}) {
    EXPECT_TRUE(absl::IsNotFound(this->repo().GetReservation(gone).status())) << gone;
  }
  absl::StatusOr<std::vector<Reservation>> left = this->repo().ListReservations("", 10, std::nullopt);
  ASSERT_TRUE(left.ok());
  ASSERT_EQ(left->size(), 1u);
  EXPECT_EQ(left->front().items, kBundle);
  EXPECT_EQ(this->Stock(4), 28);  // only the held reservation's units are out
}

// The version is an etag: every change of the row bumps it, and an upsert
// that names a version replaces exactly that one or is refused with ABORTED
// (NOT_FOUND for a product that does not exist), writing nothing.
TYPED_TEST(InventoryRepositoryTest, UpsertWithAVersionAppliesOnlyToThatVersion) {
  absl::StatusOr<Product> read = this->repo().GetProduct(4);
  ASSERT_TRUE(read.ok());
  EXPECT_GE(read->version, 1);
  Product restock = *read;
  restock.stock = 50;
  absl::StatusOr<Product> stored = this->repo().UpsertProduct(restock);
  ASSERT_TRUE(stored.ok()) << stored.status();
  EXPECT_EQ(stored->stock, 50);
  EXPECT_GT(stored->version, read->version);
  // A reservation in between: the operator's stale read is refused.
  ASSERT_EQ(this->repo().Reserve("o1", kBundle)->outcome, ReservationOutcome::kReserved);
  const int64_t after_reserve = this->repo().GetProduct(4)->version;
  EXPECT_GT(after_reserve, stored->version);
  Product stale = *stored;
  stale.stock = 60;
  absl::StatusOr<Product> refused = this->repo().UpsertProduct(stale);
  EXPECT_TRUE(absl::IsAborted(refused.status())) << refused.status();
  EXPECT_TRUE(absl::StartsWith(refused.status().message(), "version: ")) << refused.status();
  EXPECT_EQ(this->Stock(4), 48);
  EXPECT_EQ(this->repo().GetProduct(4)->version, after_reserve);
  EXPECT_EQ(this->repo().GetProduct(4)->supplied, 50);
  // Unversioned upserts stay unconditional; a version for a product that
  // does not exist is NOT_FOUND and creates nothing.
  EXPECT_TRUE(this->repo().UpsertProduct({4, kKoreanName, 1, 10, {}}).ok());
  Product ghost{77, "없는 상품", 1, 5, {}};
  ghost.version = 3;
  EXPECT_TRUE(absl::IsNotFound(this->repo().UpsertProduct(ghost).status()));
  EXPECT_TRUE(absl::IsNotFound(this->repo().GetProduct(77).status()));
}

// Issue 13, defect 2: an upsert whose COMMIT outcome was lost is run again
// by the transaction runner. It used to set the absolute stock once more,
// over a reservation made in between: q sold units went back on sale, and
// the audit could not see it (supplied absorbed the difference). Now the
// rerun finds its own write and changes nothing.
TEST(UpsertAfterALostCommitTest, TheRerunKeepsAReservationMadeInBetween) {
  absl::StatusOr<std::unique_ptr<testing::MysqlTestDatabase>> db =
      testing::MysqlTestDatabase::Create("inventory_test", InventorySchemaMigrations());
  ASSERT_TRUE(db.ok()) << db.status();
  testing::LostCommits lost_commits;
  lost_commits.enabled = false;
  MysqlTransactionRunner losing((*db)->pool(), RealClock(), lost_commits.RunnerOptions());
  MysqlInventoryRepository operator_side(losing);
  // Another replica of the inventory service, on connections of its own.
  MysqlConnectionPool other_pool((*db)->pool().options());
  MysqlTransactionRunner other_runner(other_pool, RealClock());
  MysqlInventoryRepository saga_side(other_runner);
  ASSERT_TRUE(operator_side.UpsertProduct({4, kKoreanName, 1, 30, {}}).ok());

  lost_commits.between = [&] {
    EXPECT_EQ(saga_side.Reserve("o-between", {{4, 3}})->outcome, ReservationOutcome::kReserved);
  };
  lost_commits.enabled = true;
  absl::StatusOr<Product> restocked = operator_side.UpsertProduct({4, kKoreanName, 1, 100, {}});
  lost_commits.enabled = false;
  ASSERT_TRUE(restocked.ok()) << restocked.status();
  EXPECT_GE(lost_commits.lost, 1);  // the upsert (and its read-back)
  absl::StatusOr<Product> product = saga_side.GetProduct(4);
  ASSERT_TRUE(product.ok());
  EXPECT_EQ(product->stock, 97);     // 100 put on sale, 3 reserved since
  EXPECT_EQ(product->supplied, 100);  // == stock + held
}

}  // namespace
}  // namespace order_saga::inventory
