// Every malformed request we could think of, against the three real servers:
// each gets a clear error naming the field (or, for products that do not
// exist, a REJECTED order with UNKNOWN_PRODUCT), nothing is written, and the
// servers keep serving.
#include <climits>
#include <functional>

#include <grpcpp/grpcpp.h>
#include <gtest/gtest.h>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "inventory/v1/inventory.grpc.pb.h"
#include "order/v1/order.grpc.pb.h"
#include "saga/v1/saga.grpc.pb.h"
#include "tests/e2e/stack_test.h"

namespace order_saga::testing {
namespace {

using grpc::StatusCode;

saga::v1::PlaceOrderRequest Order(const std::string& request_id,
                                  std::vector<std::pair<int64_t, int32_t>> items) {
  saga::v1::PlaceOrderRequest request;
  request.set_request_id(request_id);
  for (auto [product, quantity] : items) {
    auto* item = request.add_items();
    item->set_product_id(product);
    item->set_quantity(quantity);
  }
  return request;
}

struct Case {
  std::string name;
  std::function<grpc::Status()> call;
  StatusCode code;
  // The error message starts with "<field>:" (empty: not checked).
  std::string field;
};

class HostileInputE2ETest : public StackTest {
 protected:
  grpc::Status Place(const saga::v1::PlaceOrderRequest& request,
                     saga::v1::PlaceOrderResponse* response = nullptr) {
    saga::v1::PlaceOrderResponse ignored;
    grpc::ClientContext context;
    context.set_deadline(In(absl::Seconds(30)));
    return saga_->PlaceOrder(&context, request, response == nullptr ? &ignored : response);
  }
  template <typename Request, typename Response, typename Method>
  grpc::Status Call(Method method, const Request& request) {
    Response response;
    grpc::ClientContext context;
    context.set_deadline(In(absl::Seconds(30)));
    return method(&context, request, &response);
  }
};

TEST_F(HostileInputE2ETest, EveryMalformedRequestIsRefusedNamingTheFieldAndWritesNothing) {
  auto admin = saga::v1::SagaAdmin::NewStub(
      grpc::CreateChannel(stack_->saga_address(), stack_->credentials()));
  inventory::v1::Product seed;
  seed.set_product_id(7);
  seed.set_name("seven");
  seed.set_price(100);
  seed.set_stock(50);
  ASSERT_TRUE((Call<inventory::v1::Product, inventory::v1::Product>(
                   [&](auto* c, const auto& r, auto* o) { return inventory_->UpsertProduct(c, r, o); },
                   seed))
                  .ok());

  auto place = [this](saga::v1::PlaceOrderRequest request) {
    return [this, request] { return Place(request); };
  };
  auto with_address = [](std::function<void(common::v1::ShippingAddress*)> edit) {
    saga::v1::PlaceOrderRequest request = Order("addr", {{7, 1}});
    edit(request.mutable_shipping_address());
    return request;
  };
  std::vector<std::pair<int64_t, int32_t>> many_items, thousands;
  for (int i = 1; i <= 101; ++i) many_items.push_back({i, 1});
  for (int i = 1; i <= 5000; ++i) thousands.push_back({i, 1});
  const std::string invalid_utf8 = "bad-\xC3\x28-\xFF";

  std::vector<Case> cases = {
      {"empty request", place(saga::v1::PlaceOrderRequest()), StatusCode::INVALID_ARGUMENT,
       "request_id"},
      {"missing request_id", place(Order("", {{7, 1}})), StatusCode::INVALID_ARGUMENT,
       "request_id"},
      {"request_id of 129 bytes", place(Order(std::string(129, 'r'), {{7, 1}})),
       StatusCode::INVALID_ARGUMENT, "request_id"},
      {"no line items", place(Order("h-1", {})), StatusCode::INVALID_ARGUMENT, "items"},
      {"quantity 0", place(Order("h-2", {{7, 0}})), StatusCode::INVALID_ARGUMENT,
       "items[0].quantity"},
      {"quantity -1", place(Order("h-3", {{7, -1}})), StatusCode::INVALID_ARGUMENT,
       "items[0].quantity"},
      {"quantity 1001", place(Order("h-4", {{7, 1001}})), StatusCode::INVALID_ARGUMENT,
       "items[0].quantity"},
      {"quantity INT32_MAX", place(Order("h-5", {{7, INT32_MAX}})),
       StatusCode::INVALID_ARGUMENT, "items[0].quantity"},
      {"quantity INT32_MIN", place(Order("h-6", {{7, INT32_MIN}})),
       StatusCode::INVALID_ARGUMENT, "items[0].quantity"},
      {"product_id 0", place(Order("h-7", {{0, 1}})), StatusCode::INVALID_ARGUMENT,
       "items[0].product_id"},
      {"product_id -1", place(Order("h-8", {{-1, 1}})), StatusCode::INVALID_ARGUMENT,
       "items[0].product_id"},
      {"product_id INT64_MIN", place(Order("h-9", {{INT64_MIN, 1}})),
       StatusCode::INVALID_ARGUMENT, "items[0].product_id"},
      {"second item bad", place(Order("h-10", {{7, 1}, {8, 0}})),
       StatusCode::INVALID_ARGUMENT, "items[1].quantity"},
      {"product listed twice", place(Order("h-11", {{7, 1}, {7, 2}})),
       StatusCode::INVALID_ARGUMENT, "items[1].product_id"},
      {"101 line items", place(Order("h-12", many_items)), StatusCode::INVALID_ARGUMENT,
       "items"},
      {"5000 line items", place(Order("h-13", thousands)), StatusCode::INVALID_ARGUMENT,
       "items"},
      {"customer_id of 129 bytes",
       place([] {
         saga::v1::PlaceOrderRequest r = Order("h-14", {{7, 1}});
         r.set_customer_id(std::string(129, 'c'));
         return r;
       }()),
       StatusCode::INVALID_ARGUMENT, "customer_id"},
      {"recipient of 257 bytes",
       place(with_address([](auto* a) { a->set_recipient(std::string(257, 'x')); })),
       StatusCode::INVALID_ARGUMENT, "shipping_address.recipient"},
      {"line1 of one megabyte",
       place(with_address([](auto* a) { a->set_line1(std::string(1 << 20, 'x')); })),
       StatusCode::INVALID_ARGUMENT, "shipping_address.line1"},
      {"message of five megabytes (over the 4 MiB cap)",
       place(with_address([](auto* a) { a->set_line2(std::string(5 << 20, 'x')); })),
       StatusCode::RESOURCE_EXHAUSTED, ""},
      // Protobuf refuses these while parsing; protos/utf8_field_traits.h
      // turns that into an answer naming the field.
      {"invalid UTF-8 in request_id", place(Order(invalid_utf8, {{7, 1}})),
       StatusCode::INVALID_ARGUMENT, "request_id"},
      {"invalid UTF-8 in the address",
       place(with_address([&](auto* a) { a->set_zip_code(invalid_utf8); })),
       StatusCode::INVALID_ARGUMENT, "shipping_address.zip_code"},
      {"invalid UTF-8 in customer_id",
       place([&] {
         saga::v1::PlaceOrderRequest r = Order("h-15", {{7, 1}});
         r.set_customer_id(invalid_utf8);
         return r;
       }()),
       StatusCode::INVALID_ARGUMENT, "customer_id"},

      // Order service.
      {"GetOrder of an unknown order id",
       [&] {
         order::v1::GetOrderRequest r;
         r.set_order_id("no-such-order");
         return Call<order::v1::GetOrderRequest, order::v1::Order>(
             [&](auto* c, const auto& q, auto* o) { return orders_->GetOrder(c, q, o); }, r);
       },
       StatusCode::NOT_FOUND, "order_id"},
      {"GetOrder with neither id",
       [&] {
         return Call<order::v1::GetOrderRequest, order::v1::Order>(
             [&](auto* c, const auto& q, auto* o) { return orders_->GetOrder(c, q, o); },
             order::v1::GetOrderRequest());
       },
       StatusCode::INVALID_ARGUMENT, ""},
      {"ListOrders with a forged page token",
       [&] {
         order::v1::ListOrdersRequest r;
         r.set_page_token("not-a-token");
         return Call<order::v1::ListOrdersRequest, order::v1::ListOrdersResponse>(
             [&](auto* c, const auto& q, auto* o) { return orders_->ListOrders(c, q, o); }, r);
       },
       StatusCode::INVALID_ARGUMENT, "page_token"},
      {"ListOrders with page_size -1",
       [&] {
         order::v1::ListOrdersRequest r;
         r.set_page_size(-1);
         return Call<order::v1::ListOrdersRequest, order::v1::ListOrdersResponse>(
             [&](auto* c, const auto& q, auto* o) { return orders_->ListOrders(c, q, o); }, r);
       },
       StatusCode::INVALID_ARGUMENT, "page_size"},
      {"ApproveOrder of an unknown order",
       [&] {
         order::v1::ApproveOrderRequest r;
         r.set_order_id("no-such-order");
         return Call<order::v1::ApproveOrderRequest, order::v1::Order>(
             [&](auto* c, const auto& q, auto* o) { return orders_->ApproveOrder(c, q, o); },
             r);
       },
       StatusCode::NOT_FOUND, "order_id"},
      {"CreateOrder with INT64_MAX quantity overflow guard",
       [&] {
         order::v1::CreateOrderRequest r;
         r.set_request_id("h-20");
         auto* item = r.add_items();
         item->set_product_id(INT64_MAX);
         item->set_quantity(0);
         return Call<order::v1::CreateOrderRequest, order::v1::Order>(
             [&](auto* c, const auto& q, auto* o) { return orders_->CreateOrder(c, q, o); }, r);
       },
       StatusCode::INVALID_ARGUMENT, "items[0].quantity"},

      // Inventory service.
      {"Reserve without order_id",
       [&] {
         inventory::v1::ReserveRequest r;
         auto* item = r.add_items();
         item->set_product_id(7);
         item->set_quantity(1);
         return Call<inventory::v1::ReserveRequest, inventory::v1::ReserveResponse>(
             [&](auto* c, const auto& q, auto* o) { return inventory_->Reserve(c, q, o); }, r);
       },
       StatusCode::INVALID_ARGUMENT, "order_id"},
      {"Reserve with quantity 0",
       [&] {
         inventory::v1::ReserveRequest r;
         r.set_order_id("h-21");
         auto* item = r.add_items();
         item->set_product_id(7);
         item->set_quantity(0);
         return Call<inventory::v1::ReserveRequest, inventory::v1::ReserveResponse>(
             [&](auto* c, const auto& q, auto* o) { return inventory_->Reserve(c, q, o); }, r);
       },
       StatusCode::INVALID_ARGUMENT, "items[0].quantity"},
      {"Release without order_id",
       [&] {
         return Call<inventory::v1::ReleaseRequest, inventory::v1::ReleaseResponse>(
             [&](auto* c, const auto& q, auto* o) { return inventory_->Release(c, q, o); },
             inventory::v1::ReleaseRequest());
       },
       StatusCode::INVALID_ARGUMENT, "order_id"},
      {"GetProduct 0",
       [&] {
         return Call<inventory::v1::GetProductRequest, inventory::v1::Product>(
             [&](auto* c, const auto& q, auto* o) { return inventory_->GetProduct(c, q, o); },
             inventory::v1::GetProductRequest());
       },
       StatusCode::INVALID_ARGUMENT, "product_id"},
      {"GetProduct INT64_MAX (unknown)",
       [&] {
         inventory::v1::GetProductRequest r;
         r.set_product_id(INT64_MAX);
         return Call<inventory::v1::GetProductRequest, inventory::v1::Product>(
             [&](auto* c, const auto& q, auto* o) { return inventory_->GetProduct(c, q, o); },
             r);
       },
       StatusCode::NOT_FOUND, "product_id"},
      {"UpsertProduct with negative stock",
       [&] {
         inventory::v1::Product r = seed;
         r.set_stock(-1);
         return Call<inventory::v1::Product, inventory::v1::Product>(
             [&](auto* c, const auto& q, auto* o) { return inventory_->UpsertProduct(c, q, o); },
             r);
       },
       StatusCode::INVALID_ARGUMENT, "stock"},
      {"UpsertProduct with INT64_MAX stock",
       [&] {
         inventory::v1::Product r = seed;
         r.set_stock(INT64_MAX);
         return Call<inventory::v1::Product, inventory::v1::Product>(
             [&](auto* c, const auto& q, auto* o) { return inventory_->UpsertProduct(c, q, o); },
             r);
       },
       StatusCode::INVALID_ARGUMENT, "stock"},
      {"UpsertProduct without a name",
       [&] {
         inventory::v1::Product r = seed;
         r.clear_name();
         return Call<inventory::v1::Product, inventory::v1::Product>(
             [&](auto* c, const auto& q, auto* o) { return inventory_->UpsertProduct(c, q, o); },
             r);
       },
       StatusCode::INVALID_ARGUMENT, "name"},
      {"UpsertProduct with a negative price",
       [&] {
         inventory::v1::Product r = seed;
         r.set_price(-5);
         return Call<inventory::v1::Product, inventory::v1::Product>(
             [&](auto* c, const auto& q, auto* o) { return inventory_->UpsertProduct(c, q, o); },
             r);
       },
       StatusCode::INVALID_ARGUMENT, "price"},
      {"UpsertProduct with invalid UTF-8 in the name",
       [&] {
         inventory::v1::Product r = seed;
         r.set_name(invalid_utf8);
         return Call<inventory::v1::Product, inventory::v1::Product>(
             [&](auto* c, const auto& q, auto* o) { return inventory_->UpsertProduct(c, q, o); },
             r);
       },
       StatusCode::INVALID_ARGUMENT, "name"},
      {"ListOrders with invalid UTF-8 in customer_id",
       [&] {
         order::v1::ListOrdersRequest r;
         r.set_customer_id(invalid_utf8);
         return Call<order::v1::ListOrdersRequest, order::v1::ListOrdersResponse>(
             [&](auto* c, const auto& q, auto* o) { return orders_->ListOrders(c, q, o); }, r);
       },
       StatusCode::INVALID_ARGUMENT, "customer_id"},
      {"ListReservations with a forged page token",
       [&] {
         inventory::v1::ListReservationsRequest r;
         r.set_page_token("YWZ0ZXI6MQ");  // base64 of a product-list token
         return Call<inventory::v1::ListReservationsRequest,
                     inventory::v1::ListReservationsResponse>(
             [&](auto* c, const auto& q, auto* o) {
               return inventory_->ListReservations(c, q, o);
             },
             r);
       },
       StatusCode::INVALID_ARGUMENT, "page_token"},
      {"ListReservations with an unknown outcome",
       [&] {
         inventory::v1::ListReservationsRequest r;
         r.set_outcome(static_cast<inventory::v1::ReservationOutcome>(99));
         return Call<inventory::v1::ListReservationsRequest,
                     inventory::v1::ListReservationsResponse>(
             [&](auto* c, const auto& q, auto* o) {
               return inventory_->ListReservations(c, q, o);
             },
             r);
       },
       StatusCode::INVALID_ARGUMENT, "outcome"},
      {"ReserveBatch with 1001 entries",
       [&] {
         inventory::v1::ReserveBatchRequest r;
         for (int i = 0; i < 1001; ++i) r.add_requests()->set_order_id("x");
         return Call<inventory::v1::ReserveBatchRequest, inventory::v1::ReserveBatchResponse>(
             [&](auto* c, const auto& q, auto* o) { return inventory_->ReserveBatch(c, q, o); },
             r);
       },
       StatusCode::INVALID_ARGUMENT, "requests"},
      {"CreateOrders with 1001 entries",
       [&] {
         order::v1::CreateOrdersRequest r;
         for (int i = 0; i < 1001; ++i) r.add_requests()->set_request_id(absl::StrCat("x", i));
         return Call<order::v1::CreateOrdersRequest, order::v1::OrderBatchResponse>(
             [&](auto* c, const auto& q, auto* o) { return orders_->CreateOrders(c, q, o); }, r);
       },
       StatusCode::INVALID_ARGUMENT, "requests"},
      {"ApproveOrders with 1001 entries",
       [&] {
         order::v1::ApproveOrdersRequest r;
         for (int i = 0; i < 1001; ++i) r.add_requests()->set_order_id("x");
         return Call<order::v1::ApproveOrdersRequest, order::v1::OrderBatchResponse>(
             [&](auto* c, const auto& q, auto* o) { return orders_->ApproveOrders(c, q, o); }, r);
       },
       StatusCode::INVALID_ARGUMENT, "requests"},
      // The saga's bookkeeping and the operators' RPCs.
      {"Reserve with not_after at the end of time",
       [&] {
         inventory::v1::ReserveRequest r;
         r.set_order_id("h-40");
         auto* item = r.add_items();
         item->set_product_id(7);
         item->set_quantity(1);
         r.mutable_not_after()->set_seconds(LLONG_MAX);
         return Call<inventory::v1::ReserveRequest, inventory::v1::ReserveResponse>(
             [&](auto* c, const auto& q, auto* o) { return inventory_->Reserve(c, q, o); }, r);
       },
       StatusCode::INVALID_ARGUMENT, "not_after"},
      {"Reserve with not_after at the beginning of time",
       [&] {
         inventory::v1::ReserveRequest r;
         r.set_order_id("h-41");
         auto* item = r.add_items();
         item->set_product_id(7);
         item->set_quantity(1);
         r.mutable_not_after()->set_seconds(LLONG_MIN);
         r.mutable_not_after()->set_nanos(-1);
         return Call<inventory::v1::ReserveRequest, inventory::v1::ReserveResponse>(
             [&](auto* c, const auto& q, auto* o) { return inventory_->Reserve(c, q, o); }, r);
       },
       StatusCode::FAILED_PRECONDITION, "not_after"},
      {"ListOrders with updated_before at the end of time",
       [&] {
         order::v1::ListOrdersRequest r;
         r.mutable_updated_before()->set_seconds(LLONG_MAX);
         r.mutable_updated_before()->set_nanos(INT_MAX);
         return Call<order::v1::ListOrdersRequest, order::v1::ListOrdersResponse>(
             [&](auto* c, const auto& q, auto* o) { return orders_->ListOrders(c, q, o); }, r);
       },
       StatusCode::OK, ""},
      {"ListOrders with saga_state 99",
       [&] {
         order::v1::ListOrdersRequest r;
         r.set_saga_state(static_cast<order::v1::SagaState>(99));
         return Call<order::v1::ListOrdersRequest, order::v1::ListOrdersResponse>(
             [&](auto* c, const auto& q, auto* o) { return orders_->ListOrders(c, q, o); }, r);
       },
       StatusCode::INVALID_ARGUMENT, "saga_state"},
      {"RecordSagaFailure without step",
       [&] {
         order::v1::RecordSagaFailureRequest r;
         r.set_order_id("h-42");
         r.set_max_attempts(3);
         return Call<order::v1::RecordSagaFailureRequest, order::v1::Order>(
             [&](auto* c, const auto& q, auto* o) { return orders_->RecordSagaFailure(c, q, o); },
             r);
       },
       StatusCode::INVALID_ARGUMENT, "step"},
      {"RecordSagaFailure with max_attempts 0",
       [&] {
         order::v1::RecordSagaFailureRequest r;
         r.set_order_id("h-43");
         r.set_step("release");
         return Call<order::v1::RecordSagaFailureRequest, order::v1::Order>(
             [&](auto* c, const auto& q, auto* o) { return orders_->RecordSagaFailure(c, q, o); },
             r);
       },
       StatusCode::INVALID_ARGUMENT, "max_attempts"},
      {"RecordSagaFailure with a retry_delay of ages",
       [&] {
         order::v1::RecordSagaFailureRequest r;
         r.set_order_id("h-44");
         r.set_step("release");
         r.set_max_attempts(3);
         r.mutable_retry_delay()->set_seconds(LLONG_MAX);
         r.mutable_max_retry_delay()->set_seconds(LLONG_MAX);
         return Call<order::v1::RecordSagaFailureRequest, order::v1::Order>(
             [&](auto* c, const auto& q, auto* o) { return orders_->RecordSagaFailure(c, q, o); },
             r);
       },
       StatusCode::INVALID_ARGUMENT, "retry_delay"},
      {"ListOrders with a negative min_age",
       [&] {
         order::v1::ListOrdersRequest r;
         r.mutable_min_age()->set_seconds(-5);
         return Call<order::v1::ListOrdersRequest, order::v1::ListOrdersResponse>(
             [&](auto* c, const auto& q, auto* o) { return orders_->ListOrders(c, q, o); }, r);
       },
       StatusCode::INVALID_ARGUMENT, "min_age"},
      {"RecordSagaFailure without attempt",
       [&] {
         order::v1::RecordSagaFailureRequest r;
         r.set_order_id("h-45");
         r.set_step("release");
         r.set_max_attempts(3);
         return Call<order::v1::RecordSagaFailureRequest, order::v1::Order>(
             [&](auto* c, const auto& q, auto* o) { return orders_->RecordSagaFailure(c, q, o); },
             r);
       },
       StatusCode::INVALID_ARGUMENT, "attempt"},
      {"UpsertProduct with a negative version",
       [&] {
         inventory::v1::Product r;
         r.set_product_id(46);
         r.set_name("h");
         r.set_version(-1);
         return Call<inventory::v1::Product, inventory::v1::Product>(
             [&](auto* c, const auto& q, auto* o) { return inventory_->UpsertProduct(c, q, o); },
             r);
       },
       StatusCode::INVALID_ARGUMENT, "version"},
      {"ResumeSaga without order_id",
       [&] {
         return Call<order::v1::ResumeSagaRequest, order::v1::Order>(
             [&](auto* c, const auto& q, auto* o) { return orders_->ResumeSaga(c, q, o); },
             order::v1::ResumeSagaRequest());
       },
       StatusCode::INVALID_ARGUMENT, "order_id"},
      {"GetSagaHistory without order_id",
       [&] {
         return Call<order::v1::GetSagaHistoryRequest, order::v1::SagaHistory>(
             [&](auto* c, const auto& q, auto* o) { return orders_->GetSagaHistory(c, q, o); },
             order::v1::GetSagaHistoryRequest());
       },
       StatusCode::INVALID_ARGUMENT, "order_id"},
      {"GetReservation without order_id",
       [&] {
         return Call<inventory::v1::GetReservationRequest, inventory::v1::Reservation>(
             [&](auto* c, const auto& q, auto* o) { return inventory_->GetReservation(c, q, o); },
             inventory::v1::GetReservationRequest());
       },
       StatusCode::INVALID_ARGUMENT, "order_id"},
      {"ListSagas of finished orders",
       [&] {
         saga::v1::ListSagasRequest r;
         r.set_state(order::v1::SAGA_STATE_FINISHED);
         return Call<saga::v1::ListSagasRequest, saga::v1::ListSagasResponse>(
             [&](auto* c, const auto& q, auto* o) { return admin->ListSagas(c, q, o); }, r);
       },
       StatusCode::INVALID_ARGUMENT, "state"},
      {"ListSagas with page_size 1001",
       [&] {
         saga::v1::ListSagasRequest r;
         r.set_page_size(1001);
         return Call<saga::v1::ListSagasRequest, saga::v1::ListSagasResponse>(
             [&](auto* c, const auto& q, auto* o) { return admin->ListSagas(c, q, o); }, r);
       },
       StatusCode::INVALID_ARGUMENT, "page_size"},
      {"RetrySaga without order_id",
       [&] {
         return Call<saga::v1::RetrySagaRequest, saga::v1::PlaceOrderResponse>(
             [&](auto* c, const auto& q, auto* o) { return admin->RetrySaga(c, q, o); },
             saga::v1::RetrySagaRequest());
       },
       StatusCode::INVALID_ARGUMENT, "order_id"},
      {"RetrySaga of an unknown order",
       [&] {
         saga::v1::RetrySagaRequest r;
         r.set_order_id("no-such-order");
         return Call<saga::v1::RetrySagaRequest, saga::v1::PlaceOrderResponse>(
             [&](auto* c, const auto& q, auto* o) { return admin->RetrySaga(c, q, o); }, r);
       },
       StatusCode::NOT_FOUND, "order_id"},
      {"ForceRejectOrder without note",
       [&] {
         saga::v1::ForceRejectOrderRequest r;
         r.set_order_id("h-45");
         return Call<saga::v1::ForceRejectOrderRequest, saga::v1::PlaceOrderResponse>(
             [&](auto* c, const auto& q, auto* o) { return admin->ForceRejectOrder(c, q, o); }, r);
       },
       StatusCode::INVALID_ARGUMENT, "note"},
      {"ExplainOrder without order_id",
       [&] {
         return Call<saga::v1::ExplainOrderRequest, saga::v1::OrderTimeline>(
             [&](auto* c, const auto& q, auto* o) { return admin->ExplainOrder(c, q, o); },
             saga::v1::ExplainOrderRequest());
       },
       StatusCode::INVALID_ARGUMENT, "order_id"},
      {"ListProducts with page_size 1001",
       [&] {
         inventory::v1::ListProductsRequest r;
         r.set_page_size(1001);
         return Call<inventory::v1::ListProductsRequest, inventory::v1::ListProductsResponse>(
             [&](auto* c, const auto& q, auto* o) { return inventory_->ListProducts(c, q, o); },
             r);
       },
       StatusCode::INVALID_ARGUMENT, "page_size"},
  };

  int tried = 0;
  for (const Case& c : cases) {
    SCOPED_TRACE(c.name);
    grpc::Status status = c.call();
    ++tried;
    EXPECT_EQ(status.error_code(), c.code) << status.error_message();
    if (!c.field.empty()) {
      EXPECT_TRUE(absl::StartsWith(status.error_message(), c.field + ":"))
          << "\"" << status.error_message() << "\" should start with " << c.field << ":";
    }
  }
  std::cout << "[hostile] " << tried << " malformed requests refused\n";

  // Nothing was written: no order, no reservation, the product unchanged.
  absl::StatusOr<audit::AuditReport> report = AuditStack(*stack_, absl::Seconds(30));
  ASSERT_TRUE(report.ok()) << report.status();
  EXPECT_TRUE(report->clean()) << audit::FormatAuditReport(*report);
  EXPECT_EQ(report->orders_approved + report->orders_rejected + report->orders_pending, 0);
  EXPECT_EQ(report->reservations_held, 0);
  ASSERT_EQ(report->products.size(), 1u);
  EXPECT_EQ(report->products[0].stock, 50);

  // And every server still serves.
  for (const std::string& address :
       {stack_->saga_address(), stack_->order_address(), stack_->inventory_address()}) {
    absl::StatusOr<bool> serving = IsServing(address);
    EXPECT_TRUE(serving.ok() && *serving) << address;
  }
}

TEST_F(HostileInputE2ETest, UnknownProductsAreABusinessRejectionHoldingNothing) {
  for (int64_t product_id : {int64_t{999}, INT64_MAX}) {
    saga::v1::PlaceOrderResponse response;
    grpc::Status status = Place(Order(absl::StrCat("unknown-", product_id), {{product_id, 1}}),
                                &response);
    ASSERT_TRUE(status.ok()) << status.error_message();
    EXPECT_EQ(response.status(), order::v1::ORDER_STATUS_REJECTED);
    EXPECT_EQ(response.reject_reason(), order::v1::REJECT_REASON_UNKNOWN_PRODUCT);
    EXPECT_TRUE(absl::StrContains(response.detail(), absl::StrCat(product_id)))
        << response.detail();
  }
  absl::StatusOr<audit::AuditReport> report = AuditStack(*stack_, absl::Seconds(30));
  ASSERT_TRUE(report.ok());
  EXPECT_TRUE(report->clean()) << audit::FormatAuditReport(*report);
  EXPECT_EQ(report->reservations_held, 0);
}

}  // namespace
}  // namespace order_saga::testing
