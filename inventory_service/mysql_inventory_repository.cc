#include "inventory_service/mysql_inventory_repository.h"

#include <memory>
#include <optional>

#include <cppconn/resultset.h>

#include "absl/strings/str_cat.h"
#include "inventory_service/reservation_decision.h"

namespace order_saga::inventory {
namespace {

constexpr char kProductColumns[] = "product_id, name, price, stock, status, supplied";

Product ProductFromRow(sql::ResultSet& row) {
  Product product;
  product.product_id = row.getInt64("product_id");
  product.name = row.getString("name").asStdString();
  product.price = row.getInt64("price");
  product.stock = row.getInt64("stock");
  product.supplied = row.getInt64("supplied");
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

// Inserts the barrier row for `order_id` unless one exists; true if inserted.
bool ClaimBarrier(MysqlSession& session, const std::string& order_id,
                  const char* state, const std::string& detail) {
  sql::PreparedStatement& claim = session.Prepare(
      "INSERT IGNORE INTO reservations (order_id, state, detail) "
      "VALUES (?, ?, ?)");
  claim.setString(1, order_id);
  claim.setString(2, state);
  claim.setString(3, detail);
  return claim.executeUpdate() == 1;
}

// The recorded (state, detail) of `order_id`, locked for this transaction.
std::pair<std::string, std::string> LockBarrier(MysqlSession& session,
                                                const std::string& order_id) {
  sql::PreparedStatement& select = session.Prepare(
      "SELECT state, detail FROM reservations WHERE order_id = ? FOR UPDATE");
  select.setString(1, order_id);
  std::unique_ptr<sql::ResultSet> row(select.executeQuery());
  if (!row->next()) return {"", ""};
  return {row->getString(1).asStdString(), row->getString(2).asStdString()};
}

}  // namespace

absl::StatusOr<ReservationResult> MysqlInventoryRepository::Reserve(
    const std::string& order_id, const std::vector<LineItem>& items) {
  ReservationResult result;
  absl::Status status = runner_.Run([&](MysqlSession& session) -> absl::Status {
    result = ReservationResult();
    // The barrier row goes in first: a concurrent Reserve or Release of the
    // same order waits on it, then reads the outcome recorded here.
    if (!ClaimBarrier(session, order_id, "RESERVED", "")) {
      auto [state, detail] = LockBarrier(session, order_id);
      result.outcome = OutcomeFromState(state);
      result.detail = absl::StrCat("recorded earlier: ", detail);
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
          "status = IF(stock = 0, 'SOLD_OUT', 'ON_SALE') "
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
    return absl::OkStatus();
  });
  if (!status.ok()) return status;
  return result;
}

absl::StatusOr<ReleaseResult> MysqlInventoryRepository::Release(
    const std::string& order_id) {
  ReleaseResult result;
  absl::Status status = runner_.Run([&](MysqlSession& session) -> absl::Status {
    result = ReleaseResult();
    if (ClaimBarrier(session, order_id, "TOMBSTONE",
                     "released before any reservation")) {
      result.detail = "nothing was reserved; tombstone recorded";
      return absl::OkStatus();
    }
    auto [state, detail] = LockBarrier(session, order_id);
    if (state != "RESERVED") {
      result.detail = absl::StrCat("nothing held (", state, ")");
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
        "status = IF(stock = 0, 'SOLD_OUT', 'ON_SALE') WHERE product_id = ?");
    for (const LineItem& item : items) {
      give_back.setInt64(1, item.quantity);
      give_back.setInt64(2, item.product_id);
      give_back.executeUpdate();
    }
    sql::PreparedStatement& mark = session.Prepare(
        "UPDATE reservations SET state = 'RELEASED', detail = ? "
        "WHERE order_id = ?");
    mark.setString(1, "released");
    mark.setString(2, order_id);
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
  absl::Status status = runner_.Run([&](MysqlSession& session) -> absl::Status {
    sql::PreparedStatement& upsert = session.Prepare(
        "INSERT INTO products (product_id, name, price, stock, status, supplied) "
        "VALUES (?, ?, ?, ?, ?, ?) ON DUPLICATE KEY UPDATE name = VALUES(name), "
        "price = VALUES(price), "
        // Assignments run left to right: `supplied` sees the old stock.
        "supplied = supplied + VALUES(stock) - stock, stock = VALUES(stock), "
        "status = VALUES(status)");
    upsert.setInt64(1, product.product_id);
    upsert.setString(2, product.name);
    upsert.setInt64(3, product.price);
    upsert.setInt64(4, product.stock);
    upsert.setString(5, std::string(ProductStatusName(StatusForStock(product.stock))));
    upsert.setInt64(6, product.stock);
    upsert.executeUpdate();
    return absl::OkStatus();
  });
  if (!status.ok()) return status;
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
        reservations.push_back(
            {order_id, OutcomeFromState(rows->getString(2).asStdString()), {}});
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

}  // namespace order_saga::inventory
