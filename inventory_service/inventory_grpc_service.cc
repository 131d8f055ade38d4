#include "inventory_service/inventory_grpc_service.h"

#include "common/grpc_status.h"
#include "common/proto_conversion.h"

namespace order_saga::inventory {
namespace {

void ProductToProto(const Product& product, ::inventory::v1::Product* out) {
  out->set_product_id(product.product_id);
  out->set_name(product.name);
  out->set_price(product.price);
  out->set_stock(product.stock);
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

}  // namespace

grpc::Status InventoryGrpcService::Reserve(grpc::ServerContext*,
                                           const ::inventory::v1::ReserveRequest* request,
                                           ::inventory::v1::ReserveResponse* response) {
  absl::StatusOr<ReservationResult> result =
      ledger_.ReserveStock(request->order_id(), LineItemsFromProto(request->items()));
  if (!result.ok()) return ToGrpcStatus(result.status());
  response->set_outcome(OutcomeToProto(result->outcome));
  for (int64_t id : result->sold_out_product_ids) response->add_sold_out_product_ids(id);
  response->set_detail(result->detail);
  return grpc::Status::OK;
}

grpc::Status InventoryGrpcService::Release(grpc::ServerContext*,
                                           const ::inventory::v1::ReleaseRequest* request,
                                           ::inventory::v1::ReleaseResponse* response) {
  absl::StatusOr<ReleaseResult> result = ledger_.ReleaseReservation(request->order_id());
  if (!result.ok()) return ToGrpcStatus(result.status());
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

grpc::Status InventoryGrpcService::UpsertProduct(grpc::ServerContext*,
                                                 const ::inventory::v1::Product* request,
                                                 ::inventory::v1::Product* response) {
  Product product;
  product.product_id = request->product_id();
  product.name = request->name();
  product.price = request->price();
  product.stock = request->stock();
  absl::StatusOr<Product> stored = ledger_.UpsertProduct(product);
  if (!stored.ok()) return ToGrpcStatus(stored.status());
  ProductToProto(*stored, response);
  return grpc::Status::OK;
}

}  // namespace order_saga::inventory
