#include "inventory_service/inventory_grpc_service.h"

#include <glog/logging.h>

#include "absl/strings/str_cat.h"
#include "common/grpc_status.h"
#include "common/proto_conversion.h"
#include "common/request_validation.h"
#include "common/trace_context.h"

namespace order_saga::inventory {
namespace {


// Names for log lines, as ReservationOutcome's proto names end.
const char* OutcomeName(ReservationOutcome outcome) {
  switch (outcome) {
    case ReservationOutcome::kReserved: return "RESERVED";
    case ReservationOutcome::kOutOfStock: return "OUT_OF_STOCK";
    case ReservationOutcome::kUnknownProduct: return "UNKNOWN_PRODUCT";
    case ReservationOutcome::kReleased: return "RELEASED";
  }
  return "UNSPECIFIED";
}

void ProductToProto(const Product& product, ::inventory::v1::Product* out) {
  out->set_product_id(product.product_id);
  out->set_name(product.name);
  out->set_price(product.price);
  out->set_stock(product.stock);
  out->set_supplied(product.supplied);
  out->set_version(product.version);
  out->set_status(product.status == ProductStatus::kOnSale
                      ? ::inventory::v1::PRODUCT_STATUS_ON_SALE
                      : ::inventory::v1::PRODUCT_STATUS_SOLD_OUT);
}

::inventory::v1::ReservationOutcome OutcomeToProto(ReservationOutcome outcome) {
  switch (outcome) {
    case ReservationOutcome::kReserved:
      return ::inventory::v1::RESERVATION_OUTCOME_RESERVED;
    case ReservationOutcome::kOutOfStock:
      return ::inventory::v1::RESERVATION_OUTCOME_OUT_OF_STOCK;
    case ReservationOutcome::kUnknownProduct:
      return ::inventory::v1::RESERVATION_OUTCOME_UNKNOWN_PRODUCT;
    case ReservationOutcome::kReleased:
      return ::inventory::v1::RESERVATION_OUTCOME_RELEASED;
  }
  return ::inventory::v1::RESERVATION_OUTCOME_UNSPECIFIED;
}

void ReserveResponseToProto(const ReservationResult& result,
                            ::inventory::v1::ReserveResponse* out) {
  out->set_outcome(OutcomeToProto(result.outcome));
  for (int64_t id : result.sold_out_product_ids) out->add_sold_out_product_ids(id);
  out->set_detail(result.detail);
}

// UNSPECIFIED is "no filter"; INVALID_ARGUMENT for a value we do not know.
absl::StatusOr<std::optional<ReservationOutcome>> OutcomeFilterFromProto(
    ::inventory::v1::ReservationOutcome outcome) {
  switch (outcome) {
    case ::inventory::v1::RESERVATION_OUTCOME_UNSPECIFIED: return std::nullopt;
    case ::inventory::v1::RESERVATION_OUTCOME_RESERVED: return ReservationOutcome::kReserved;
    case ::inventory::v1::RESERVATION_OUTCOME_OUT_OF_STOCK:
      return ReservationOutcome::kOutOfStock;
    case ::inventory::v1::RESERVATION_OUTCOME_UNKNOWN_PRODUCT:
      return ReservationOutcome::kUnknownProduct;
    case ::inventory::v1::RESERVATION_OUTCOME_RELEASED: return ReservationOutcome::kReleased;
    default: break;
  }
  return absl::InvalidArgumentError(
      absl::StrCat("outcome: unknown reservation outcome ", static_cast<int>(outcome)));
}

std::optional<absl::Time> NotAfterOf(const ::inventory::v1::ReserveRequest& request) {
  if (!request.has_not_after()) return std::nullopt;
  return TimeFromProto(request.not_after());
}

// One log line per reservation decision (the thread's trace id is the
// order's).
void LogReservation(absl::string_view method, const std::string& order_id,
                    const absl::StatusOr<ReservationResult>& result) {
  if (!result.ok()) {
    LOG(WARNING) << method << " order " << order_id << ": " << result.status();
    return;
  }
  LOG(INFO) << method << " order " << order_id << ": "
            << OutcomeName(result->outcome) << " (" << result->detail << ")";
}

}  // namespace

grpc::Status InventoryGrpcService::RefuseSagaStep(const grpc::ServerContext& context,
                                                 const char* method) const {
  if (saga_step_callers_ == nullptr) return grpc::Status::OK;
  return ToGrpcStatus(saga_step_callers_->Authorize(context, method));
}

grpc::Status InventoryGrpcService::Reserve(grpc::ServerContext* context,
                                           const ::inventory::v1::ReserveRequest* request,
                                           ::inventory::v1::ReserveResponse* response) {
  if (grpc::Status refused = RefuseSagaStep(*context, "Reserve"); !refused.ok()) return refused;
  ScopedTraceId trace(TraceIdOf(*context));
  absl::StatusOr<ReservationResult> result = ledger_.ReserveStock(
      request->order_id(), LineItemsFromProto(request->items()), NotAfterOf(*request));
  LogReservation("Reserve", request->order_id(), result);
  if (!result.ok()) return ToGrpcStatus(result.status());
  ReserveResponseToProto(*result, response);
  return grpc::Status::OK;
}

grpc::Status InventoryGrpcService::ReserveBatch(
    grpc::ServerContext* context, const ::inventory::v1::ReserveBatchRequest* request,
    ::inventory::v1::ReserveBatchResponse* response) {
  if (grpc::Status refused = RefuseSagaStep(*context, "ReserveBatch"); !refused.ok()) {
    return refused;
  }
  absl::Status size = ValidateBatchSize(request->requests_size());
  if (!size.ok()) return ToGrpcStatus(size);
  std::vector<ReserveRequest> requests;
  requests.reserve(request->requests_size());
  for (const ::inventory::v1::ReserveRequest& entry : request->requests()) {
    requests.push_back({entry.order_id(), LineItemsFromProto(entry.items()), NotAfterOf(entry)});
  }
  std::vector<absl::StatusOr<ReservationResult>> results =
      ledger_.ReserveStockBatch(std::move(requests));
  const std::vector<std::string> trace_ids = EntryTraceIdsOf(*context, results.size());
  for (size_t i = 0; i < results.size(); ++i) {
    ScopedTraceId trace(trace_ids[i]);
    LogReservation("ReserveBatch", request->requests(static_cast<int>(i)).order_id(),
                   results[i]);
  }
  for (size_t i = 0; i < results.size(); ++i) {
    ::inventory::v1::ReserveBatchResult* out = response->add_results();
    if (results[i].ok()) {
      ReserveResponseToProto(*results[i], out->mutable_response());
    } else {
      ToEntryError(results[i].status(), static_cast<int>(i), out->mutable_error());
    }
  }
  return grpc::Status::OK;
}

grpc::Status InventoryGrpcService::Release(grpc::ServerContext* context,
                                           const ::inventory::v1::ReleaseRequest* request,
                                           ::inventory::v1::ReleaseResponse* response) {
  if (grpc::Status refused = RefuseSagaStep(*context, "Release"); !refused.ok()) return refused;
  ScopedTraceId trace(TraceIdOf(*context));
  absl::StatusOr<ReleaseResult> result = ledger_.ReleaseReservation(request->order_id());
  if (!result.ok()) {
    LOG(WARNING) << "Release order " << request->order_id() << ": " << result.status();
    return ToGrpcStatus(result.status());
  }
  LOG(INFO) << "Release order " << request->order_id() << ": " << result->detail;
  response->set_stock_returned(result->stock_returned);
  response->set_detail(result->detail);
  return grpc::Status::OK;
}

grpc::Status InventoryGrpcService::GetProduct(
    grpc::ServerContext*, const ::inventory::v1::GetProductRequest* request,
    ::inventory::v1::Product* response) {
  absl::StatusOr<Product> product = ledger_.GetProduct(request->product_id());
  if (!product.ok()) return ToGrpcStatus(product.status());
  ProductToProto(*product, response);
  return grpc::Status::OK;
}

grpc::Status InventoryGrpcService::ListProducts(
    grpc::ServerContext*, const ::inventory::v1::ListProductsRequest* request,
    ::inventory::v1::ListProductsResponse* response) {
  absl::StatusOr<ProductPage> page =
      ledger_.ListProducts(request->page_size(), request->page_token());
  if (!page.ok()) return ToGrpcStatus(page.status());
  for (const Product& product : page->products) {
    ProductToProto(product, response->add_products());
  }
  response->set_next_page_token(page->next_page_token);
  return grpc::Status::OK;
}

grpc::Status InventoryGrpcService::UpsertProduct(grpc::ServerContext* context,
                                                 const ::inventory::v1::Product* request,
                                                 ::inventory::v1::Product* response) {
  absl::StatusOr<Principal> caller = Authenticate(authenticator_, *context, "UpsertProduct");
  if (!caller.ok()) return ToGrpcStatus(caller.status());
  if (absl::Status admin = RequireAdmin(authenticator_, *caller, "UpsertProduct"); !admin.ok()) {
    return ToGrpcStatus(admin);
  }
  Product product;
  product.product_id = request->product_id();
  product.name = request->name();
  product.price = request->price();
  product.stock = request->stock();
  product.version = request->version();
  absl::StatusOr<Product> stored = ledger_.UpsertProduct(product);
  if (!stored.ok()) return ToGrpcStatus(stored.status());
  ProductToProto(*stored, response);
  return grpc::Status::OK;
}

grpc::Status InventoryGrpcService::ListReservations(
    grpc::ServerContext*, const ::inventory::v1::ListReservationsRequest* request,
    ::inventory::v1::ListReservationsResponse* response) {
  absl::StatusOr<std::optional<ReservationOutcome>> outcome =
      OutcomeFilterFromProto(request->outcome());
  if (!outcome.ok()) return ToGrpcStatus(outcome.status());
  absl::StatusOr<ReservationPage> page =
      ledger_.ListReservations(request->page_size(), request->page_token(), *outcome);
  if (!page.ok()) return ToGrpcStatus(page.status());
  for (const Reservation& reservation : page->reservations) {
    ::inventory::v1::Reservation* out = response->add_reservations();
    out->set_order_id(reservation.order_id);
    out->set_outcome(OutcomeToProto(reservation.outcome));
    LineItemsToProto(reservation.items, out->mutable_items());
  }
  response->set_next_page_token(page->next_page_token);
  return grpc::Status::OK;
}

grpc::Status InventoryGrpcService::GetReservation(
    grpc::ServerContext*, const ::inventory::v1::GetReservationRequest* request,
    ::inventory::v1::Reservation* response) {
  absl::StatusOr<Reservation> reservation = ledger_.GetReservation(request->order_id());
  if (!reservation.ok()) return ToGrpcStatus(reservation.status());
  response->set_order_id(reservation->order_id);
  response->set_outcome(OutcomeToProto(reservation->outcome));
  LineItemsToProto(reservation->items, response->mutable_items());
  response->set_detail(reservation->detail);
  *response->mutable_create_time() = TimeToProto(reservation->create_time);
  *response->mutable_update_time() = TimeToProto(reservation->update_time);
  return grpc::Status::OK;
}

}  // namespace order_saga::inventory
