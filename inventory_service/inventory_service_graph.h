// The inventory service below its gRPC server, wired in one place: the
// stock ledger over the repository (possibly coalesced) and the gRPC
// adapter. main.cc and the fault-injection tests build this same graph.
#pragma once

#include "common/auth/authenticator.h"
#include "common/auth/saga_step_callers.h"
#include "common/clock.h"
#include "inventory_service/inventory_grpc_service.h"
#include "inventory_service/inventory_repository.h"
#include "inventory_service/stock_ledger.h"

namespace order_saga::inventory {

class InventoryServiceGraph {
 public:
  struct Options {
    ReserveDeadlines deadlines;
    // Tokens on (see InventoryGrpcService); both must outlive the graph.
    const Authenticator* authenticator = nullptr;
    const SagaStepCallers* saga_step_callers = nullptr;
  };

  // `repository` (the MySQL one, or a coalescing decorator of it) and
  // `clock` must outlive the graph.
  InventoryServiceGraph(InventoryRepository& repository, Clock& clock, Options options)
      : ledger_(repository, clock, options.deadlines),
        service_(ledger_, options.authenticator, options.saga_step_callers) {}
  InventoryServiceGraph(const InventoryServiceGraph&) = delete;
  InventoryServiceGraph& operator=(const InventoryServiceGraph&) = delete;

  InventoryGrpcService& service() { return service_; }
  StockLedger& ledger() { return ledger_; }

 private:
  StockLedger ledger_;
  InventoryGrpcService service_;
};

}  // namespace order_saga::inventory
