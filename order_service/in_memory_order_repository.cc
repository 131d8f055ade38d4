#include "order_service/in_memory_order_repository.h"

#include <algorithm>

#include "absl/strings/str_cat.h"

namespace order_saga::orders {

absl::StatusOr<Order> InMemoryOrderRepository::Create(const NewOrder& order,
                                                      const std::string& order_id) {
  absl::MutexLock lock(&mu_);
  if (auto it = by_request_id_.find(order.request_id); it != by_request_id_.end()) {
    return by_sequence_.at(it->second);
  }
  Order stored;
  stored.sequence = static_cast<int64_t>(by_sequence_.size()) + 1;
  stored.order_id = order_id;
  stored.request_id = order.request_id;
  stored.customer_id = order.customer_id;
  stored.items = SortedByProductId(order.items);
  stored.shipping_address = order.shipping_address;
  stored.create_time = stored.update_time = clock_.Now();
  by_order_id_[order_id] = stored.sequence;
  by_request_id_[order.request_id] = stored.sequence;
  events_.push_back({static_cast<int64_t>(events_.size()) + 1, stored});
  return by_sequence_[stored.sequence] = stored;
}

absl::StatusOr<Order> InMemoryOrderRepository::Transition(
    const std::string& order_id, const OrderTransition& transition) {
  absl::MutexLock lock(&mu_);
  auto it = by_order_id_.find(order_id);
  if (it == by_order_id_.end()) {
    return absl::NotFoundError(
        absl::StrCat("order_id: no order with order_id '", order_id, "'"));
  }
  Order& order = by_sequence_.at(it->second);
  if (TransitionApplies(order, transition.kind)) {
    ApplyTransition(transition, order);
    order.update_time = clock_.Now();
    events_.push_back({static_cast<int64_t>(events_.size()) + 1, order});
  }
  return order;
}

absl::StatusOr<Order> InMemoryOrderRepository::Get(const std::string& order_id) {
  absl::MutexLock lock(&mu_);
  auto it = by_order_id_.find(order_id);
  if (it == by_order_id_.end()) {
    return absl::NotFoundError(
        absl::StrCat("order_id: no order with order_id '", order_id, "'"));
  }
  return by_sequence_.at(it->second);
}

absl::StatusOr<Order> InMemoryOrderRepository::GetByRequestId(
    const std::string& request_id) {
  absl::MutexLock lock(&mu_);
  auto it = by_request_id_.find(request_id);
  if (it == by_request_id_.end()) {
    return absl::NotFoundError(
        absl::StrCat("request_id: no order with request_id '", request_id, "'"));
  }
  return by_sequence_.at(it->second);
}

absl::StatusOr<std::vector<Order>> InMemoryOrderRepository::List(
    const OrderFilter& filter) {
  absl::MutexLock lock(&mu_);
  std::vector<Order> orders;
  for (auto it = by_sequence_.upper_bound(filter.after_sequence);
       it != by_sequence_.end() && static_cast<int>(orders.size()) < filter.limit;
       ++it) {
    const Order& order = it->second;
    if (filter.status.has_value() && order.status != *filter.status) continue;
    if (!filter.customer_id.empty() && order.customer_id != filter.customer_id) continue;
    if (filter.updated_before.has_value() &&
        order.update_time >= *filter.updated_before) {
      continue;
    }
    orders.push_back(order);
  }
  return orders;
}

absl::StatusOr<OrderCounts> InMemoryOrderRepository::Count(
    const std::string& customer_id) {
  absl::MutexLock lock(&mu_);
  OrderCounts counts;
  for (const auto& [sequence, order] : by_sequence_) {
    if (!customer_id.empty() && order.customer_id != customer_id) continue;
    switch (order.status) {
      case OrderStatus::kPending: ++counts.pending; break;
      case OrderStatus::kApproved: ++counts.approved; break;
      case OrderStatus::kRejected: ++counts.rejected; break;
    }
  }
  return counts;
}

absl::StatusOr<std::vector<OrderEvent>> InMemoryOrderRepository::Events(
    const OrderEventFilter& filter) {
  absl::MutexLock lock(&mu_);
  std::vector<OrderEvent> events;
  for (size_t i = static_cast<size_t>(std::max<int64_t>(filter.after_event_id, 0));
       i < events_.size() && static_cast<int>(events.size()) < filter.limit; ++i) {
    const Order& order = events_[i].order;
    if (!filter.customer_id.empty() && order.customer_id != filter.customer_id) continue;
    if (!filter.order_id.empty() && order.order_id != filter.order_id) continue;
    events.push_back(events_[i]);
  }
  return events;
}

absl::StatusOr<int64_t> InMemoryOrderRepository::LastEventId() {
  absl::MutexLock lock(&mu_);
  return static_cast<int64_t>(events_.size());
}

}  // namespace order_saga::orders
