// Domain vocabulary of the inventory service. Free of protobuf and SQL.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "absl/strings/string_view.h"
#include "absl/time/time.h"
#include "common/order_types.h"

namespace order_saga::inventory {

enum class ProductStatus { kOnSale, kSoldOut };

struct Product {
  int64_t product_id = 0;
  std::string name;
  int64_t price = 0;
  int64_t stock = 0;
  ProductStatus status = ProductStatus::kSoldOut;
  // Units ever put on sale (stock increases minus decreases by upserts);
  // output only. supplied == stock + units held by RESERVED reservations.
  int64_t supplied = 0;
  // Bumped by every change of the row. On upsert: the version the caller
  // expects to replace (optimistic concurrency); 0: unconditional.
  int64_t version = 0;
};

// Status follows stock: 0 is SOLD_OUT, anything above is ON_SALE.
inline ProductStatus StatusForStock(int64_t stock) {
  return stock > 0 ? ProductStatus::kOnSale : ProductStatus::kSoldOut;
}
absl::string_view ProductStatusName(ProductStatus status);

enum class ReservationOutcome {
  kReserved,
  kOutOfStock,
  kUnknownProduct,
  // Released, or tombstoned by a Release that came first.
  kReleased,
};

struct ReservationResult {
  ReservationOutcome outcome = ReservationOutcome::kOutOfStock;
  // Products of the request with no stock left afterwards.
  std::vector<int64_t> sold_out_product_ids;
  std::string detail;
};

// What is recorded under one order id.
struct Reservation {
  std::string order_id;
  // kReleased also stands for a tombstone (which has no items).
  ReservationOutcome outcome = ReservationOutcome::kReleased;
  // Held (kReserved) or once held (kReleased), ascending product id.
  std::vector<LineItem> items;
  std::string detail;
  bool tombstone = false;  // a Release that came before any Reserve
  absl::Time create_time;
  absl::Time update_time;
};

// One order's Reserve: items sorted by ascending product id, each product
// once (StockLedger validates and sorts).
struct ReserveRequest {
  std::string order_id;
  std::vector<LineItem> items;
  // The latest instant the request may take stock (ReserveRequest.not_after
  // in the proto); unset: no limit.
  std::optional<absl::Time> not_after;
};

struct ReleaseResult {
  // True only for the call that actually gave stock back.
  bool stock_returned = false;
  std::string detail;
};

}  // namespace order_saga::inventory
