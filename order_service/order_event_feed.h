// Tails the outbox (OrderOutbox::Events) once for every watcher of this
// process: one database read per poll interval, or at once after a local
// write (Nudge), whatever the number of watchers.
//
// A subscriber names the last event id it has seen and gets every later
// event that matches its filter, in id order, with no gap and no duplicate:
// from the feed's in-memory window when the window still reaches back far
// enough, otherwise first from the database ("catch-up", read on the feed's
// thread in pages) and then from the window. Every replica of the order
// service runs its own feed over the same table, so any replica can serve
// any watcher and a reconnect may land anywhere.
//
// Subscribers are called on the feed's thread and must not block.
// Thread-safe.
#pragma once

#include <cstdint>
#include <deque>
#include <functional>
#include <map>
#include <string>
#include <thread>
#include <vector>

#include "absl/status/status.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "order_service/order_repository.h"

namespace order_saga::orders {

class OrderEventSubscriber {
 public:
  virtual ~OrderEventSubscriber() = default;
  // The next events for this subscriber, ascending, never empty.
  virtual void OnEvents(std::vector<OrderEvent> events) = 0;
  // No more events will come: the order is unknown (NOT_FOUND), or the feed
  // stops (UNAVAILABLE). The subscription is already gone.
  virtual void OnEnd(const absl::Status& status) = 0;
  // The first read of the outbox for this subscriber passed (nothing it
  // asked for was deleted by retention): the watch is established, whether
  // or not events came with it. Called once, before those events.
  virtual void OnCaughtUp() {}
};

struct OrderEventSubscription {
  // Events after this id (for a watch "from now": the feed's head()).
  int64_t after_event_id = 0;
  std::string customer_id;  // empty: any
  // Only this order's events; the catch-up's first read ends the
  // subscription with NOT_FOUND if the order has none (is unknown).
  std::string order_id;
  // With order_id and customer_id: what the subscription ends with if the
  // order exists but is another customer's (decided on the feed's thread,
  // at its first read, so the caller's thread reads nothing); unset:
  // NOT_FOUND, as for an unknown order.
  std::function<absl::Status(const Order& order)> refuse_foreign;
};

class OrderEventFeed {
 public:
  struct Options {
    // How often the outbox is read when no local write nudges the feed:
    // the most a change made through another replica waits to be seen.
    absl::Duration poll_interval = absl::Milliseconds(50);
    // Events kept in memory, so that subscribers a little behind (a
    // reconnect) are served without reading the database.
    size_t window_events = 10000;
    // Events per database read.
    int read_limit = 500;
  };

  // `outbox` and `orders` must outlive the feed.
  OrderEventFeed(OrderOutbox& outbox, OrderReads& orders, Options options);
  ~OrderEventFeed();

  // Reads the newest event id and starts the feed's thread.
  absl::Status Start();
  // Ends every subscription with `reason` and stops the thread. Idempotent.
  void Stop(const absl::Status& reason);

  // The newest event id the feed has read.
  int64_t head() const;

  // Starts delivering to `subscriber` (which must stay alive until
  // Unsubscribe returns or OnEnd was called).
  void Subscribe(OrderEventSubscriber* subscriber, OrderEventSubscription subscription);
  // After this returns, `subscriber` is not called again. Idempotent.
  void Unsubscribe(OrderEventSubscriber* subscriber);
  // Events were just written through this process: read them now.
  void Nudge();

  int subscribers() const;

 private:
  struct Subscriber {
    OrderEventSubscription filter;
    int64_t position = 0;   // last event id delivered (or skipped)
    bool catching_up = true;
    bool read_once = false;  // catch-up read the database at least once
  };

  void Loop();
  // One catch-up read for each subscriber that needs one; true if any did.
  bool CatchUp();
  void Poll();
  bool Matches(const OrderEventSubscription& filter, const OrderEvent& event) const;
  // Delivers the window's events after its position to `subscriber`.
  void DeliverFromWindow(OrderEventSubscriber* key, Subscriber& subscriber)
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  // Whether the window holds every event after `position`.
  bool WindowCovers(int64_t position) const ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);

  OrderOutbox& outbox_;
  OrderReads& orders_;
  const Options options_;
  mutable absl::Mutex mu_;
  int64_t head_ ABSL_GUARDED_BY(mu_) = 0;
  std::deque<OrderEvent> window_ ABSL_GUARDED_BY(mu_);  // ids up to head_, contiguous
  std::map<OrderEventSubscriber*, Subscriber> subscribers_ ABSL_GUARDED_BY(mu_);
  bool nudged_ ABSL_GUARDED_BY(mu_) = false;
  bool stopping_ ABSL_GUARDED_BY(mu_) = false;
  std::thread thread_;
};

}  // namespace order_saga::orders
