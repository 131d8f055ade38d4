#include "order_service/order_service_graph.h"

namespace order_saga::orders {

OrderServiceGraph::OrderServiceGraph(OrderRepository& repository, OrderWrites* writes,
                                     const Clock& clock, Options options)
    : lifecycle_(writes != nullptr ? OrderStorage(*writes, repository)
                                   : OrderStorage(repository)),
      feed_(repository, repository, options.feed),
      streams_(feed_, clock, options.streams, options.metrics),
      service_(lifecycle_, feed_, streams_, clock, options.read_only, options.authenticator,
               options.saga_step_callers) {}

OrderServiceGraph::~OrderServiceGraph() { StopWatches(); }

void OrderServiceGraph::StopWatches() {
  feed_.Stop(absl::UnavailableError("server shutting down; reconnect with after_event_id"));
}

}  // namespace order_saga::orders
