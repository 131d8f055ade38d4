#include "inventory_service/stock_ledger.h"

#include "absl/strings/str_cat.h"
#include "common/batch_entries.h"
#include "common/page_token.h"
#include "common/request_validation.h"
#include "common/status_macros.h"

namespace order_saga::inventory {
namespace {

size_t Utf8Characters(const std::string& text) {
  size_t count = 0;
  for (unsigned char c : text) count += (c & 0xC0) != 0x80;
  return count;
}

}  // namespace

absl::Status StockLedger::CheckNotAfter(const std::string& order_id,
                                        std::optional<absl::Time> not_after) {
  if (!not_after.has_value()) return absl::OkStatus();
  const absl::Time now = clock_.Now();
  if (*not_after > now + deadlines_.limit + deadlines_.clock_skew) {
    return absl::InvalidArgumentError(absl::StrCat(
        "not_after: at most ", absl::FormatDuration(deadlines_.limit),
        " ahead (--reserve_deadline_limit); got ", absl::FormatDuration(*not_after - now)));
  }
  if (now <= *not_after + deadlines_.clock_skew) return absl::OkStatus();
  // Late: only an order with a record may go on (it gets that record back
  // and nothing changes). Without one, taking stock now could hold it for
  // an order that was compensated and whose records retention deleted.
  absl::StatusOr<Reservation> recorded = repository_.GetReservation(order_id);
  if (recorded.ok()) return absl::OkStatus();
  if (!absl::IsNotFound(recorded.status())) return recorded.status();
  return absl::FailedPreconditionError(absl::StrCat(
      "not_after: the request arrived ", absl::FormatDuration(now - *not_after),
      " after its deadline and nothing is recorded for order '", order_id,
      "'; nothing was reserved"));
}

absl::StatusOr<ReservationResult> StockLedger::ReserveStock(
    const std::string& order_id, std::vector<LineItem> items,
    std::optional<absl::Time> not_after) {
  RETURN_IF_ERROR(ValidateOrderId(order_id));
  RETURN_IF_ERROR(ValidateLineItems(items));
  RETURN_IF_ERROR(CheckNotAfter(order_id, not_after));
  return repository_.Reserve(order_id, SortedByProductId(std::move(items)));
}

std::vector<absl::StatusOr<ReservationResult>> StockLedger::ReserveStockBatch(
    std::vector<ReserveRequest> requests) {
  return RunValidEntries<ReservationResult>(
      requests,
      [this](ReserveRequest& request) -> absl::Status {
        RETURN_IF_ERROR(ValidateOrderId(request.order_id));
        RETURN_IF_ERROR(ValidateLineItems(request.items));
        RETURN_IF_ERROR(CheckNotAfter(request.order_id, request.not_after));
        request.items = SortedByProductId(std::move(request.items));
        return absl::OkStatus();
      },
      [this](const std::vector<const ReserveRequest*>& valid) {
        return repository_.ReserveBatch(valid);
      });
}

absl::StatusOr<ReleaseResult> StockLedger::ReleaseReservation(
    const std::string& order_id) {
  RETURN_IF_ERROR(ValidateOrderId(order_id));
  return repository_.Release(order_id);
}

absl::StatusOr<Product> StockLedger::GetProduct(int64_t product_id) {
  if (product_id <= 0) {
    return absl::InvalidArgumentError(
        absl::StrCat("product_id: must be > 0, got ", product_id));
  }
  return repository_.GetProduct(product_id);
}

absl::StatusOr<ProductPage> StockLedger::ListProducts(
    int32_t page_size, const std::string& page_token) {
  ASSIGN_OR_RETURN(const int limit, ResolvePageSize(page_size));
  ASSIGN_OR_RETURN(const int64_t after, DecodePageToken(page_token));
  ProductPage page;
  ASSIGN_OR_RETURN(page.products, repository_.ListProducts(after, limit));
  if (static_cast<int>(page.products.size()) == limit) {
    page.next_page_token = EncodePageToken(page.products.back().product_id);
  }
  return page;
}

absl::StatusOr<Product> StockLedger::UpsertProduct(const Product& product) {
  if (product.product_id <= 0) {
    return absl::InvalidArgumentError(
        absl::StrCat("product_id: must be > 0, got ", product.product_id));
  }
  if (product.name.empty() || Utf8Characters(product.name) > kMaxProductNameChars) {
    return absl::InvalidArgumentError(absl::StrCat(
        "name: must be 1 to ", kMaxProductNameChars, " characters, got ",
        Utf8Characters(product.name)));
  }
  if (product.price < 0) {
    return absl::InvalidArgumentError(
        absl::StrCat("price: must be >= 0, got ", product.price));
  }
  if (product.stock < 0 || product.stock > kMaxStock) {
    return absl::InvalidArgumentError(absl::StrCat(
        "stock: must be between 0 and ", kMaxStock, ", got ", product.stock));
  }
  if (product.version < 0) {
    return absl::InvalidArgumentError(absl::StrCat(
        "version: must be 0 (unconditional) or the version read, got ", product.version));
  }
  return repository_.UpsertProduct(product);
}

absl::StatusOr<ReservationPage> StockLedger::ListReservations(
    int32_t page_size, const std::string& page_token,
    std::optional<ReservationOutcome> outcome) {
  ASSIGN_OR_RETURN(const int limit, ResolvePageSize(page_size));
  ASSIGN_OR_RETURN(const std::string after, DecodeKeyPageToken(page_token));
  ReservationPage page;
  ASSIGN_OR_RETURN(page.reservations,
                   repository_.ListReservations(after, limit, outcome));
  if (static_cast<int>(page.reservations.size()) == limit) {
    page.next_page_token = EncodeKeyPageToken(page.reservations.back().order_id);
  }
  return page;
}

absl::StatusOr<Reservation> StockLedger::GetReservation(const std::string& order_id) {
  RETURN_IF_ERROR(ValidateOrderId(order_id));
  return repository_.GetReservation(order_id);
}

}  // namespace order_saga::inventory
