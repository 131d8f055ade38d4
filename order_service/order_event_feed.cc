#include "order_service/order_event_feed.h"

#include <optional>

#include <algorithm>
#include <utility>

#include <glog/logging.h>

#include "absl/strings/str_cat.h"
#include "order_service/order_decisions.h"

namespace order_saga::orders {

OrderEventFeed::OrderEventFeed(OrderOutbox& outbox, OrderReads& orders, Options options)
    : outbox_(outbox), orders_(orders), options_(options) {}

OrderEventFeed::~OrderEventFeed() {
  Stop(absl::UnavailableError("event feed stopped"));
}

absl::Status OrderEventFeed::Start() {
  absl::StatusOr<int64_t> last = outbox_.LastEventId();
  if (!last.ok()) return last.status();
  {
    absl::MutexLock lock(&mu_);
    head_ = *last;
  }
  thread_ = std::thread([this] { Loop(); });
  return absl::OkStatus();
}

void OrderEventFeed::Stop(const absl::Status& reason) {
  {
    absl::MutexLock lock(&mu_);
    stopping_ = true;
  }
  if (thread_.joinable()) thread_.join();
  absl::MutexLock lock(&mu_);
  for (auto& [subscriber, state] : subscribers_) subscriber->OnEnd(reason);
  subscribers_.clear();
}

int64_t OrderEventFeed::head() const {
  absl::MutexLock lock(&mu_);
  return head_;
}

int OrderEventFeed::subscribers() const {
  absl::MutexLock lock(&mu_);
  return static_cast<int>(subscribers_.size());
}

void OrderEventFeed::Subscribe(OrderEventSubscriber* subscriber,
                               OrderEventSubscription subscription) {
  absl::MutexLock lock(&mu_);
  if (stopping_) {
    subscriber->OnEnd(absl::UnavailableError("server shutting down"));
    return;
  }
  Subscriber& state = subscribers_[subscriber];
  state.position = subscription.after_event_id;
  state.filter = std::move(subscription);
  // A single order's watch always starts from the database: its first read
  // tells whether the order exists.
  if (state.filter.order_id.empty() && WindowCovers(state.position)) {
    // Established at once: nothing asked for is older than the window.
    state.catching_up = false;
    state.read_once = true;
    subscriber->OnCaughtUp();
    DeliverFromWindow(subscriber, state);
  }
}

void OrderEventFeed::Unsubscribe(OrderEventSubscriber* subscriber) {
  absl::MutexLock lock(&mu_);
  subscribers_.erase(subscriber);
}

void OrderEventFeed::Nudge() {
  absl::MutexLock lock(&mu_);
  nudged_ = true;
}

bool OrderEventFeed::Matches(const OrderEventSubscription& filter,
                             const OrderEvent& event) const {
  return (filter.customer_id.empty() || filter.customer_id == event.order.customer_id) &&
         (filter.order_id.empty() || filter.order_id == event.order.order_id);
}

bool OrderEventFeed::WindowCovers(int64_t position) const {
  return position >= (window_.empty() ? head_ : window_.front().event_id - 1);
}

void OrderEventFeed::DeliverFromWindow(OrderEventSubscriber* key, Subscriber& state) {
  std::vector<OrderEvent> events;
  auto first = std::upper_bound(
      window_.begin(), window_.end(), state.position,
      [](int64_t position, const OrderEvent& event) { return position < event.event_id; });
  for (auto it = first; it != window_.end(); ++it) {
    if (Matches(state.filter, *it)) events.push_back(*it);
  }
  state.position = std::max(state.position, head_);
  if (!events.empty()) key->OnEvents(std::move(events));
}

void OrderEventFeed::Loop() {
  bool failed = false;
  while (true) {
    {
      absl::MutexLock lock(&mu_);
      auto ready = [this]() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) {
        if (stopping_) return true;
        // Nudges matter only to watchers (see Poll).
        if (nudged_ && !subscribers_.empty()) return true;
        for (const auto& [subscriber, state] : subscribers_) {
          if (state.catching_up) return true;
        }
        return false;
      };
      // After a database error, wait a full interval before the next try.
      if (failed) {
        mu_.AwaitWithTimeout(absl::Condition(&stopping_), options_.poll_interval);
      } else {
        mu_.AwaitWithTimeout(absl::Condition(&ready), options_.poll_interval);
      }
      if (stopping_) return;
      nudged_ = false;
    }
    failed = !CatchUp();
    Poll();
  }
}

