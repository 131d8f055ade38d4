// The server side of WatchOrder and WatchOrders on gRPC's callback API, so
// that an open stream costs no thread: each stream is a subscriber of the
// OrderEventFeed that writes the events it gets one write at a time.
#pragma once

#include <atomic>
#include <cstddef>
#include <deque>
#include <map>
#include <string>
#include <optional>

#include <grpcpp/grpcpp.h>
#include <prometheus/counter.h>
#include <prometheus/gauge.h>
#include <prometheus/registry.h>

#include "absl/synchronization/mutex.h"
#include "order/v1/order.grpc.pb.h"
#include "common/clock.h"
#include "order_service/order_event_feed.h"

namespace order_saga::orders {

class OrderWatchStreams {
 public:
  struct Limits {
    // Open streams per process; more are refused with RESOURCE_EXHAUSTED.
    int max_streams = 1000;
    // Open streams per authenticated customer (a token's subject); 0: no
    // per-customer limit.
    int max_streams_per_customer = 10;
    // Events waiting for a slow reader; beyond, its stream ends with
    // RESOURCE_EXHAUSTED (it reconnects with its last event id).
    size_t max_queued_events = 10000;
  };

  // `feed`, `clock` (the saga state each event shows) and `registry`, if
  // set, must outlive every stream. With a registry: gauge
  // ordersaga_watch_streams, counter ordersaga_watch_events_sent_total.
  OrderWatchStreams(OrderEventFeed& feed, const Clock& clock, Limits limits,
                    prometheus::Registry* registry = nullptr);

  // A stream that sends what `subscription` selects. With `until_final`
  // (WatchOrder) the first delivery is reduced to its newest event and the
  // stream ends with OK after an event whose order is final.
  // `owner`: the authenticated customer opening it (empty: none known).
  grpc::ServerWriteReactor<::order::v1::OrderEvent>* Open(
      OrderEventSubscription subscription, bool until_final, const std::string& owner = "");
  // A stream that ends at once with `status` (a bad request).
  static grpc::ServerWriteReactor<::order::v1::OrderEvent>* Refuse(grpc::Status status);

  int open_streams() const { return open_.load(); }

 private:
  class Stream;

  OrderEventFeed& feed_;
  const Clock& clock_;
  const Limits limits_;
  std::atomic<int> open_{0};
  absl::Mutex owners_mu_;
  std::map<std::string, int> open_by_owner_ ABSL_GUARDED_BY(owners_mu_);
  prometheus::Gauge* open_gauge_ = nullptr;
  prometheus::Counter* events_sent_ = nullptr;
};

}  // namespace order_saga::orders
