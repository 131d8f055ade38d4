#include "inventory_service/mysql_inventory_repository.h"

#include <algorithm>
#include <map>
#include <memory>
#include <optional>
#include <set>

#include <cppconn/resultset.h>
#include <glog/logging.h>

#include "absl/strings/str_cat.h"
#include "common/mysql/multi_row_statement.h"
#include "common/random_id.h"
#include "common/status_macros.h"
#include "inventory_service/product_version.h"
#include "inventory_service/reservation_decision.h"

namespace order_saga::inventory {
namespace {

constexpr char kProductColumns[] = "product_id, name, price, stock, status, supplied, version";

Product ProductFromRow(sql::ResultSet& row) {
  Product product;
  product.product_id = row.getInt64("product_id");
  product.name = row.getString("name").asStdString();
  product.price = row.getInt64("price");
  product.stock = row.getInt64("stock");
  product.supplied = row.getInt64("supplied");
  product.version = row.getInt64("version");
  product.status = row.getString("status").asStdString() == "ON_SALE"
                       ? ProductStatus::kOnSale
                       : ProductStatus::kSoldOut;
  return product;
}

ReservationOutcome OutcomeFromState(const std::string& state) {
  if (state == "RESERVED") return ReservationOutcome::kReserved;
  if (state == "OUT_OF_STOCK") return ReservationOutcome::kOutOfStock;
  if (state == "UNKNOWN_PRODUCT") return ReservationOutcome::kUnknownProduct;
  return ReservationOutcome::kReleased;  // RELEASED, TOMBSTONE
}

const char* StateForOutcome(ReservationOutcome outcome) {
  switch (outcome) {
    case ReservationOutcome::kReserved: return "RESERVED";
    case ReservationOutcome::kOutOfStock: return "OUT_OF_STOCK";
    case ReservationOutcome::kUnknownProduct: return "UNKNOWN_PRODUCT";
    case ReservationOutcome::kReleased: return "RELEASED";
  }
  return "RELEASED";
}

// Inserts the barrier row for `order_id`, written by call `call_id`, unless
// one exists; true if inserted.
bool ClaimBarrier(MysqlSession& session, const std::string& order_id,
                  const char* state, const std::string& detail, const std::string& call_id) {
  sql::PreparedStatement& claim = session.Prepare(
      "INSERT IGNORE INTO reservations (order_id, state, detail, call_id) "
      "VALUES (?, ?, ?, ?)");
  claim.setString(1, order_id);
  claim.setString(2, state);
  claim.setString(3, detail);
  claim.setString(4, call_id);
  return claim.executeUpdate() == 1;
}

// What is recorded for an order: its state and detail, and the call that
// wrote them.
struct Barrier {
  std::string state;
  std::string detail;
  std::string call_id;
};

// The barrier row of `order_id`, locked for this transaction.
Barrier LockBarrier(MysqlSession& session, const std::string& order_id) {
  sql::PreparedStatement& select = session.Prepare(
      "SELECT state, detail, IFNULL(call_id, '') FROM reservations WHERE order_id = ? "
      "FOR UPDATE");
  select.setString(1, order_id);
  std::unique_ptr<sql::ResultSet> row(select.executeQuery());
  if (!row->next()) return {};
  return {row->getString(1).asStdString(), row->getString(2).asStdString(),
          row->getString(3).asStdString()};
}

// The products of `items` whose stock is 0 now (a plain read).
std::vector<int64_t> SoldOutNow(MysqlSession& session, const std::vector<LineItem>& items) {
  std::vector<int64_t> sold_out;
  sql::PreparedStatement& select =
      session.Prepare("SELECT stock FROM products WHERE product_id = ?");
  for (const LineItem& item : items) {
    select.setInt64(1, item.product_id);
    std::unique_ptr<sql::ResultSet> row(select.executeQuery());
    if (row->next() && row->getInt64(1) == 0) sold_out.push_back(item.product_id);
  }
  return sold_out;
}

// Rejects the whole batch so that it is rolled back and its orders are
// reserved one by one (some order of it already has a recorded outcome).
absl::Status BatchHasRecordedOrder() {
  return absl::AlreadyExistsError("an order of the batch has a recorded outcome");
}

}  // namespace

std::vector<absl::StatusOr<ReservationResult>> MysqlInventoryRepository::ReserveBatch(
    const std::vector<const ReserveRequest*>& requests) {
  std::set<int64_t> product_ids;
  for (const ReserveRequest* request : requests) {
    for (const LineItem& item : request->items) product_ids.insert(item.product_id);
  }
  const std::vector<int64_t> products(product_ids.begin(), product_ids.end());
  // Written on every barrier row of the batch: a rerun after a lost COMMIT
  // falls back to the orders one by one and recognises them as its own.
  const std::string call_id = RandomUuid();
  std::vector<ReservationDecision> decisions;
  std::vector<int64_t> stock_outs;
  absl::Status status = runner_.Run([&](MysqlSession& session) -> absl::Status {
    stock_outs.clear();
    // 1. Lock every product row of the batch, in ascending id order (the
    //    chunks ascend, and each chunk is read in primary key order).
    std::map<int64_t, int64_t> stock;
    ForEachPaddedChunk(products.size(), [&](size_t begin, size_t size, size_t shape) {
      sql::PreparedStatement& lock = session.Prepare(absl::StrCat(
          "SELECT product_id, stock FROM products WHERE product_id IN (",
          Repeated("?", shape), ") ORDER BY product_id FOR UPDATE"));
      for (size_t i = 0; i < shape; ++i) {
        lock.setInt64(i + 1, products[PaddedRow(begin, size, i)]);
      }
      std::unique_ptr<sql::ResultSet> rows(lock.executeQuery());
      while (rows->next()) stock[rows->getInt64(1)] = rows->getInt64(2);
    });
    // 2. Decide each order in turn against what the earlier ones left.
    const std::map<int64_t, int64_t> locked = stock;
    decisions = DecideReservations(requests, stock);
    // 3. One barrier row per order with its outcome. If any order already
    //    has one (a retry, a tombstone, a duplicate in the batch), fewer
    //    rows go in and the batch falls back to one order at a time.
    //    IGNORE also drops the padding's repeated rows, which count not.
    uint64_t claimed = 0;
    ForEachPaddedChunk(requests.size(), [&](size_t begin, size_t size, size_t shape) {
      sql::PreparedStatement& claim = session.Prepare(absl::StrCat(
          "INSERT IGNORE INTO reservations (order_id, state, detail, call_id) VALUES ",
          Repeated("(?, ?, ?, ?)", shape)));
      for (size_t i = 0; i < shape; ++i) {
        const size_t row = PaddedRow(begin, size, i);
        const ReservationDecision& decision = decisions[row];
        claim.setString(4 * i + 1, requests[row]->order_id);
        claim.setString(4 * i + 2, StateForOutcome(decision.outcome));
        claim.setString(4 * i + 3, decision.detail);
        claim.setString(4 * i + 4, call_id);
      }
      claimed += claim.executeUpdate();
    });
    if (claimed != requests.size()) return BatchHasRecordedOrder();
    // 4. Take the stock: one change per product for the whole batch.
    std::vector<std::pair<int64_t, int64_t>> taken;  // product id, units
    for (const auto& [id, before] : locked) {
      if (stock[id] < before) taken.emplace_back(id, before - stock[id]);
      if (before > 0 && stock[id] == 0) stock_outs.push_back(id);
    }
    absl::Status applied = absl::OkStatus();
    ForEachPaddedChunk(taken.size(), [&](size_t begin, size_t size, size_t shape) {
      // MySQL evaluates SET left to right, so `status` sees the new stock.
      // A product listed twice (padding) is still changed once.
      sql::PreparedStatement& take = session.Prepare(absl::StrCat(
          "UPDATE products SET stock = stock - CASE product_id ",
          Repeated("WHEN ? THEN ?", shape, " "),
          " END, status = IF(stock = 0, 'SOLD_OUT', 'ON_SALE'), version = version + 1 "
          "WHERE product_id IN (",
          Repeated("?", shape), ")"));
      for (size_t i = 0; i < shape; ++i) {
        const std::pair<int64_t, int64_t>& product = taken[PaddedRow(begin, size, i)];
        take.setInt64(2 * i + 1, product.first);
        take.setInt64(2 * i + 2, product.second);
        take.setInt64(2 * shape + i + 1, product.first);
      }
      if (take.executeUpdate() != static_cast<int>(size)) {
        applied = absl::InternalError("stock of a product changed under its lock");
      }
    });
    RETURN_IF_ERROR(applied);
    // 5. What each reserved order holds.
    std::vector<std::pair<const std::string*, const LineItem*>> held;
    for (size_t i = 0; i < requests.size(); ++i) {
      if (decisions[i].outcome != ReservationOutcome::kReserved) continue;
      for (const LineItem& item : requests[i]->items) {
        held.emplace_back(&requests[i]->order_id, &item);
      }
    }
    ForEachChunk(held.size(), [&](size_t begin, size_t size) {
      sql::PreparedStatement& hold = session.Prepare(absl::StrCat(
          "INSERT INTO reservation_items (order_id, product_id, quantity) VALUES ",
          Repeated("(?, ?, ?)", size)));
      for (size_t i = 0; i < size; ++i) {
        hold.setString(3 * i + 1, *held[begin + i].first);
        hold.setInt64(3 * i + 2, held[begin + i].second->product_id);
        hold.setInt(3 * i + 3, held[begin + i].second->quantity);
      }
      hold.executeUpdate();
    });
    return absl::OkStatus();
  });

  std::vector<absl::StatusOr<ReservationResult>> results;
  results.reserve(requests.size());
  if (status.ok()) {
    ReportStockOuts(stock_outs);
    for (ReservationDecision& decision : decisions) {
      results.push_back(ReservationResult{decision.outcome,
                                          std::move(decision.sold_out_product_ids),
                                          std::move(decision.detail)});
    }
    return results;
  }
  // The same holds for each order on its own.
  if (IsDatabaseUnreachableOrBusy(status)) {
    results.assign(requests.size(), status);
    return results;
  }
  // A recorded outcome, or an error one order may have caused: nothing of
  // the batch was written, so each order goes on its own.
  split_batches_.fetch_add(1, std::memory_order_relaxed);
  if (absl::IsAlreadyExists(status)) {
    VLOG(1) << "reservation batch of " << requests.size()
            << " has a recorded order; reserving one by one";
  } else {
    LOG(WARNING) << "reservation batch of " << requests.size()
                 << " failed, reserving one by one: " << status;
  }
  for (const ReserveRequest* request : requests) {
    results.push_back(ReserveOne(request->order_id, request->items, call_id));
  }
  return results;
}

absl::StatusOr<ReservationResult> MysqlInventoryRepository::Reserve(
    const std::string& order_id, const std::vector<LineItem>& items) {
  return ReserveOne(order_id, items, RandomUuid());
}

absl::StatusOr<ReservationResult> MysqlInventoryRepository::ReserveOne(
    const std::string& order_id, const std::vector<LineItem>& items,
    const std::string& call_id) {
  ReservationResult result;
  std::vector<int64_t> stock_outs;  // products this reservation took to zero
  absl::Status status = runner_.Run([&](MysqlSession& session) -> absl::Status {
    result = ReservationResult();
    stock_outs.clear();
    // The barrier row goes in first: a concurrent Reserve or Release of the
    // same order waits on it, then reads the outcome recorded here.
    if (!ClaimBarrier(session, order_id, "RESERVED", "", call_id)) {
      const Barrier barrier = LockBarrier(session, order_id);
      result.outcome = OutcomeFromState(barrier.state);
      if (barrier.call_id != call_id) {
        result.detail = absl::StrCat("recorded earlier: ", barrier.detail);
        return absl::OkStatus();
      }
      // This call's own outcome, committed by a run whose answer was lost:
      // answered as that run would have.
      result.detail = barrier.detail;
      if (result.outcome != ReservationOutcome::kUnknownProduct) {
        result.sold_out_product_ids = SoldOutNow(session, items);
      }
      if (result.outcome == ReservationOutcome::kReserved) {
        stock_outs = result.sold_out_product_ids;
      }
      return absl::OkStatus();
    }
    // Lock the product rows in ascending id order (items are sorted).
    std::vector<std::optional<int64_t>> stock;
    stock.reserve(items.size());
    sql::PreparedStatement& lock = session.Prepare(
        "SELECT stock FROM products WHERE product_id = ? FOR UPDATE");
    for (const LineItem& item : items) {
      lock.setInt64(1, item.product_id);
      std::unique_ptr<sql::ResultSet> row(lock.executeQuery());
      stock.push_back(row->next() ? std::optional<int64_t>(row->getInt64(1))
                                  : std::nullopt);
    }
    ReservationDecision decision = DecideReservation(items, stock);
    if (decision.outcome == ReservationOutcome::kReserved) {
      // MySQL evaluates SET left to right, so `status` sees the new stock.
      sql::PreparedStatement& take = session.Prepare(
          "UPDATE products SET stock = stock - ?, "
          "status = IF(stock = 0, 'SOLD_OUT', 'ON_SALE'), version = version + 1 "
          "WHERE product_id = ? AND stock >= ?");
      sql::PreparedStatement& hold = session.Prepare(
          "INSERT INTO reservation_items (order_id, product_id, quantity) "
          "VALUES (?, ?, ?)");
      for (const LineItem& item : items) {
        take.setInt64(1, item.quantity);
        take.setInt64(2, item.product_id);
        take.setInt64(3, item.quantity);
        if (take.executeUpdate() != 1) {
          return absl::InternalError(absl::StrCat(
              "stock of product ", item.product_id, " changed under its lock"));
        }
        hold.setString(1, order_id);
        hold.setInt64(2, item.product_id);
        hold.setInt(3, item.quantity);
        hold.executeUpdate();
      }
    }
    sql::PreparedStatement& record = session.Prepare(
        "UPDATE reservations SET state = ?, detail = ? WHERE order_id = ?");
    record.setString(1, StateForOutcome(decision.outcome));
    record.setString(2, decision.detail);
    record.setString(3, order_id);
    record.executeUpdate();
    result.outcome = decision.outcome;
    result.detail = decision.detail;
    result.sold_out_product_ids = decision.sold_out_product_ids;
    if (decision.outcome == ReservationOutcome::kReserved) {
      stock_outs = decision.sold_out_product_ids;
    }
    return absl::OkStatus();
  });
  if (!status.ok()) return status;
  ReportStockOuts(stock_outs);
  return result;
}

void MysqlInventoryRepository::ReportStockOuts(const std::vector<int64_t>& product_ids) const {
  if (!on_stock_out_) return;
  for (int64_t id : product_ids) on_stock_out_(id);
}

absl::StatusOr<ReleaseResult> MysqlInventoryRepository::Release(
    const std::string& order_id) {
  ReleaseResult result;
  // Written with the tombstone or the release: a rerun after a lost COMMIT
  // recognises its own write and answers as the first run did.
  const std::string call_id = RandomUuid();
  absl::Status status = runner_.Run([&](MysqlSession& session) -> absl::Status {
    result = ReleaseResult();
    if (ClaimBarrier(session, order_id, "TOMBSTONE", "released before any reservation",
                     call_id)) {
      result.detail = "nothing was reserved; tombstone recorded";
      return absl::OkStatus();
    }
    const Barrier barrier = LockBarrier(session, order_id);
    if (barrier.call_id == call_id) {
      result.stock_returned = barrier.state == "RELEASED";
      result.detail = result.stock_returned ? "stock returned"
                                            : "nothing was reserved; tombstone recorded";
      return absl::OkStatus();
    }
    if (barrier.state != "RESERVED") {
      result.detail = absl::StrCat("nothing held (", barrier.state, ")");
      return absl::OkStatus();
    }
    sql::PreparedStatement& held = session.Prepare(
        "SELECT product_id, quantity FROM reservation_items "
        "WHERE order_id = ? ORDER BY product_id");
    held.setString(1, order_id);
    std::unique_ptr<sql::ResultSet> rows(held.executeQuery());
    std::vector<LineItem> items;
    while (rows->next()) items.push_back({rows->getInt64(1), rows->getInt(2)});
    sql::PreparedStatement& give_back = session.Prepare(
        "UPDATE products SET stock = stock + ?, "
        "status = IF(stock = 0, 'SOLD_OUT', 'ON_SALE'), version = version + 1 "
        "WHERE product_id = ?");
    for (const LineItem& item : items) {
      give_back.setInt64(1, item.quantity);
      give_back.setInt64(2, item.product_id);
      give_back.executeUpdate();
    }
    sql::PreparedStatement& mark = session.Prepare(
        "UPDATE reservations SET state = 'RELEASED', detail = ?, call_id = ? "
        "WHERE order_id = ?");
    mark.setString(1, "released");
    mark.setString(2, call_id);
    mark.setString(3, order_id);
    mark.executeUpdate();
    result.stock_returned = true;
    result.detail = "stock returned";
    return absl::OkStatus();
  });
  if (!status.ok()) return status;
  return result;
}

absl::StatusOr<Product> MysqlInventoryRepository::GetProduct(int64_t product_id) {
  std::optional<Product> product;
  absl::Status status = runner_.Run([&](MysqlSession& session) -> absl::Status {
    sql::PreparedStatement& select = session.Prepare(
        absl::StrCat("SELECT ", kProductColumns,
                     " FROM products WHERE product_id = ?"));
    select.setInt64(1, product_id);
    std::unique_ptr<sql::ResultSet> row(select.executeQuery());
    product.reset();
    if (row->next()) product = ProductFromRow(*row);
    return absl::OkStatus();
  });
  if (!status.ok()) return status;
  if (!product.has_value()) {
    return absl::NotFoundError(absl::StrCat("product_id: product ", product_id,
                                            " does not exist"));
  }
  return *std::move(product);
}

absl::StatusOr<std::vector<Product>> MysqlInventoryRepository::ListProducts(
    int64_t after_product_id, int limit) {
  std::vector<Product> products;
  absl::Status status = runner_.Run([&](MysqlSession& session) -> absl::Status {
    sql::PreparedStatement& select = session.Prepare(absl::StrCat(
        "SELECT ", kProductColumns,
        " FROM products WHERE product_id > ? ORDER BY product_id LIMIT ?"));
    select.setInt64(1, after_product_id);
    select.setInt(2, limit);
    std::unique_ptr<sql::ResultSet> rows(select.executeQuery());
    products.clear();
    while (rows->next()) products.push_back(ProductFromRow(*rows));
    return absl::OkStatus();
  });
  if (!status.ok()) return status;
  return products;
}

absl::StatusOr<Product> MysqlInventoryRepository::UpsertProduct(
    const Product& product) {
  // Chosen once, outside the unit of work: its rerun after a lost COMMIT
  // finds the row it set and changes nothing (it would otherwise set the
  // absolute stock again, over what was reserved in between).
  const std::string upsert_id = RandomUuid();
  absl::Status refused = absl::OkStatus();
  absl::Status status = runner_.Run([&](MysqlSession& session) -> absl::Status {
    refused = absl::OkStatus();
    sql::PreparedStatement& lock = session.Prepare(
        "SELECT version, IFNULL(last_upsert_id, '') FROM products WHERE product_id = ? "
        "FOR UPDATE");
    lock.setInt64(1, product.product_id);
    std::unique_ptr<sql::ResultSet> row(lock.executeQuery());
    std::optional<int64_t> stored_version;
    if (row->next()) {
      if (row->getString(2).asStdString() == upsert_id) return absl::OkStatus();  // applied
      stored_version = row->getInt64(1);
    }
    if (product.version != 0) {
      // Refused, not failed: the runner must not retry it (ABORTED would be).
      refused = CheckExpectedVersion(product, stored_version);
      if (!refused.ok()) return absl::OkStatus();
    }
    sql::PreparedStatement& upsert = session.Prepare(
        "INSERT INTO products (product_id, name, price, stock, status, supplied, version, "
        "last_upsert_id) VALUES (?, ?, ?, ?, ?, ?, 1, ?) ON DUPLICATE KEY UPDATE "
        "name = VALUES(name), price = VALUES(price), "
        // Assignments run left to right: `supplied` sees the old stock.
        "supplied = supplied + VALUES(stock) - stock, stock = VALUES(stock), "
        "status = VALUES(status), version = version + 1, "
        "last_upsert_id = VALUES(last_upsert_id)");
    upsert.setInt64(1, product.product_id);
    upsert.setString(2, product.name);
    upsert.setInt64(3, product.price);
    upsert.setInt64(4, product.stock);
    upsert.setString(5, std::string(ProductStatusName(StatusForStock(product.stock))));
    upsert.setInt64(6, product.stock);
    upsert.setString(7, upsert_id);
    upsert.executeUpdate();
    return absl::OkStatus();
  });
  if (!status.ok()) return status;
  if (!refused.ok()) return refused;
  return GetProduct(product.product_id);
}

absl::StatusOr<std::vector<Reservation>> MysqlInventoryRepository::ListReservations(
    const std::string& after_order_id, int limit,
    std::optional<ReservationOutcome> outcome) {
  std::vector<Reservation> reservations;
  absl::Status status = runner_.Run([&](MysqlSession& session) -> absl::Status {
    sql::PreparedStatement& select = session.Prepare(
        "SELECT r.order_id, r.state, i.product_id, i.quantity FROM ("
        "  SELECT order_id, state FROM reservations"
        "  WHERE order_id > ? AND (? = '' OR state IN (?, ?))"
        "  ORDER BY order_id LIMIT ?) r "
        "LEFT JOIN reservation_items i ON i.order_id = r.order_id "
        "ORDER BY r.order_id, i.product_id");
    std::string state = outcome.has_value() ? StateForOutcome(*outcome) : "";
    select.setString(1, after_order_id);
    select.setString(2, state);
    select.setString(3, state);
    // A tombstone is listed as RELEASED.
    select.setString(4, state == "RELEASED" ? "TOMBSTONE" : state);
    select.setInt(5, limit);
    std::unique_ptr<sql::ResultSet> rows(select.executeQuery());
    reservations.clear();
    while (rows->next()) {
      std::string order_id = rows->getString(1).asStdString();
      if (reservations.empty() || reservations.back().order_id != order_id) {
        Reservation reservation;
        reservation.order_id = std::move(order_id);
        reservation.outcome = OutcomeFromState(rows->getString(2).asStdString());
        reservations.push_back(std::move(reservation));
      }
      if (!rows->isNull(3)) {
        reservations.back().items.push_back({rows->getInt64(3), rows->getInt(4)});
      }
    }
    return absl::OkStatus();
  });
  if (!status.ok()) return status;
  return reservations;
}

absl::StatusOr<Reservation> MysqlInventoryRepository::GetReservation(
    const std::string& order_id) {
  std::optional<Reservation> reservation;
  absl::Status status = runner_.Run([&](MysqlSession& session) -> absl::Status {
    sql::PreparedStatement& select = session.Prepare(
        "SELECT r.state, r.detail, "
        "TIMESTAMPDIFF(MICROSECOND, '1970-01-01', r.created_at), "
        "TIMESTAMPDIFF(MICROSECOND, '1970-01-01', r.updated_at), i.product_id, i.quantity "
        "FROM reservations r LEFT JOIN reservation_items i ON i.order_id = r.order_id "
        "WHERE r.order_id = ? ORDER BY i.product_id");
    select.setString(1, order_id);
    std::unique_ptr<sql::ResultSet> rows(select.executeQuery());
    reservation.reset();
    while (rows->next()) {
      if (!reservation.has_value()) {
        const std::string state = rows->getString(1).asStdString();
        reservation = Reservation{order_id,
                                  OutcomeFromState(state),
                                  {},
                                  rows->getString(2).asStdString(),
                                  state == "TOMBSTONE",
                                  absl::FromUnixMicros(rows->getInt64(3)),
                                  absl::FromUnixMicros(rows->getInt64(4))};
      }
      if (!rows->isNull(5)) reservation->items.push_back({rows->getInt64(5), rows->getInt(6)});
    }
    return absl::OkStatus();
  });
  if (!status.ok()) return status;
  if (!reservation.has_value()) {
    return absl::NotFoundError(
        absl::StrCat("order_id: nothing is recorded for order '", order_id, "'"));
  }
  return *std::move(reservation);
}

absl::StatusOr<int64_t> MysqlInventoryRepository::DeleteFinishedReservationsBefore(
    absl::Time cutoff, int limit) {
  // A small batch of records that hold nothing, oldest first, chosen before
  // the deleting unit of work, so that the unit is idempotent (rerun after a
  // lost COMMIT, it finds them gone and deletes nothing more).
  std::vector<std::string> candidates;
  absl::Status picked = runner_.Run([&](MysqlSession& session) -> absl::Status {
    sql::PreparedStatement& pick = session.Prepare(
        "SELECT order_id FROM reservations "
        "WHERE state IN ('RELEASED', 'TOMBSTONE', 'OUT_OF_STOCK', 'UNKNOWN_PRODUCT') "
        "AND updated_at < TIMESTAMPADD(MICROSECOND, ?, '1970-01-01') "
        "ORDER BY updated_at LIMIT ?");
    pick.setInt64(1, absl::ToUnixMicros(cutoff));
    pick.setInt(2, limit);
    std::unique_ptr<sql::ResultSet> rows(pick.executeQuery());
    candidates.clear();
    while (rows->next()) candidates.push_back(rows->getString(1).asStdString());
    return absl::OkStatus();
  });
  if (!picked.ok()) return picked;
  if (candidates.empty()) return 0;
  int64_t deleted = 0;
  absl::Status status = runner_.Run([&](MysqlSession& session) -> absl::Status {
    // Locks those still finished and old (a record another transaction is
    // using is skipped for now), then deletes them and their items: the
    // transaction touches only those rows.
    std::vector<std::string> ids;
    ForEachChunk(candidates.size(), [&](size_t begin, size_t size) {
      sql::PreparedStatement& lock = session.Prepare(absl::StrCat(
          "SELECT order_id FROM reservations WHERE order_id IN (", Repeated("?", size),
          ") AND state IN ('RELEASED', 'TOMBSTONE', 'OUT_OF_STOCK', 'UNKNOWN_PRODUCT') "
          "AND updated_at < TIMESTAMPADD(MICROSECOND, ?, '1970-01-01') "
          "FOR UPDATE SKIP LOCKED"));
      for (size_t i = 0; i < size; ++i) lock.setString(i + 1, candidates[begin + i]);
      lock.setInt64(size + 1, absl::ToUnixMicros(cutoff));
      std::unique_ptr<sql::ResultSet> rows(lock.executeQuery());
      while (rows->next()) ids.push_back(rows->getString(1).asStdString());
    });
    ForEachChunk(ids.size(), [&](size_t begin, size_t size) {
      for (const char* table : {"reservation_items", "reservations"}) {
        sql::PreparedStatement& remove = session.Prepare(absl::StrCat(
            "DELETE FROM ", table, " WHERE order_id IN (", Repeated("?", size), ")"));
        for (size_t i = 0; i < size; ++i) remove.setString(i + 1, ids[begin + i]);
        remove.executeUpdate();
      }
    });
    // A rerun after a lost COMMIT finds none: keep the count of the run
    // that deleted them.
    deleted = std::max(deleted, static_cast<int64_t>(ids.size()));
    return absl::OkStatus();
  });
  if (!status.ok()) return status;
  return deleted;
}

}  // namespace order_saga::inventory
