// Test doubles for the saga's participants: the real participant logic
// (OrderLifecycle, StockLedger) on in-memory repositories, plus scripted
// faults: "fail the next N calls" before or after the participant acts,
// which is how a lost request and a lost answer look to the saga.
#pragma once

#include <atomic>
#include <functional>

#include "inventory_service/in_memory_inventory_repository.h"
#include "inventory_service/stock_ledger.h"
#include "order_service/in_memory_order_repository.h"
#include "order_service/order_lifecycle.h"
#include "saga/participants.h"

namespace order_saga::coordinator::testing {

// Fails calls with UNAVAILABLE: `before` ones are never executed (request
// lost); `after` ones are executed and their answer dropped (answer lost).
struct Faults {
  std::atomic<int> before{0};
  std::atomic<int> after{0};
  std::atomic<int> calls{0};
};

class InMemoryOrderParticipant final : public OrderParticipant {
 public:
  explicit InMemoryOrderParticipant(Clock& clock) : repository_(clock), lifecycle_(repository_) {}

  absl::StatusOr<OrderSnapshot> CreateOrder(const PlaceOrderCommand& command,
                                            absl::Time deadline) override;
  absl::StatusOr<OrderSnapshot> ApproveOrder(const std::string& order_id,
                                             absl::Time deadline) override;
  absl::StatusOr<OrderSnapshot> RejectOrder(const std::string& order_id, RejectReason reason,
                                            const std::string& detail,
                                            absl::Time deadline) override;
  absl::StatusOr<OrderSnapshot> MarkCompensating(const std::string& order_id,
                                                 RejectReason reason,
                                                 const std::string& detail,
                                                 absl::Time deadline) override;
  absl::StatusOr<std::optional<OrderSnapshot>> FindByRequestId(const std::string& customer_id,
                                                               const std::string& request_id,
                                                               absl::Time deadline) override;
  absl::StatusOr<std::optional<OrderSnapshot>> FindOrder(const std::string& order_id,
                                                         absl::Time deadline) override;
  absl::StatusOr<StaleOrderPage> ListStalePending(absl::Duration min_age,
                                                  const std::string& page_token,
                                                  absl::Time deadline) override;

  absl::StatusOr<OrderSnapshot> RecordSagaFailure(const std::string& order_id,
                                                  const SagaFailureReport& report,
                                                  absl::Time deadline) override;
  absl::StatusOr<OrderSnapshot> ResumeSaga(const std::string& order_id,
                                           const std::string& note,
                                           absl::Time deadline) override;
  absl::StatusOr<int64_t> CountStuck(absl::Time deadline) override;

  orders::OrderLifecycle& lifecycle() { return lifecycle_; }
  Faults create_faults, approve_faults, reject_faults;
  std::atomic<int> failures_recorded{0};
  // Runs just before ApproveOrder executes (to interleave a competitor).
  std::function<void(const std::string& order_id)> before_approve;

 private:
  orders::InMemoryOrderRepository repository_;
  orders::OrderLifecycle lifecycle_;
};

class InMemoryInventoryParticipant final : public InventoryParticipant {
 public:
  InMemoryInventoryParticipant() : ledger_(repository_, RealClock()) {}

  absl::StatusOr<ReserveAnswer> Reserve(const std::string& order_id,
                                        const std::vector<LineItem>& items,
                                        absl::Time deadline) override;
  absl::Status Release(const std::string& order_id, absl::Time deadline) override;
  absl::StatusOr<std::vector<int64_t>> SoldOutAmong(const std::vector<LineItem>& items,
                                                    absl::Time deadline) override;

  inventory::StockLedger& ledger() { return ledger_; }
  int64_t Stock(int64_t product_id);
  Faults reserve_faults, release_faults;
  std::atomic<int> stock_returns{0};
  std::atomic<int> sold_out_checks{0};

 private:
  inventory::InMemoryInventoryRepository repository_;
  inventory::StockLedger ledger_;
};

}  // namespace order_saga::coordinator::testing
