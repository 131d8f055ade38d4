#include "order_service/order_lifecycle.h"

#include "absl/random/random.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "common/batch_entries.h"
#include "common/page_token.h"
#include "common/random_id.h"
#include "common/request_validation.h"
#include "common/status_macros.h"
#include "order_service/order_decisions.h"

namespace order_saga::orders {
namespace {

absl::Status ValidateReason(RejectReason reason) {
  if (reason == RejectReason::kNone) {
    return absl::InvalidArgumentError(
        "reject_reason: required (not REJECT_REASON_UNSPECIFIED)");
  }
  return absl::OkStatus();
}

// The answer to a request whose key the customer used before: the recorded
// order if the content is the same, else INVALID_ARGUMENT naming
// request_id (nothing was written: the key's unique index refused the
// insert).
absl::StatusOr<Order> ExistingOrNew(absl::StatusOr<Order> stored, const NewOrder& request,
                                    const std::string& new_order_id) {
  if (!stored.ok() || stored->order_id == new_order_id || SameContent(*stored, request)) {
    return stored;
  }
  return absl::InvalidArgumentError(absl::StrCat(
      "request_id: '", request.request_id, "' was already used by customer '",
      request.customer_id, "' for order ", stored->order_id,
      " with other items or another shipping address; a new order needs a new request_id"));
}

}  // namespace

std::string RandomOrderId() { return RandomUuid(); }

absl::StatusOr<Order> OrderLifecycle::CreateOrder(NewOrder order) {
  RETURN_IF_ERROR(ValidateNewOrder(order.request_id, order.customer_id,
                                   order.items, order.shipping_address));
  const std::string order_id = new_order_id_();
  return ExistingOrNew(storage_.writes.Create(order, order_id), order, order_id);
}

std::vector<absl::StatusOr<Order>> OrderLifecycle::CreateOrders(
    std::vector<NewOrder> orders) {
  std::vector<OrderToCreate> entries;
  entries.reserve(orders.size());
  for (NewOrder& order : orders) entries.push_back({std::move(order), new_order_id_()});
  return RunValidEntries<Order>(
      entries,
      [](const OrderToCreate& entry) {
        return ValidateNewOrder(entry.order.request_id, entry.order.customer_id,
                                entry.order.items, entry.order.shipping_address);
      },
      [this](const std::vector<const OrderToCreate*>& valid) {
        std::vector<absl::StatusOr<Order>> created = storage_.writes.CreateBatch(valid);
        for (size_t i = 0; i < created.size() && i < valid.size(); ++i) {
          created[i] = ExistingOrNew(std::move(created[i]), valid[i]->order, valid[i]->order_id);
        }
        return created;
      });
}

std::vector<absl::StatusOr<Order>> OrderLifecycle::ApproveOrders(
    const std::vector<std::string>& order_ids, const std::string& detail) {
  std::vector<OrderApproval> entries;
  entries.reserve(order_ids.size());
  for (const std::string& order_id : order_ids) entries.push_back({order_id, detail});
  return RunValidEntries<Order>(
      entries,
      [](const OrderApproval& entry) {
        return ValidateOrderId(entry.order_id);
      },
      [this](const std::vector<const OrderApproval*>& valid) {
        return storage_.writes.ApproveBatch(valid);
      });
}

absl::StatusOr<Order> OrderLifecycle::Decide(const std::string& order_id,
                                             OrderTransition transition) {
  RETURN_IF_ERROR(ValidateOrderId(order_id));
  RETURN_IF_ERROR(ValidateText(transition.detail, "detail", kMaxDetailBytes, false));
  return storage_.writes.Transition(order_id, transition);
}

absl::StatusOr<Order> OrderLifecycle::ApproveOrder(const std::string& order_id,
                                                   const std::string& detail) {
  return Decide(order_id, {OrderTransition::Kind::kApprove, RejectReason::kNone, detail});
}

absl::StatusOr<Order> OrderLifecycle::RejectOrder(const std::string& order_id,
                                                  RejectReason reason,
                                                  const std::string& detail) {
  RETURN_IF_ERROR(ValidateReason(reason));
  return Decide(order_id, {OrderTransition::Kind::kReject, reason, detail});
}

absl::StatusOr<Order> OrderLifecycle::MarkCompensating(const std::string& order_id,
                                                       RejectReason reason,
                                                       const std::string& detail) {
  RETURN_IF_ERROR(ValidateReason(reason));
  return Decide(order_id, {OrderTransition::Kind::kMarkCompensating, reason, detail});
}

absl::StatusOr<Order> OrderLifecycle::GetOrder(const std::string& order_id,
                                               const std::string& request_id,
                                               const std::string& customer_id) {
  if (order_id.empty() == request_id.empty()) {
    return absl::InvalidArgumentError(
        "order_id: set exactly one of order_id and request_id");
  }
  if (!order_id.empty()) {
    RETURN_IF_ERROR(ValidateOrderId(order_id));
    return storage_.reads.Get(order_id);
  }
  RETURN_IF_ERROR(ValidateText(request_id, "request_id", kMaxIdBytes, true));
  RETURN_IF_ERROR(ValidateText(customer_id, "customer_id", kMaxIdBytes, false));
  return storage_.reads.GetByRequestId(customer_id, request_id);
}

absl::StatusOr<OrderPage> OrderLifecycle::ListOrders(
    std::optional<OrderStatus> status, const std::string& customer_id,
    int32_t page_size, const std::string& page_token,
    std::optional<absl::Time> updated_before, std::optional<SagaState> saga_state,
    std::optional<absl::Duration> min_age) {
  RETURN_IF_ERROR(ValidateText(customer_id, "customer_id", kMaxIdBytes, false));
  if (min_age.has_value() && (*min_age < absl::ZeroDuration() || *min_age > absl::Hours(24 * 30))) {
    return absl::InvalidArgumentError("min_age: must be between 0 and 30 days");
  }
  OrderFilter filter;
  ASSIGN_OR_RETURN(filter.limit, ResolvePageSize(page_size));
  ASSIGN_OR_RETURN(filter.after_sequence, DecodePageToken(page_token));
  filter.status = status;
  filter.customer_id = customer_id;
  filter.updated_before = updated_before;
  filter.min_age = min_age;
  filter.saga_state = saga_state;
  OrderPage page;
  ASSIGN_OR_RETURN(page.orders, storage_.reads.List(filter));
  if (static_cast<int>(page.orders.size()) == filter.limit) {
    page.next_page_token = EncodePageToken(page.orders.back().sequence);
  }
  return page;
}

absl::StatusOr<OrderCounts> OrderLifecycle::CountOrders(const std::string& customer_id) {
  RETURN_IF_ERROR(ValidateText(customer_id, "customer_id", kMaxIdBytes, false));
  return storage_.reads.Count(customer_id);
}

absl::StatusOr<OrderEventSubscription> OrderLifecycle::WatchOrder(
    const std::string& order_id) {
  RETURN_IF_ERROR(ValidateOrderId(order_id));
  OrderEventSubscription subscription;
  subscription.order_id = order_id;
  return subscription;
}

absl::StatusOr<OrderEventSubscription> OrderLifecycle::WatchOrders(
    const std::string& customer_id, std::optional<int64_t> after_event_id, int64_t head) {
  RETURN_IF_ERROR(ValidateText(customer_id, "customer_id", kMaxIdBytes, false));
  if (after_event_id.has_value() && *after_event_id < 0) {
    return absl::InvalidArgumentError("after_event_id: must not be negative");
  }
  OrderEventSubscription subscription;
  subscription.customer_id = customer_id;
  subscription.after_event_id = after_event_id.value_or(head);
  return subscription;
}

absl::StatusOr<Order> OrderLifecycle::RecordSagaFailure(const std::string& order_id,
                                                        const SagaFailure& failure) {
  RETURN_IF_ERROR(ValidateOrderId(order_id));
  RETURN_IF_ERROR(ValidateText(failure.step, "step", kMaxSagaStepBytes, true));
  RETURN_IF_ERROR(ValidateText(failure.error, "error", kMaxDetailBytes, false));
  if (failure.max_attempts < 1 || failure.max_attempts > 1000) {
    return absl::InvalidArgumentError("max_attempts: must be between 1 and 1000");
  }
  if (failure.retry_delay < absl::ZeroDuration() || failure.retry_delay > absl::Hours(24)) {
    return absl::InvalidArgumentError("retry_delay: must be between 0 and 24 hours");
  }
  if (failure.max_retry_delay < failure.retry_delay ||
      failure.max_retry_delay > absl::Hours(24)) {
    return absl::InvalidArgumentError(
        "max_retry_delay: must be between retry_delay and 24 hours");
  }
  if (failure.attempt < 1) {
    return absl::InvalidArgumentError(
        "attempt: required: the order's saga_attempts when the drive started, plus one");
  }
  return storage_.saga_records.RecordSagaFailure(order_id, failure);
}

absl::StatusOr<Order> OrderLifecycle::ResumeSaga(const std::string& order_id,
                                                 const std::string& note,
                                                 const std::string& trace_id) {
  RETURN_IF_ERROR(ValidateOrderId(order_id));
  RETURN_IF_ERROR(ValidateText(note, "note", kMaxDetailBytes, false));
  return storage_.saga_records.ResumeSaga(order_id, note, trace_id);
}

absl::StatusOr<OrderHistory> OrderLifecycle::History(const std::string& order_id) {
  RETURN_IF_ERROR(ValidateOrderId(order_id));
  OrderHistory history;
  ASSIGN_OR_RETURN(history.order, storage_.reads.Get(order_id));
  ASSIGN_OR_RETURN(history.steps, storage_.saga_records.SagaSteps(order_id));
  OrderEventFilter filter;
  filter.order_id = order_id;
  ASSIGN_OR_RETURN(history.events, storage_.outbox.Events(filter));
  return history;
}

}  // namespace order_saga::orders
