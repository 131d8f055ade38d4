// The order service below its gRPC server, wired in one place: the
// lifecycle over the repository's roles (the writes possibly coalesced),
// the event feed over the outbox, the watch streams and the gRPC adapter.
// main.cc, the in-process adapter tests and the fault-injection tests build
// this same graph, so none of them wires it differently.
#pragma once

#include "absl/status/status.h"
#include "common/auth/authenticator.h"
#include "common/auth/saga_step_callers.h"
#include "common/clock.h"
#include "order_service/order_event_feed.h"
#include "order_service/order_grpc_service.h"
#include "order_service/order_lifecycle.h"
#include "order_service/order_repository.h"
#include "order_service/order_watch_stream.h"

namespace prometheus {
class Registry;
}

namespace order_saga::orders {

class OrderServiceGraph {
 public:
  struct Options {
    OrderEventFeed::Options feed;
    OrderWatchStreams::Limits streams;
    // A read/watch replica (--read_only): the participant RPCs are refused.
    bool read_only = false;
    // Tokens on (see OrderGrpcService); both must outlive the graph.
    const Authenticator* authenticator = nullptr;
    const SagaStepCallers* saga_step_callers = nullptr;
    // Where the watch streams' metrics go; unset: none.
    prometheus::Registry* metrics = nullptr;
  };

  // `repository` serves every role but the writes when `writes` is set (a
  // decorator of the repository's writes: CoalescingOrderWrites). Both and
  // `clock` must outlive the graph.
  OrderServiceGraph(OrderRepository& repository, OrderWrites* writes, const Clock& clock,
                    Options options);
  // Stops the feed first: its thread calls into the streams and the
  // service (a watch's owner check), which go before it.
  ~OrderServiceGraph();
  OrderServiceGraph(const OrderServiceGraph&) = delete;
  OrderServiceGraph& operator=(const OrderServiceGraph&) = delete;

  // Reads the outbox's newest event id and starts the feed's thread.
  absl::Status Start() { return feed_.Start(); }
  // Ends every open watch stream with UNAVAILABLE (clients resume elsewhere
  // with their last event id) and stops the feed. Idempotent.
  void StopWatches();

  OrderGrpcService& service() { return service_; }
  OrderEventFeed& feed() { return feed_; }
  OrderLifecycle& lifecycle() { return lifecycle_; }

 private:
  OrderLifecycle lifecycle_;
  OrderEventFeed feed_;
  OrderWatchStreams streams_;
  OrderGrpcService service_;
};

}  // namespace order_saga::orders
