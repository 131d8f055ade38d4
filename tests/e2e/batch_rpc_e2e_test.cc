// The batch participant RPCs (ReserveBatch, CreateOrders, ApproveOrders)
// against the real services: each entry is answered exactly as its single
// call would be, a malformed entry gets its own error naming the entry and
// the field, and the rest of the batch is not affected.
#include <grpcpp/grpcpp.h>
#include <gtest/gtest.h>

#include "absl/strings/match.h"
#include "tests/e2e/stack_test.h"

namespace order_saga::testing {
namespace {

class BatchRpcE2ETest : public StackTest {
 protected:
  template <typename Request, typename Response, typename Method>
  Response Call(Method method, const Request& request) {
    Response response;
    grpc::ClientContext context;
    context.set_deadline(In(absl::Seconds(30)));
    grpc::Status status = method(&context, request, &response);
    EXPECT_TRUE(status.ok()) << status.error_message();
    return response;
  }
  order::v1::OrderBatchResponse CreateOrders(const order::v1::CreateOrdersRequest& request) {
    return Call<order::v1::CreateOrdersRequest, order::v1::OrderBatchResponse>(
        [&](auto* c, const auto& r, auto* o) { return orders_->CreateOrders(c, r, o); },
        request);
  }
  order::v1::OrderBatchResponse ApproveOrders(const order::v1::ApproveOrdersRequest& request) {
    return Call<order::v1::ApproveOrdersRequest, order::v1::OrderBatchResponse>(
        [&](auto* c, const auto& r, auto* o) { return orders_->ApproveOrders(c, r, o); },
        request);
  }
  inventory::v1::ReserveBatchResponse ReserveBatch(
      const inventory::v1::ReserveBatchRequest& request) {
    return Call<inventory::v1::ReserveBatchRequest, inventory::v1::ReserveBatchResponse>(
        [&](auto* c, const auto& r, auto* o) { return inventory_->ReserveBatch(c, r, o); },
        request);
  }
};

void AddItem(google::protobuf::RepeatedPtrField<common::v1::LineItem>* items, int64_t product,
             int32_t quantity) {
  common::v1::LineItem* item = items->Add();
  item->set_product_id(product);
  item->set_quantity(quantity);
}

// The entry's error has `code` and a message naming entry and field.
void ExpectEntryError(const common::v1::EntryError& error, grpc::StatusCode code,
                      const std::string& prefix) {
  EXPECT_EQ(error.code(), code) << error.message();
  EXPECT_TRUE(absl::StartsWith(error.message(), prefix + ":"))
      << "\"" << error.message() << "\" should start with " << prefix << ":";
}

TEST_F(BatchRpcE2ETest, EachEntryIsAnsweredOnItsOwn) {
  inventory::v1::Product product;
  product.set_product_id(8);
  product.set_name("eight");
  product.set_stock(5);
  Call<inventory::v1::Product, inventory::v1::Product>(
      [&](auto* c, const auto& r, auto* o) { return inventory_->UpsertProduct(c, r, o); },
      product);

  // CreateOrders: two new orders, one malformed entry, one repeat.
  order::v1::CreateOrdersRequest create;
  for (const char* request_id : {"b-1", "b-bad", "b-2", "b-1"}) {
    order::v1::CreateOrderRequest* entry = create.add_requests();
    entry->set_request_id(request_id);
    AddItem(entry->mutable_items(), 8, std::string(request_id) == "b-bad" ? 0 : 1);
  }
  order::v1::OrderBatchResponse created = CreateOrders(create);
  ASSERT_EQ(created.results_size(), 4);
  ASSERT_TRUE(created.results(0).has_order());
  ExpectEntryError(created.results(1).error(), grpc::StatusCode::INVALID_ARGUMENT,
                   "requests[1].items[0].quantity");
  ASSERT_TRUE(created.results(2).has_order());
  ASSERT_TRUE(created.results(3).has_order());
  const std::string first = created.results(0).order().order_id();
  const std::string second = created.results(2).order().order_id();
  EXPECT_EQ(created.results(0).order().status(), order::v1::ORDER_STATUS_PENDING);
  EXPECT_EQ(created.results(3).order().order_id(), first);  // idempotent
  EXPECT_NE(second, first);

  // ReserveBatch: the first takes 1 of 5, a malformed entry, the second
  // wants 5 of the 4 left.
  inventory::v1::ReserveBatchRequest reserve;
  inventory::v1::ReserveRequest* entry = reserve.add_requests();
  entry->set_order_id(first);
  AddItem(entry->mutable_items(), 8, 1);
  AddItem(reserve.add_requests()->mutable_items(), 8, 1);  // no order_id
  entry = reserve.add_requests();
  entry->set_order_id(second);
  AddItem(entry->mutable_items(), 8, 5);
  inventory::v1::ReserveBatchResponse reserved = ReserveBatch(reserve);
  ASSERT_EQ(reserved.results_size(), 3);
  EXPECT_EQ(reserved.results(0).response().outcome(),
            inventory::v1::RESERVATION_OUTCOME_RESERVED);
  ExpectEntryError(reserved.results(1).error(), grpc::StatusCode::INVALID_ARGUMENT,
                   "requests[1].order_id");
  EXPECT_EQ(reserved.results(2).response().outcome(),
            inventory::v1::RESERVATION_OUTCOME_OUT_OF_STOCK);
  // Repeated, the batch gets the recorded outcomes and takes nothing more.
  reserved = ReserveBatch(reserve);
  EXPECT_EQ(reserved.results(0).response().outcome(),
            inventory::v1::RESERVATION_OUTCOME_RESERVED);
  EXPECT_EQ(reserved.results(2).response().outcome(),
            inventory::v1::RESERVATION_OUTCOME_OUT_OF_STOCK);

  // ApproveOrders: one approved, one unknown, one malformed.
  order::v1::ApproveOrdersRequest approve;
  approve.add_requests()->set_order_id(first);
  approve.add_requests()->set_order_id("no-such-order");
  approve.add_requests()->set_order_id("");
  order::v1::OrderBatchResponse approved = ApproveOrders(approve);
  ASSERT_EQ(approved.results_size(), 3);
  EXPECT_EQ(approved.results(0).order().status(), order::v1::ORDER_STATUS_APPROVED);
  ExpectEntryError(approved.results(1).error(), grpc::StatusCode::NOT_FOUND,
                   "requests[1].order_id");
  ExpectEntryError(approved.results(2).error(), grpc::StatusCode::INVALID_ARGUMENT,
                   "requests[2].order_id");

  // Empty batches are fine.
  EXPECT_EQ(CreateOrders({}).results_size(), 0);
  EXPECT_EQ(ReserveBatch({}).results_size(), 0);

  // The refused order is rejected as the saga would; then everything adds up.
  order::v1::RejectOrderRequest reject;
  reject.set_order_id(second);
  reject.set_reject_reason(order::v1::REJECT_REASON_OUT_OF_STOCK);
  Call<order::v1::RejectOrderRequest, order::v1::Order>(
      [&](auto* c, const auto& r, auto* o) { return orders_->RejectOrder(c, r, o); }, reject);
  absl::StatusOr<audit::AuditReport> report = AuditStack(*stack_, absl::Seconds(30));
  ASSERT_TRUE(report.ok()) << report.status();
  EXPECT_TRUE(report->clean()) << audit::FormatAuditReport(*report);
  EXPECT_EQ(report->orders_approved, 1);
  EXPECT_EQ(report->reservations_held, 1);
  ASSERT_EQ(report->products.size(), 1u);
  EXPECT_EQ(report->products[0].stock, 4);
}

}  // namespace
}  // namespace order_saga::testing
