#include "order_service/mysql_order_repository.h"

#include <algorithm>
#include <map>
#include <memory>
#include <optional>
#include <set>

#include <cppconn/datatype.h>
#include <cppconn/resultset.h>
#include <glog/logging.h>

#include "absl/strings/str_cat.h"
#include "absl/strings/substitute.h"
#include "common/mysql/multi_row_statement.h"
#include "common/random_id.h"
#include "order_service/order_decisions.h"

namespace order_saga::orders {
namespace {

// The 20 columns of an `orders` row in the order OrderFromRow reads them,
// each name prefixed with `alias` ("o." in a join, "" in RETURNING).
std::string OrderColumns(absl::string_view alias) {
  return absl::Substitute(
      "$0id, $0order_id, $0request_id, $0customer_id, $0status, $0compensating, "
      "$0reject_reason, $0detail, $0recipient, $0phone, $0zip_code, $0line1, $0line2, "
      "TIMESTAMPDIFF(MICROSECOND, '1970-01-01', $0created_at), "
      "TIMESTAMPDIFF(MICROSECOND, '1970-01-01', $0updated_at), "
      "$0saga_attempts, $0saga_last_error, $0stuck, "
      "IFNULL(TIMESTAMPDIFF(MICROSECOND, '1970-01-01', $0retry_after), 0), $0trace_id",
      alias);
}

// The columns of `orders` (aliased o) in the order OrdersFromRows reads
// them, followed by the item columns.
const std::string& SelectOrders() {
  static const std::string* const select =
      new std::string(absl::StrCat("SELECT ", OrderColumns("o."), ", i.product_id, i.quantity "));
  return *select;
}

std::string Text(sql::ResultSet& row, int column) {
  return row.getString(column).asStdString();
}

// The order in the 20 columns from `first` on (OrderColumns' order),
// without its items.
Order OrderFromRow(sql::ResultSet& row, int first) {
  Order order;
  order.sequence = row.getInt64(first);
  order.order_id = Text(row, first + 1);
  order.request_id = Text(row, first + 2);
  order.customer_id = Text(row, first + 3);
  ParseOrderStatus(Text(row, first + 4), &order.status);
  order.compensating = row.getBoolean(first + 5);
  ParseRejectReason(Text(row, first + 6), &order.reject_reason);
  order.detail = Text(row, first + 7);
  order.shipping_address = {Text(row, first + 8), Text(row, first + 9), Text(row, first + 10),
                            Text(row, first + 11), Text(row, first + 12)};
  order.create_time = absl::FromUnixMicros(row.getInt64(first + 13));
  order.update_time = absl::FromUnixMicros(row.getInt64(first + 14));
  order.saga_attempts = row.getInt(first + 15);
  order.saga_last_error = Text(row, first + 16);
  order.stuck = row.getBoolean(first + 17);
  if (const int64_t retry_after = row.getInt64(first + 18); retry_after != 0) {
    order.retry_after = absl::FromUnixMicros(retry_after);
  }
  order.trace_id = Text(row, first + 19);
  return order;
}

// The database's clock, as a last column after SelectOrders()'s (its value
// is the same on every row of one statement): the "now" of the rules, so
// that every replica of the service decides by one clock, the one that
// stamps created_at.
constexpr char kNowColumn[] =
    ", TIMESTAMPDIFF(MICROSECOND, '1970-01-01', CURRENT_TIMESTAMP(6)) ";
constexpr int kNowColumnIndex = 23;

// A DATETIME(6) column's value from microseconds since 1970-01-01 (the
// inverse of OrderColumns' TIMESTAMPDIFF).
constexpr char kFromMicros[] = "TIMESTAMPADD(MICROSECOND, ?, '1970-01-01')";

// Groups joined order/item rows (ordered by o.id) into orders. With `now`,
// the statement also selected kNowColumn, and `now` gets its value (left as
// it is when there are no rows).
std::vector<Order> OrdersFromRows(sql::ResultSet& rows, absl::Time* now = nullptr) {
  std::vector<Order> orders;
  while (rows.next()) {
    const int64_t sequence = rows.getInt64(1);
    if (orders.empty() || orders.back().sequence != sequence) {
      orders.push_back(OrderFromRow(rows, 1));
      if (now != nullptr) *now = absl::FromUnixMicros(rows.getInt64(kNowColumnIndex));
    }
    orders.back().items.push_back({rows.getInt64(21), rows.getInt(22)});
  }
  return orders;
}

// SelectOrders() for events (aliased e): the event id first, then the order
// with the state the event recorded.
constexpr char kSelectEvents[] =
    "SELECT e.event_id, o.id, o.order_id, o.request_id, o.customer_id, e.status, "
    "e.compensating, e.reject_reason, e.detail, o.recipient, o.phone, "
    "o.zip_code, o.line1, o.line2, "
    "TIMESTAMPDIFF(MICROSECOND, '1970-01-01', o.created_at), "
    "TIMESTAMPDIFF(MICROSECOND, '1970-01-01', e.occurred_at), "
    "o.saga_attempts, o.saga_last_error, o.stuck, "
    "IFNULL(TIMESTAMPDIFF(MICROSECOND, '1970-01-01', o.retry_after), 0), o.trace_id, "
    "i.product_id, i.quantity ";

// Groups joined event/item rows (ordered by e.event_id) into events.
std::vector<OrderEvent> EventsFromRows(sql::ResultSet& rows) {
  std::vector<OrderEvent> events;
  while (rows.next()) {
    const int64_t event_id = rows.getInt64(1);
    if (events.empty() || events.back().event_id != event_id) {
      events.push_back({event_id, OrderFromRow(rows, 2)});
    }
    events.back().order.items.push_back({rows.getInt64(22), rows.getInt(23)});
  }
  return events;
}

// Appends one event per order of `order_ids`, with the orders' state as
// this transaction sees it, numbered in the given order. It takes the ids
// from the counter row and so holds that row's lock until COMMIT: call it
// last, after every other statement of the transaction.
void AppendEvents(MysqlSession& session, const std::vector<const std::string*>& order_ids) {
  if (order_ids.empty()) return;
  const int64_t count = static_cast<int64_t>(order_ids.size());
  // LAST_INSERT_ID(expr) keeps the new last id for this session; the
  // INSERTs below number their rows back from it (order_events has no
  // AUTO_INCREMENT, so they leave it as it is).
  sql::PreparedStatement& take = session.Prepare(
      "UPDATE order_event_counter SET last_event_id = LAST_INSERT_ID(last_event_id + ?) "
      "WHERE id = 1");
  take.setInt64(1, count);
  take.executeUpdate();
  ForEachPaddedChunk(order_ids.size(), [&](size_t begin, size_t size, size_t shape) {
    sql::PreparedStatement& insert = session.Prepare(absl::StrCat(
        "INSERT INTO order_events (event_id, order_pk, customer_id, status, compensating, "
        "reject_reason, detail, occurred_at) SELECT LAST_INSERT_ID() - ? + CASE order_id ",
        Repeated("WHEN ? THEN ?", shape, " "),
        " END, id, customer_id, status, compensating, reject_reason, detail, updated_at "
        "FROM orders WHERE order_id IN (", Repeated("?", shape), ")"));
    int parameter = 1;
    insert.setInt64(parameter++, count);
    for (size_t i = 0; i < shape; ++i) {
      const size_t row = PaddedRow(begin, size, i);
      insert.setString(parameter++, *order_ids[row]);
      insert.setInt64(parameter++, static_cast<int64_t>(row) + 1);
    }
    for (size_t i = 0; i < shape; ++i) {
      insert.setString(parameter++, *order_ids[PaddedRow(begin, size, i)]);
    }
    insert.executeUpdate();
  });
}

// The orders selected by `where` (a fixed text over alias o, with bound
// parameters set by `bind`), read on `session` (inside the caller's
// transaction).
template <typename Bind>
std::vector<Order> LoadWhere(MysqlSession& session, const char* where, const Bind& bind) {
  sql::PreparedStatement& select = session.Prepare(absl::StrCat(
      SelectOrders(), "FROM orders o JOIN order_items i ON i.order_pk = o.id WHERE ", where,
      " ORDER BY i.product_id"));
  bind(select);
  std::unique_ptr<sql::ResultSet> rows(select.executeQuery());
  return OrdersFromRows(*rows);
}

// The order with `order_id`, read on `session`. NOT_FOUND if there is none.
absl::StatusOr<Order> LoadByOrderId(MysqlSession& session, const std::string& order_id) {
  std::vector<Order> orders = LoadWhere(session, "o.order_id = ?", [&](auto& select) {
    select.setString(1, order_id);
  });
  if (orders.empty()) return OrderNotFound(order_id);
  return std::move(orders.front());
}

// The order `customer_id` created with `request_id`, read on `session`.
// NOT_FOUND if there is none.
absl::StatusOr<Order> LoadByRequestId(MysqlSession& session, const std::string& customer_id,
                                      const std::string& request_id) {
  std::vector<Order> orders =
      LoadWhere(session, "o.customer_id = ? AND o.request_id = ?", [&](auto& select) {
        select.setString(1, customer_id);
        select.setString(2, request_id);
      });
  if (orders.empty()) {
    return absl::NotFoundError(absl::StrCat("request_id: customer '", customer_id,
                                            "' has no order with request_id '", request_id,
                                            "'"));
  }
  return std::move(orders.front());
}

// The orders a unit of work decides on, locked, and the database's clock.
struct LockedOrders {
  std::map<std::string, Order> by_order_id;
  absl::Time now = absl::UnixEpoch();
};

// The orders with `ids`, by order id, read on `session` in chunks of
// ascending order ids. With `lock_and_now`, FOR UPDATE (read through the
// unique order_id index, so every unit of work locks rows in one order; the
// ORDER BY only groups the rows), and *lock_and_now gets the database's
// clock.
std::map<std::string, Order> LoadByOrderIds(MysqlSession& session,
                                            const std::vector<const std::string*>& ids,
                                            absl::Time* lock_and_now = nullptr) {
  std::vector<const std::string*> sorted = ids;
  std::sort(sorted.begin(), sorted.end(),
            [](const std::string* a, const std::string* b) { return *a < *b; });
  sorted.erase(std::unique(sorted.begin(), sorted.end(),
                           [](const std::string* a, const std::string* b) { return *a == *b; }),
               sorted.end());
  const bool lock = lock_and_now != nullptr;
  std::map<std::string, Order> loaded;
  ForEachPaddedChunk(sorted.size(), [&](size_t begin, size_t size, size_t shape) {
    sql::PreparedStatement& select = session.Prepare(absl::StrCat(
        SelectOrders(), lock ? kNowColumn : "",
        "FROM orders o JOIN order_items i ON i.order_pk = o.id WHERE o.order_id IN (",
        Repeated("?", shape), ") ORDER BY o.id, i.product_id", lock ? " FOR UPDATE" : ""));
    for (size_t i = 0; i < shape; ++i) {
      select.setString(i + 1, *sorted[PaddedRow(begin, size, i)]);
    }
    std::unique_ptr<sql::ResultSet> rows(select.executeQuery());
    for (Order& order : OrdersFromRows(*rows, lock_and_now)) {
      std::string id = order.order_id;
      loaded.emplace(std::move(id), std::move(order));
    }
  });
  return loaded;
}

// Locks and loads the orders with `ids` (LoadByOrderIds).
LockedOrders LockAndLoad(MysqlSession& session, const std::vector<const std::string*>& ids) {
  LockedOrders locked;
  locked.by_order_id = LoadByOrderIds(session, ids, &locked.now);
  return locked;
}

// Stores what the rules decided for `orders` (every column a decision may
// change) by primary key, a chunk per statement.
void StoreOrders(MysqlSession& session, const std::vector<const Order*>& orders) {
  ForEachPaddedChunk(orders.size(), [&](size_t begin, size_t size, size_t shape) {
    auto column = [shape](absl::string_view name, absl::string_view value) {
      return absl::StrCat(name, " = CASE id ",
                          Repeated(absl::StrCat("WHEN ? THEN ", value), shape, " "), " END");
    };
    sql::PreparedStatement& update = session.Prepare(absl::StrCat(
        "UPDATE orders SET ", column("status", "?"), ", ", column("compensating", "?"), ", ",
        column("reject_reason", "?"), ", ", column("detail", "?"), ", ",
        column("updated_at", kFromMicros), ", ", column("saga_attempts", "?"), ", ",
        column("saga_last_error", "?"), ", ", column("stuck", "?"), ", ",
        column("retry_after", kFromMicros), " WHERE id IN (", Repeated("?", shape), ")"));
    int parameter = 1;
    auto each = [&](const auto& set) {
      for (size_t i = 0; i < shape; ++i) {
        const Order& order = *orders[PaddedRow(begin, size, i)];
        update.setInt64(parameter++, order.sequence);
        set(order);
      }
    };
    each([&](const Order& o) { update.setString(parameter++, std::string(OrderStatusName(o.status))); });
    each([&](const Order& o) { update.setBoolean(parameter++, o.compensating); });
    each([&](const Order& o) {
      update.setString(parameter++, std::string(RejectReasonName(o.reject_reason)));
    });
    each([&](const Order& o) { update.setString(parameter++, o.detail); });
    each([&](const Order& o) { update.setInt64(parameter++, absl::ToUnixMicros(o.update_time)); });
    each([&](const Order& o) { update.setInt(parameter++, o.saga_attempts); });
    each([&](const Order& o) { update.setString(parameter++, o.saga_last_error); });
    each([&](const Order& o) { update.setBoolean(parameter++, o.stuck); });
    each([&](const Order& o) {
      if (o.retry_after.has_value()) {
        update.setInt64(parameter++, absl::ToUnixMicros(*o.retry_after));
      } else {
        update.setNull(parameter++, sql::DataType::BIGINT);
      }
    });
    for (size_t i = 0; i < shape; ++i) {
      update.setInt64(parameter++, orders[PaddedRow(begin, size, i)]->sequence);
    }
    update.executeUpdate();
  });
}

// Appends `steps` to the saga history of the order with primary key
// `order_pk`; `action_id`, if not empty, marks the row of an operator's
// action (so a rerun finds it).
void InsertSagaSteps(MysqlSession& session, int64_t order_pk, const std::vector<SagaStep>& steps,
                     const std::string& action_id = "") {
  for (const SagaStep& step : steps) {
    sql::PreparedStatement& insert = session.Prepare(absl::StrCat(
        "INSERT INTO saga_steps (order_pk, step, attempt, detail, trace_id, occurred_at, "
        "action_id) VALUES (?, ?, ?, ?, ?, ", kFromMicros, ", ?)"));
    insert.setInt64(1, order_pk);
    insert.setString(2, step.step);
    insert.setInt(3, step.attempt);
    insert.setString(4, step.detail);
    insert.setString(5, step.trace_id);
    insert.setInt64(6, absl::ToUnixMicros(step.time));
    if (action_id.empty()) {
      insert.setNull(7, sql::DataType::VARCHAR);
    } else {
      insert.setString(7, action_id);
    }
    insert.executeUpdate();
  }
}

// Inserts `orders` as PENDING with their items and returns them as stored,
// by order id. RETURNING gives what the database fills in (the sequence,
// the timestamps, every default) in OrderColumns' order, so nothing is
// read back; the items are the orders' own. A request_id that exists (or
// repeats within `orders`) fails the statement with ALREADY_EXISTS, and
// nothing is written. INTERNAL if an order is not among the returned rows
// (the caller's transaction then rolls back: no order without its items).
absl::StatusOr<std::map<std::string, Order>> InsertOrders(
    MysqlSession& session, const std::vector<const OrderToCreate*>& orders) {
  std::map<std::string, Order> inserted;
  ForEachChunk(orders.size(), [&](size_t begin, size_t size) {
    sql::PreparedStatement& insert = session.Prepare(absl::StrCat(
        "INSERT INTO orders (order_id, request_id, customer_id, status, "
        "recipient, phone, zip_code, line1, line2, trace_id) VALUES ",
        Repeated("(?, ?, ?, 'PENDING', ?, ?, ?, ?, ?, ?)", size), " RETURNING ",
        OrderColumns("")));
    int parameter = 1;
    for (size_t i = begin; i < begin + size; ++i) {
      const NewOrder& order = orders[i]->order;
      insert.setString(parameter++, orders[i]->order_id);
      insert.setString(parameter++, order.request_id);
      insert.setString(parameter++, order.customer_id);
      insert.setString(parameter++, order.shipping_address.recipient);
      insert.setString(parameter++, order.shipping_address.phone);
      insert.setString(parameter++, order.shipping_address.zip_code);
      insert.setString(parameter++, order.shipping_address.line1);
      insert.setString(parameter++, order.shipping_address.line2);
      insert.setString(parameter++, order.trace_id);
    }
    std::unique_ptr<sql::ResultSet> rows(insert.executeQuery());
    while (rows->next()) {
      Order order = OrderFromRow(*rows, 1);
      std::string id = order.order_id;
      inserted.emplace(std::move(id), std::move(order));
    }
  });
  std::vector<std::pair<int64_t, LineItem>> items;  // order_pk, item
  for (const OrderToCreate* o : orders) {
    auto it = inserted.find(o->order_id);
    if (it == inserted.end()) {
      return absl::InternalError(
          absl::StrCat("order_id: '", o->order_id, "' was inserted but not returned"));
    }
    it->second.items = SortedByProductId(o->order.items);
    for (const LineItem& line : it->second.items) items.emplace_back(it->second.sequence, line);
  }
  ForEachChunk(items.size(), [&](size_t begin, size_t size) {
    sql::PreparedStatement& insert = session.Prepare(absl::StrCat(
        "INSERT INTO order_items (order_pk, product_id, quantity) VALUES ",
        Repeated("(?, ?, ?)", size)));
    for (size_t i = 0; i < size; ++i) {
      insert.setInt64(3 * i + 1, items[begin + i].first);
      insert.setInt64(3 * i + 2, items[begin + i].second.product_id);
      insert.setInt(3 * i + 3, items[begin + i].second.quantity);
    }
    insert.executeUpdate();
  });
  return inserted;
}

// One unit of work on one order: locks and loads it and lets `decide`
// (which stores on the session what it decides) return the order
// afterwards; an error from `decide` rolls the unit back. NOT_FOUND if there
// is no such order.
template <typename Decide>
absl::StatusOr<Order> DecideOnOne(MysqlTransactionRunner& runner, const std::string& order_id,
                                  const Decide& decide) {
  absl::StatusOr<Order> after = absl::InternalError("not loaded");
  absl::Status status = runner.Run([&](MysqlSession& session) -> absl::Status {
    LockedOrders locked = LockAndLoad(session, {&order_id});
    auto it = locked.by_order_id.find(order_id);
    if (it == locked.by_order_id.end()) {
      after = OrderNotFound(order_id);
      return absl::OkStatus();
    }
    after = decide(session, it->second, locked.now);
    return after.status();
  });
  if (!status.ok()) return status;
  return after;
}

}  // namespace

absl::StatusOr<Order> MysqlOrderRepository::Create(const NewOrder& order,
                                                   const std::string& order_id) {
  const OrderToCreate one{order, order_id};
  absl::StatusOr<Order> created = absl::InternalError("not created");
  absl::Status status = runner_.Run([&](MysqlSession& session) -> absl::Status {
    absl::StatusOr<std::map<std::string, Order>> inserted = InsertOrders(session, {&one});
    if (!inserted.ok()) return inserted.status();
    created = std::move(inserted->at(order_id));
    AppendEvents(session, {&order_id});
    return absl::OkStatus();
  });
  if (absl::IsAlreadyExists(status)) return GetByRequestId(order.customer_id, order.request_id);
  if (!status.ok()) return status;
  return created;
}

bool MysqlOrderRepository::SplitAfter(const absl::Status& status, size_t batch_size) {
  // The same holds for each order on its own.
  if (IsDatabaseUnreachableOrBusy(status)) return false;
  split_batches_.fetch_add(1, std::memory_order_relaxed);
  if (absl::IsAlreadyExists(status)) {
    VLOG(1) << "order batch of " << batch_size << " has a known request_id; one by one";
  } else {
    LOG(WARNING) << "order batch of " << batch_size << " failed, one by one: " << status;
  }
  return true;
}

std::vector<absl::StatusOr<Order>> MysqlOrderRepository::CreateBatch(
    const std::vector<const OrderToCreate*>& orders) {
  std::vector<const std::string*> ids;
  for (const OrderToCreate* o : orders) ids.push_back(&o->order_id);
  std::map<std::string, Order> created;
  absl::Status status = runner_.Run([&](MysqlSession& session) -> absl::Status {
    // A request_id that exists (or repeats within the batch) fails the
    // whole statement with ALREADY_EXISTS: nothing is written.
    absl::StatusOr<std::map<std::string, Order>> inserted = InsertOrders(session, orders);
    if (!inserted.ok()) return inserted.status();
    created = *std::move(inserted);
    AppendEvents(session, ids);
    return absl::OkStatus();
  });
  std::vector<absl::StatusOr<Order>> results;
  results.reserve(orders.size());
  if (status.ok()) {
    for (const OrderToCreate* o : orders) {
      auto it = created.find(o->order_id);
      if (it == created.end()) {
        results.push_back(absl::InternalError("created order not found"));
      } else {
        results.push_back(it->second);
      }
    }
    return results;
  }
  if (!SplitAfter(status, orders.size())) {
    results.assign(orders.size(), status);
    return results;
  }
  for (const OrderToCreate* o : orders) results.push_back(Create(o->order, o->order_id));
  return results;
}

std::vector<absl::StatusOr<Order>> MysqlOrderRepository::ApproveBatch(
    const std::vector<const OrderApproval*>& approvals) {
  std::vector<Decision> decisions;
  decisions.reserve(approvals.size());
  for (const OrderApproval* a : approvals) {
    decisions.push_back({&a->order_id, RejectReason::kNone, &a->detail});
  }
  return DecideBatch(OrderTransition::Kind::kApprove, decisions);
}

std::vector<absl::StatusOr<Order>> MysqlOrderRepository::RejectBatch(
    const std::vector<const OrderRejection*>& rejections) {
  std::vector<Decision> decisions;
  decisions.reserve(rejections.size());
  for (const OrderRejection* r : rejections) {
    decisions.push_back({&r->order_id, r->reason, &r->detail});
  }
  return DecideBatch(OrderTransition::Kind::kReject, decisions);
}

std::vector<absl::StatusOr<Order>> MysqlOrderRepository::DecideBatch(
    OrderTransition::Kind kind, const std::vector<Decision>& decisions) {
  std::vector<const std::string*> ids;
  std::vector<NamedTransition> transitions;
  ids.reserve(decisions.size());
  transitions.reserve(decisions.size());
  for (const Decision& d : decisions) {
    ids.push_back(d.order_id);
    transitions.push_back({d.order_id, {kind, d.reason, *d.detail}});
  }
  std::map<std::string, Order> after;
  absl::Status status = runner_.Run([&](MysqlSession& session) -> absl::Status {
    // Lock and load every order of the batch, let the rules decide, store
    // what changed by primary key; only those get an event.
    LockedOrders locked = LockAndLoad(session, ids);
    std::set<std::string> changed_ids;
    std::vector<absl::StatusOr<OrderChange>> changes =
        DecideTransitions(transitions, locked.by_order_id, locked.now);
    for (size_t i = 0; i < changes.size(); ++i) {
      if (changes[i].ok() && changes[i]->changed) changed_ids.insert(*transitions[i].order_id);
    }
    std::vector<const Order*> changed;
    std::vector<const std::string*> changed_order_ids;
    for (const std::string& id : changed_ids) {  // ascending order id
      changed.push_back(&locked.by_order_id.at(id));
      changed_order_ids.push_back(&id);
    }
    StoreOrders(session, changed);
    AppendEvents(session, changed_order_ids);
    after = std::move(locked.by_order_id);
    return absl::OkStatus();
  });
  std::vector<absl::StatusOr<Order>> results;
  results.reserve(decisions.size());
  if (status.ok()) {
    for (const Decision& d : decisions) {
      auto it = after.find(*d.order_id);
      if (it == after.end()) {
        results.push_back(OrderNotFound(*d.order_id));
      } else {
        results.push_back(it->second);
      }
    }
    return results;
  }
  if (!SplitAfter(status, decisions.size())) {
    results.assign(decisions.size(), status);
    return results;
  }
  for (const Decision& d : decisions) {
    results.push_back(Transition(*d.order_id, {kind, d.reason, *d.detail}));
  }
  return results;
}

absl::StatusOr<Order> MysqlOrderRepository::Transition(
    const std::string& order_id, const OrderTransition& transition) {
  return DecideOnOne(runner_, order_id,
                     [&](MysqlSession& session, const Order& current,
                         absl::Time now) -> absl::StatusOr<Order> {
                       OrderChange change = DecideTransition(current, transition, now);
                       if (change.changed) {
                         StoreOrders(session, {&change.order});
                         AppendEvents(session, {&order_id});
                       }
                       return std::move(change.order);
                     });
}

absl::StatusOr<Order> MysqlOrderRepository::Get(const std::string& order_id) {
  absl::StatusOr<Order> order = absl::InternalError("not loaded");
  absl::Status status = runner_.Run([&](MysqlSession& session) -> absl::Status {
    order = LoadByOrderId(session, order_id);
    return absl::OkStatus();
  });
  if (!status.ok()) return status;
  return order;
}

absl::StatusOr<Order> MysqlOrderRepository::GetByRequestId(const std::string& customer_id,
                                                           const std::string& request_id) {
  absl::StatusOr<Order> order = absl::InternalError("not loaded");
  absl::Status status = runner_.Run([&](MysqlSession& session) -> absl::Status {
    order = LoadByRequestId(session, customer_id, request_id);
    return absl::OkStatus();
  });
  if (!status.ok()) return status;
  return order;
}

absl::StatusOr<std::vector<Order>> MysqlOrderRepository::List(
    const OrderFilter& filter) {
  // The clauses are fixed text chosen by which filters are set; every value
  // is a bound parameter. A saga state selects the rows by the columns its
  // orders have (CandidatesFor, by the database's clock); SagaStateOf
  // decides on what is read, with that clock too. They agree, so one page
  // is read; another only if the clock crossed an order's retry time
  // between the two.
  std::optional<SagaStateCandidates> candidates;
  if (filter.saga_state.has_value()) candidates = CandidatesFor(*filter.saga_state);
  std::string where = "WHERE id > ?";
  if (filter.status.has_value()) where += " AND status = ?";
  if (!filter.customer_id.empty()) where += " AND customer_id = ?";
  if (filter.updated_before.has_value()) {
    where += absl::StrCat(" AND updated_at < ", kFromMicros);
  }
  if (filter.min_age.has_value()) {
    where += " AND updated_at < TIMESTAMPADD(MICROSECOND, ?, CURRENT_TIMESTAMP(6))";
  }
  if (candidates.has_value()) {
    where += candidates->pending ? " AND status = 'PENDING'" : " AND status <> 'PENDING'";
    if (candidates->stuck.has_value()) where += " AND stuck = ?";
    if (candidates->retry_due.has_value()) {
      where += *candidates->retry_due
                   ? " AND (retry_after IS NULL OR retry_after <= CURRENT_TIMESTAMP(6))"
                   : " AND retry_after > CURRENT_TIMESTAMP(6)";
    }
  }
  const std::string sql = absl::StrCat(
      SelectOrders(), kNowColumn, "FROM (SELECT * FROM orders ", where,
      " ORDER BY id LIMIT ?) o JOIN order_items i ON i.order_pk = o.id "
      "ORDER BY o.id, i.product_id");
  const size_t limit = static_cast<size_t>(std::max(filter.limit, 0));
  std::vector<Order> orders;
  absl::Status status = runner_.Run([&](MysqlSession& session) -> absl::Status {
    orders.clear();
    int64_t after_sequence = filter.after_sequence;
    while (orders.size() < limit) {
      sql::PreparedStatement& select = session.Prepare(sql);
      int parameter = 1;
      select.setInt64(parameter++, after_sequence);
      if (filter.status.has_value()) {
        select.setString(parameter++, std::string(OrderStatusName(*filter.status)));
      }
      if (!filter.customer_id.empty()) select.setString(parameter++, filter.customer_id);
      if (filter.updated_before.has_value()) {
        select.setInt64(parameter++, absl::ToUnixMicros(*filter.updated_before));
      }
      if (filter.min_age.has_value()) {
        select.setInt64(parameter++, -absl::ToInt64Microseconds(*filter.min_age));
      }
      if (candidates.has_value() && candidates->stuck.has_value()) {
        select.setBoolean(parameter++, *candidates->stuck);
      }
      select.setInt(parameter++, filter.limit);
      std::unique_ptr<sql::ResultSet> rows(select.executeQuery());
      absl::Time now = absl::UnixEpoch();
      std::vector<Order> page = OrdersFromRows(*rows, &now);
      const int64_t last_sequence = page.empty() ? after_sequence : page.back().sequence;
      for (Order& order : page) {
        if (orders.size() == limit) break;
        if (filter.saga_state.has_value() && SagaStateOf(order, now) != *filter.saga_state) {
          continue;
        }
        orders.push_back(std::move(order));
      }
      // A short page is the end; without a saga state every row matched.
      if (page.size() < limit || !filter.saga_state.has_value()) break;
      after_sequence = last_sequence;
    }
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

absl::StatusOr<std::vector<OrderEvent>> MysqlOrderRepository::Events(
    const OrderEventFilter& filter) {
  // Fixed text chosen by which filters are set; every value is bound.
  std::string where = "WHERE event_id > ?";
  if (!filter.customer_id.empty()) where += " AND customer_id = ?";
  if (!filter.order_id.empty()) where += " AND order_pk = (SELECT id FROM orders WHERE order_id = ?)";
  const std::string sql = absl::StrCat(
      kSelectEvents, "FROM (SELECT * FROM order_events ", where,
      " ORDER BY event_id LIMIT ?) e JOIN orders o ON o.id = e.order_pk "
      "JOIN order_items i ON i.order_pk = o.id ORDER BY e.event_id, i.product_id");
  std::vector<OrderEvent> events;
  absl::Status status = runner_.Run([&](MysqlSession& session) -> absl::Status {
    sql::PreparedStatement& select = session.Prepare(sql);
    int parameter = 1;
    select.setInt64(parameter++, filter.after_event_id);
    if (!filter.customer_id.empty()) select.setString(parameter++, filter.customer_id);
    if (!filter.order_id.empty()) select.setString(parameter++, filter.order_id);
    select.setInt(parameter++, filter.limit);
    std::unique_ptr<sql::ResultSet> rows(select.executeQuery());
    events = EventsFromRows(*rows);
    return absl::OkStatus();
  });
  if (!status.ok()) return status;
  return events;
}

absl::StatusOr<int64_t> MysqlOrderRepository::LastEventId() {
  int64_t last = 0;
  absl::Status status = runner_.Run([&](MysqlSession& session) -> absl::Status {
    sql::PreparedStatement& select =
        session.Prepare("SELECT last_event_id FROM order_event_counter WHERE id = 1");
    std::unique_ptr<sql::ResultSet> rows(select.executeQuery());
    last = rows->next() ? rows->getInt64(1) : 0;
    return absl::OkStatus();
  });
  if (!status.ok()) return status;
  return last;
}

absl::StatusOr<int64_t> MysqlOrderRepository::OldestEventId() {
  int64_t oldest = 0;
  absl::Status status = runner_.Run([&](MysqlSession& session) -> absl::Status {
    sql::PreparedStatement& select = session.Prepare(
        "SELECT IFNULL((SELECT MIN(event_id) FROM order_events), "
        "(SELECT last_event_id + 1 FROM order_event_counter WHERE id = 1))");
    std::unique_ptr<sql::ResultSet> rows(select.executeQuery());
    oldest = rows->next() ? rows->getInt64(1) : 1;
    return absl::OkStatus();
  });
  if (!status.ok()) return status;
  return oldest;
}

absl::StatusOr<Order> MysqlOrderRepository::RecordSagaFailure(
    const std::string& order_id, const SagaFailure& failure) {
  return DecideOnOne(
      runner_, order_id,
      [&](MysqlSession& session, const Order& current, absl::Time now) -> absl::StatusOr<Order> {
        // Only the first report of an attempt counts: a rerun of this unit
        // after a lost COMMIT, or a retried report, finds it counted.
        SagaFailureDecision decision = DecideSagaFailure(current, failure, now);
        if (decision.counted) {
          StoreOrders(session, {&decision.order});
          InsertSagaSteps(session, decision.order.sequence, decision.new_steps);
          if (decision.parked) AppendEvents(session, {&order_id});
        }
        return std::move(decision.order);
      });
}

absl::StatusOr<Order> MysqlOrderRepository::ResumeSaga(const std::string& order_id,
                                                       const std::string& note,
                                                       const std::string& trace_id) {
  // Chosen once, outside the unit of work: a rerun after a lost COMMIT finds
  // the history row it wrote and changes nothing.
  const std::string action_id = RandomUuid();
  return DecideOnOne(
      runner_, order_id,
      [&](MysqlSession& session, const Order& current, absl::Time now) -> absl::StatusOr<Order> {
        sql::PreparedStatement& done = session.Prepare(
            "SELECT 1 FROM saga_steps WHERE order_pk = ? AND action_id = ?");
        done.setInt64(1, current.sequence);
        done.setString(2, action_id);
        if (std::unique_ptr<sql::ResultSet>(done.executeQuery())->next()) {
          return current;  // this very action, committed
        }
        absl::StatusOr<ResumeDecision> decision = DecideResume(current, note, trace_id, now);
        if (!decision.ok()) return decision.status();
        StoreOrders(session, {&decision->order});
        InsertSagaSteps(session, current.sequence, {decision->step}, action_id);
        if (decision->was_stuck) AppendEvents(session, {&order_id});
        return std::move(decision->order);
      });
}

absl::StatusOr<std::vector<SagaStep>> MysqlOrderRepository::SagaSteps(
    const std::string& order_id) {
  std::vector<SagaStep> steps;
  absl::Status status = runner_.Run([&](MysqlSession& session) -> absl::Status {
    sql::PreparedStatement& select = session.Prepare(
        "SELECT s.step, s.attempt, s.detail, s.trace_id, "
        "TIMESTAMPDIFF(MICROSECOND, '1970-01-01', s.occurred_at) "
        "FROM saga_steps s JOIN orders o ON o.id = s.order_pk "
        "WHERE o.order_id = ? ORDER BY s.id");
    select.setString(1, order_id);
    std::unique_ptr<sql::ResultSet> rows(select.executeQuery());
    steps.clear();
    while (rows->next()) {
      steps.push_back({Text(*rows, 1), rows->getInt(2), Text(*rows, 3), Text(*rows, 4),
                       absl::FromUnixMicros(rows->getInt64(5))});
    }
    return absl::OkStatus();
  });
  if (!status.ok()) return status;
  return steps;
}

absl::StatusOr<int64_t> MysqlOrderRepository::DeleteEventsBefore(absl::Time cutoff,
                                                                  int limit) {
  // Retention cuts at an event id, never by time alone: occurred_at is not
  // in event-id order across concurrent writers (a transaction stamps its
  // change, then waits for the counter), so deleting by time could remove
  // event N+1 and keep N, a hole behind a reader's cursor. Only the oldest
  // events in id order, up to the first that is not old enough, go.
  //
  // The cut is chosen first, outside the deleting unit of work, so that the
  // unit is idempotent: rerun after a lost COMMIT it finds nothing at or
  // below the cut.
  int64_t cut = 0;
  int64_t count = 0;
  absl::Status picked = runner_.Run([&](MysqlSession& session) -> absl::Status {
    sql::PreparedStatement& head = session.Prepare(
        "SELECT event_id, occurred_at < TIMESTAMPADD(MICROSECOND, ?, '1970-01-01') "
        "FROM order_events ORDER BY event_id LIMIT ?");
    head.setInt64(1, absl::ToUnixMicros(cutoff));
    head.setInt(2, limit);
    std::unique_ptr<sql::ResultSet> rows(head.executeQuery());
    cut = 0;
    count = 0;
    while (rows->next() && rows->getBoolean(2)) {
      cut = rows->getInt64(1);
      ++count;
    }
    return absl::OkStatus();
  });
  if (!picked.ok()) return picked;
  if (count == 0) return 0;
  absl::Status deleted = runner_.Run([&](MysqlSession& session) -> absl::Status {
    // Oldest first by the primary key, so the range locked is small and in
    // one place; the counter row is never touched.
    sql::PreparedStatement& remove =
        session.Prepare("DELETE FROM order_events WHERE event_id <= ? ORDER BY event_id");
    remove.setInt64(1, cut);
    remove.executeUpdate();
    return absl::OkStatus();
  });
  if (!deleted.ok()) return deleted;
  return count;
}

absl::StatusOr<int64_t> MysqlOrderRepository::DeleteFinishedSagaStepsBefore(
    absl::Time cutoff, int limit) {
  // The rows are chosen first, so that the deleting unit is idempotent.
  std::vector<int64_t> ids;
  absl::Status picked = runner_.Run([&](MysqlSession& session) -> absl::Status {
    sql::PreparedStatement& pick = session.Prepare(
        "SELECT s.id FROM saga_steps s JOIN orders o ON o.id = s.order_pk "
        "WHERE s.occurred_at < TIMESTAMPADD(MICROSECOND, ?, '1970-01-01') "
        "AND o.status <> 'PENDING' ORDER BY s.id LIMIT ?");
    pick.setInt64(1, absl::ToUnixMicros(cutoff));
    pick.setInt(2, limit);
    std::unique_ptr<sql::ResultSet> rows(pick.executeQuery());
    ids.clear();
    while (rows->next()) ids.push_back(rows->getInt64(1));
    return absl::OkStatus();
  });
  if (!picked.ok()) return picked;
  if (ids.empty()) return 0;
  absl::Status deleted = runner_.Run([&](MysqlSession& session) -> absl::Status {
    ForEachChunk(ids.size(), [&](size_t begin, size_t size) {
      sql::PreparedStatement& remove = session.Prepare(
          absl::StrCat("DELETE FROM saga_steps WHERE id IN (", Repeated("?", size), ")"));
      for (size_t i = 0; i < size; ++i) remove.setInt64(i + 1, ids[begin + i]);
      remove.executeUpdate();
    });
    return absl::OkStatus();
  });
  if (!deleted.ok()) return deleted;
  return static_cast<int64_t>(ids.size());
}

}  // namespace order_saga::orders
