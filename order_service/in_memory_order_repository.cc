#include "order_service/in_memory_order_repository.h"

#include <algorithm>

#include "absl/strings/str_cat.h"
#include "order_service/order_decisions.h"

namespace order_saga::orders {

absl::StatusOr<Order> InMemoryOrderRepository::Create(const NewOrder& order,
                                                      const std::string& order_id) {
  absl::MutexLock lock(&mu_);
  if (auto it = by_request_id_.find({order.customer_id, order.request_id});
      it != by_request_id_.end()) {
    return by_sequence_.at(it->second);
  }
  Order stored;
  stored.sequence = static_cast<int64_t>(by_sequence_.size()) + 1;
  stored.order_id = order_id;
  stored.request_id = order.request_id;
  stored.customer_id = order.customer_id;
  stored.items = SortedByProductId(order.items);
  stored.shipping_address = order.shipping_address;
  stored.trace_id = order.trace_id;
  stored.create_time = stored.update_time = clock_.Now();
  by_order_id_[order_id] = stored.sequence;
  by_request_id_[{order.customer_id, order.request_id}] = stored.sequence;
  events_.push_back({static_cast<int64_t>(events_.size()) + 1, stored});
  return by_sequence_[stored.sequence] = stored;
}

absl::StatusOr<Order> InMemoryOrderRepository::Transition(
    const std::string& order_id, const OrderTransition& transition) {
  absl::MutexLock lock(&mu_);
  auto it = by_order_id_.find(order_id);
  if (it == by_order_id_.end()) {
    return OrderNotFound(order_id);
  }
  Order& order = by_sequence_.at(it->second);
  OrderChange change = DecideTransition(order, transition, clock_.Now());
  if (change.changed) {
    order = std::move(change.order);
    events_.push_back({static_cast<int64_t>(events_.size()) + 1, order});
  }
  return order;
}

absl::StatusOr<Order> InMemoryOrderRepository::Get(const std::string& order_id) {
  absl::MutexLock lock(&mu_);
  auto it = by_order_id_.find(order_id);
  if (it == by_order_id_.end()) {
    return OrderNotFound(order_id);
  }
  return by_sequence_.at(it->second);
}

absl::StatusOr<Order> InMemoryOrderRepository::GetByRequestId(
    const std::string& customer_id, const std::string& request_id) {
  absl::MutexLock lock(&mu_);
  auto it = by_request_id_.find({customer_id, request_id});
  if (it == by_request_id_.end()) {
    return absl::NotFoundError(absl::StrCat("request_id: customer '", customer_id,
                                            "' has no order with request_id '", request_id,
                                            "'"));
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
    if (filter.min_age.has_value() && order.update_time >= clock_.Now() - *filter.min_age) {
      continue;
    }
    if (filter.saga_state.has_value() &&
        SagaStateOf(order, clock_.Now()) != *filter.saga_state) {
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
  for (size_t i = static_cast<size_t>(std::max<int64_t>(filter.after_event_id, deleted_through_));
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

absl::StatusOr<int64_t> InMemoryOrderRepository::OldestEventId() {
  absl::MutexLock lock(&mu_);
  return deleted_through_ + 1;  // events are deleted from the oldest
}

Order* InMemoryOrderRepository::Find(const std::string& order_id) {
  auto it = by_order_id_.find(order_id);
  return it == by_order_id_.end() ? nullptr : &by_sequence_.at(it->second);
}

absl::StatusOr<Order> InMemoryOrderRepository::RecordSagaFailure(
    const std::string& order_id, const SagaFailure& failure) {
  absl::MutexLock lock(&mu_);
  Order* order = Find(order_id);
  if (order == nullptr) {
    return OrderNotFound(order_id);
  }
  SagaFailureDecision decision = DecideSagaFailure(*order, failure, clock_.Now());
  if (!decision.counted) return *order;
  *order = std::move(decision.order);
  std::vector<SagaStep>& steps = steps_[order_id];
  steps.insert(steps.end(), decision.new_steps.begin(), decision.new_steps.end());
  if (decision.parked) events_.push_back({static_cast<int64_t>(events_.size()) + 1, *order});
  return *order;
}

absl::StatusOr<Order> InMemoryOrderRepository::ResumeSaga(const std::string& order_id,
                                                          const std::string& note,
                                                          const std::string& trace_id) {
  absl::MutexLock lock(&mu_);
  Order* order = Find(order_id);
  if (order == nullptr) {
    return OrderNotFound(order_id);
  }
  absl::StatusOr<ResumeDecision> decision = DecideResume(*order, note, trace_id, clock_.Now());
  if (!decision.ok()) return decision.status();
  *order = std::move(decision->order);
  steps_[order_id].push_back(std::move(decision->step));
  if (decision->was_stuck) events_.push_back({static_cast<int64_t>(events_.size()) + 1, *order});
  return *order;
}

absl::StatusOr<std::vector<SagaStep>> InMemoryOrderRepository::SagaSteps(
    const std::string& order_id) {
  absl::MutexLock lock(&mu_);
  auto it = steps_.find(order_id);
  if (it == steps_.end()) return std::vector<SagaStep>();
  return it->second;
}

absl::StatusOr<int64_t> InMemoryOrderRepository::DeleteEventsBefore(absl::Time cutoff,
                                                                     int limit) {
  absl::MutexLock lock(&mu_);
  int64_t deleted = 0;
  while (deleted < limit && deleted_through_ < static_cast<int64_t>(events_.size()) &&
         events_[deleted_through_].order.update_time < cutoff) {
    ++deleted_through_;
    ++deleted;
  }
  return deleted;
}

absl::StatusOr<int64_t> InMemoryOrderRepository::DeleteFinishedSagaStepsBefore(
    absl::Time cutoff, int limit) {
  absl::MutexLock lock(&mu_);
  int64_t deleted = 0;
  for (auto& [order_id, steps] : steps_) {
    const Order* order = Find(order_id);
    if (order == nullptr || order->status == OrderStatus::kPending) continue;
    while (!steps.empty() && steps.front().time < cutoff && deleted < limit) {
      steps.erase(steps.begin());
      ++deleted;
    }
  }
  return deleted;
}

}  // namespace order_saga::orders
