#include "order_service/mysql_order_repository.h"

#include <memory>
#include <optional>

#include <cppconn/resultset.h>

#include "absl/strings/str_cat.h"

namespace order_saga::orders {
namespace {

// Columns of `orders` (aliased o) in the order OrdersFromRows reads them,
// followed by the item columns.
constexpr char kSelectOrders[] =
    "SELECT o.id, o.order_id, o.request_id, o.customer_id, o.status, "
    "o.compensating, o.reject_reason, o.detail, o.recipient, o.phone, "
    "o.zip_code, o.line1, o.line2, "
    "TIMESTAMPDIFF(MICROSECOND, '1970-01-01', o.created_at), "
    "TIMESTAMPDIFF(MICROSECOND, '1970-01-01', o.updated_at), "
    "i.product_id, i.quantity ";

std::string Text(sql::ResultSet& row, int column) {
  return row.getString(column).asStdString();
}

// Groups joined order/item rows (ordered by o.id) into orders.
std::vector<Order> OrdersFromRows(sql::ResultSet& rows) {
  std::vector<Order> orders;
  while (rows.next()) {
    const int64_t sequence = rows.getInt64(1);
    if (orders.empty() || orders.back().sequence != sequence) {
      Order order;
      order.sequence = sequence;
      order.order_id = Text(rows, 2);
      order.request_id = Text(rows, 3);
      order.customer_id = Text(rows, 4);
      ParseOrderStatus(Text(rows, 5), &order.status);
      order.compensating = rows.getBoolean(6);
      ParseRejectReason(Text(rows, 7), &order.reject_reason);
      order.detail = Text(rows, 8);
      order.shipping_address = {Text(rows, 9), Text(rows, 10), Text(rows, 11),
                                Text(rows, 12), Text(rows, 13)};
      order.create_time = absl::FromUnixMicros(rows.getInt64(14));
      order.update_time = absl::FromUnixMicros(rows.getInt64(15));
      orders.push_back(std::move(order));
    }
    orders.back().items.push_back({rows.getInt64(16), rows.getInt(17)});
  }
  return orders;
}

// The order whose `column` (order_id or request_id) equals `value`, read on
// `session` (inside the caller's transaction). NOT_FOUND if there is none.
absl::StatusOr<Order> LoadBy(MysqlSession& session, const char* column,
                             const std::string& value) {
  sql::PreparedStatement& select = session.Prepare(absl::StrCat(
      kSelectOrders, "FROM orders o JOIN order_items i ON i.order_pk = o.id ",
      "WHERE o.", column, " = ? ORDER BY i.product_id"));
  select.setString(1, value);
  std::unique_ptr<sql::ResultSet> rows(select.executeQuery());
  std::vector<Order> orders = OrdersFromRows(*rows);
  if (orders.empty()) {
    return absl::NotFoundError(
        absl::StrCat(column, ": no order with ", column, " '", value, "'"));
  }
  return std::move(orders.front());
}

}  // namespace

absl::StatusOr<Order> MysqlOrderRepository::Create(const NewOrder& order,
                                                   const std::string& order_id) {
  absl::StatusOr<Order> created = absl::InternalError("not created");
  absl::Status status = runner_.Run([&](MysqlSession& session) -> absl::Status {
    sql::PreparedStatement& insert = session.Prepare(
        "INSERT INTO orders (order_id, request_id, customer_id, status, "
        "recipient, phone, zip_code, line1, line2) "
        "VALUES (?, ?, ?, 'PENDING', ?, ?, ?, ?, ?)");
    insert.setString(1, order_id);
    insert.setString(2, order.request_id);
    insert.setString(3, order.customer_id);
    insert.setString(4, order.shipping_address.recipient);
    insert.setString(5, order.shipping_address.phone);
    insert.setString(6, order.shipping_address.zip_code);
    insert.setString(7, order.shipping_address.line1);
    insert.setString(8, order.shipping_address.line2);
    insert.executeUpdate();  // duplicate request_id -> ALREADY_EXISTS
    sql::PreparedStatement& item = session.Prepare(
        "INSERT INTO order_items (order_pk, product_id, quantity) "
        "VALUES (LAST_INSERT_ID(), ?, ?)");
    for (const LineItem& line : SortedByProductId(order.items)) {
      item.setInt64(1, line.product_id);
      item.setInt(2, line.quantity);
      item.executeUpdate();
    }
    created = LoadBy(session, "order_id", order_id);
    return created.status();
  });
  if (absl::IsAlreadyExists(status)) return GetByRequestId(order.request_id);
  if (!status.ok()) return status;
  return created;
}

absl::StatusOr<Order> MysqlOrderRepository::Transition(
    const std::string& order_id, const OrderTransition& transition) {
  const char* sql = nullptr;
  switch (transition.kind) {
    case OrderTransition::Kind::kApprove:
      sql = "UPDATE orders SET status = 'APPROVED', reject_reason = '', "
            "detail = ?, updated_at = CURRENT_TIMESTAMP(6) "
            "WHERE order_id = ? AND status = 'PENDING' AND compensating = 0";
      break;
    case OrderTransition::Kind::kReject:
      sql = "UPDATE orders SET status = 'REJECTED', reject_reason = ?, "
            "detail = ?, compensating = 0, updated_at = CURRENT_TIMESTAMP(6) "
            "WHERE order_id = ? AND status = 'PENDING'";
      break;
    case OrderTransition::Kind::kMarkCompensating:
      sql = "UPDATE orders SET compensating = 1, reject_reason = ?, "
            "detail = ?, updated_at = CURRENT_TIMESTAMP(6) "
            "WHERE order_id = ? AND status = 'PENDING' AND compensating = 0";
      break;
  }
  absl::StatusOr<Order> after = absl::InternalError("not loaded");
  absl::Status status = runner_.Run([&](MysqlSession& session) -> absl::Status {
    sql::PreparedStatement& update = session.Prepare(sql);
    int parameter = 1;
    if (transition.kind != OrderTransition::Kind::kApprove) {
      update.setString(parameter++,
                       std::string(RejectReasonName(transition.reject_reason)));
    }
    update.setString(parameter++, transition.detail);
    update.setString(parameter++, order_id);
    update.executeUpdate();  // 0 rows: not PENDING (or unknown); the read tells
    after = LoadBy(session, "order_id", order_id);
    return absl::OkStatus();
  });
  if (!status.ok()) return status;
  return after;
}

absl::StatusOr<Order> MysqlOrderRepository::GetBy(const char* column,
                                                  const std::string& value) {
  absl::StatusOr<Order> order = absl::InternalError("not loaded");
  absl::Status status = runner_.Run([&](MysqlSession& session) -> absl::Status {
    order = LoadBy(session, column, value);
    return absl::OkStatus();
  });
  if (!status.ok()) return status;
  return order;
}

absl::StatusOr<Order> MysqlOrderRepository::Get(const std::string& order_id) {
  return GetBy("order_id", order_id);
}

absl::StatusOr<Order> MysqlOrderRepository::GetByRequestId(
    const std::string& request_id) {
  return GetBy("request_id", request_id);
}

absl::StatusOr<std::vector<Order>> MysqlOrderRepository::List(
    const OrderFilter& filter) {
  // The clauses are fixed text chosen by which filters are set; every value
  // is a bound parameter.
  std::string where = "WHERE id > ?";
  if (filter.status.has_value()) where += " AND status = ?";
  if (!filter.customer_id.empty()) where += " AND customer_id = ?";
  if (filter.updated_before.has_value()) {
    where += " AND updated_at < TIMESTAMPADD(MICROSECOND, ?, '1970-01-01')";
  }
  const std::string sql = absl::StrCat(
      kSelectOrders, "FROM (SELECT * FROM orders ", where,
      " ORDER BY id LIMIT ?) o JOIN order_items i ON i.order_pk = o.id "
      "ORDER BY o.id, i.product_id");
  std::vector<Order> orders;
  absl::Status status = runner_.Run([&](MysqlSession& session) -> absl::Status {
    sql::PreparedStatement& select = session.Prepare(sql);
    int parameter = 1;
    select.setInt64(parameter++, filter.after_sequence);
    if (filter.status.has_value()) {
      select.setString(parameter++, std::string(OrderStatusName(*filter.status)));
    }
    if (!filter.customer_id.empty()) select.setString(parameter++, filter.customer_id);
    if (filter.updated_before.has_value()) {
      select.setInt64(parameter++, absl::ToUnixMicros(*filter.updated_before));
    }
    select.setInt(parameter++, filter.limit);
    std::unique_ptr<sql::ResultSet> rows(select.executeQuery());
    orders = OrdersFromRows(*rows);
    return absl::OkStatus();
  });
  if (!status.ok()) return status;
  return orders;
}

absl::StatusOr<OrderCounts> MysqlOrderRepository::Count(
    const std::string& customer_id) {
  OrderCounts counts;
  absl::Status status = runner_.Run([&](MysqlSession& session) -> absl::Status {
    sql::PreparedStatement& select = session.Prepare(
        "SELECT status, COUNT(*) FROM orders "
        "WHERE (? = '' OR customer_id = ?) GROUP BY status");
    select.setString(1, customer_id);
    select.setString(2, customer_id);
    std::unique_ptr<sql::ResultSet> rows(select.executeQuery());
    counts = OrderCounts();
    while (rows->next()) {
      OrderStatus status = OrderStatus::kPending;
      ParseOrderStatus(Text(*rows, 1), &status);
      const int64_t n = rows->getInt64(2);
      switch (status) {
        case OrderStatus::kPending: counts.pending = n; break;
        case OrderStatus::kApproved: counts.approved = n; break;
        case OrderStatus::kRejected: counts.rejected = n; break;
      }
    }
    return absl::OkStatus();
  });
  if (!status.ok()) return status;
  return counts;
}

}  // namespace order_saga::orders