bool OrderEventFeed::CatchUp() {
  struct Read {
    OrderEventSubscriber* key;
    OrderEventFilter filter;
    int64_t head;
    bool first_read_done;
    std::function<absl::Status(const Order&)> refuse_foreign;
  };
  std::vector<Read> reads;
  {
    absl::MutexLock lock(&mu_);
    for (const auto& [key, state] : subscribers_) {
      if (!state.catching_up) continue;
      reads.push_back({key,
                       {state.position, state.filter.customer_id, state.filter.order_id,
                        options_.read_limit},
                       head_, state.read_once, state.filter.refuse_foreign});
    }
  }
  bool ok = true;
  for (const Read& read : reads) {
    absl::StatusOr<std::vector<OrderEvent>> events = outbox_.Events(read.filter);
    // A watch of many orders that reads from the database must not read
    // past a hole: if retention deleted any event it asked for (at its first
    // read, or while it works through a long backlog), it gets OUT_OF_RANGE
    // (with a customer filter, the events read cannot tell).
    // Read after the events: the oldest id only grows, so if it is still at
    // most after_event_id + 1, nothing asked for was gone when they were read.
    std::optional<absl::StatusOr<int64_t>> oldest;
    if (events.ok() && read.filter.order_id.empty()) {
      oldest = outbox_.OldestEventId();
    }
    // One order without events: unknown, or its events were deleted by
    // retention (then its current state stands in for them, as event 0).
    // With a customer filter, no events may also mean another customer's
    // order: refused as its subscription says.
    std::optional<absl::StatusOr<Order>> current;
    std::optional<absl::Status> refused;
    if (events.ok() && events->empty() && !read.filter.order_id.empty()) {
      current = orders_.Get(read.filter.order_id);
      if (current->ok() && !read.filter.customer_id.empty() &&
          (*current)->customer_id != read.filter.customer_id) {
        refused = read.refuse_foreign ? read.refuse_foreign(**current)
                                      : OrderNotFound(read.filter.order_id);
      }
    }
    absl::MutexLock lock(&mu_);
    auto it = subscribers_.find(read.key);
    if (it == subscribers_.end()) continue;  // gone meanwhile
    Subscriber& state = it->second;
    if (!events.ok()) {
      LOG_EVERY_N(WARNING, 100) << "event catch-up failed, will retry: " << events.status();
      ok = false;
      continue;
    }
    if (!state.filter.order_id.empty() && !state.read_once && events->empty()) {
      if (refused.has_value()) {
        read.key->OnEnd(*std::move(refused));
        subscribers_.erase(it);
        continue;
      }
      if (current.has_value() && current->ok()) {
        events->push_back({0, **current});
      } else if (current.has_value() && !absl::IsNotFound(current->status())) {
        ok = false;
        continue;
      } else {
        read.key->OnEnd(OrderNotFound(state.filter.order_id));
        subscribers_.erase(it);
        continue;
      }
    }
    if (oldest.has_value() && !oldest->ok()) {
      ok = false;
      continue;
    }
    // Ids have no gaps, so a jump in an unfiltered read, or a first kept id
    // beyond the one asked for, means retention deleted events the watcher
    // asked for.
    int64_t first_kept = read.filter.after_event_id + 1;
    if (oldest.has_value()) first_kept = std::max(first_kept, **oldest);
    if (state.filter.order_id.empty() && state.filter.customer_id.empty() &&
        !events->empty()) {
      first_kept = std::max(first_kept, events->front().event_id);
    }
    if (first_kept > read.filter.after_event_id + 1) {
      read.key->OnEnd(absl::OutOfRangeError(absl::StrCat(
          "after_event_id: events ", read.filter.after_event_id + 1, " to ", first_kept - 1,
          " were deleted by retention (--retention_hours); read the current state with "
          "ListOrders and watch again from event ", first_kept - 1)));
      subscribers_.erase(it);
      continue;
    }
    if (!state.read_once) read.key->OnCaughtUp();
    state.read_once = true;
    const bool complete = static_cast<int>(events->size()) < read.filter.limit;
    if (!events->empty()) state.position = std::max(state.position, events->back().event_id);
    // A short read returned every matching event up to the head the feed
    // had read before it: those were committed before the read began.
    if (complete) state.position = std::max(state.position, read.head);
    if (!events->empty()) read.key->OnEvents(*std::move(events));
    if (WindowCovers(state.position)) {
      state.catching_up = false;
      DeliverFromWindow(read.key, state);
    }
  }
  return ok;
}

void OrderEventFeed::Poll() {
  bool idle;
  {
    absl::MutexLock lock(&mu_);
    idle = subscribers_.empty();
  }
  if (idle) {
    // No one watches: only keep the head current (a single-row read), so
    // that the outbox costs the writers nothing but its rows.
    absl::StatusOr<int64_t> last = outbox_.LastEventId();
    absl::MutexLock lock(&mu_);
    if (!last.ok()) return;
    if (subscribers_.empty()) {
      head_ = *last;
      window_.clear();
      return;
    }
    // Someone subscribed meanwhile: read the events as usual.
  }
  while (true) {
    OrderEventFilter filter;
    filter.limit = options_.read_limit;
    {
      absl::MutexLock lock(&mu_);
      filter.after_event_id = head_;
    }
    absl::StatusOr<std::vector<OrderEvent>> events = outbox_.Events(filter);
    if (!events.ok()) {
      LOG_EVERY_N(WARNING, 100) << "reading the outbox failed, will retry: " << events.status();
      return;
    }
    if (events->empty()) return;
    absl::MutexLock lock(&mu_);
    head_ = events->back().event_id;
    for (auto& [key, state] : subscribers_) {
      if (state.catching_up) continue;
      std::vector<OrderEvent> matching;
      for (const OrderEvent& event : *events) {
        if (event.event_id > state.position && Matches(state.filter, event)) {
          matching.push_back(event);
        }
      }
      state.position = std::max(state.position, head_);
      if (!matching.empty()) key->OnEvents(std::move(matching));
    }
    const bool complete = static_cast<int>(events->size()) < options_.read_limit;
    for (OrderEvent& event : *events) window_.push_back(std::move(event));
    while (window_.size() > options_.window_events) window_.pop_front();
    if (complete) return;
  }
}

}  // namespace order_saga::orders
