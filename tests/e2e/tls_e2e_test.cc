// TLS on every hop (scripts/tls-certs certificates): a plaintext client and
// a certificate from another CA are refused, only the coordinator (and
// operators) may call the participant services, and the reference flash
// sale still approves exactly 15 with TLS everywhere.
#include <stdlib.h>

#include <functional>

#include <thread>

#include <grpcpp/grpcpp.h>
#include <gtest/gtest.h>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "grpc/health/v1/health.grpc.pb.h"
#include "tests/e2e/concurrent_orders.h"
#include "tests/e2e/metrics_scrape.h"
#include "tests/e2e/stack_test.h"

namespace order_saga::testing {
namespace {

class TlsE2ETest : public StackTest {
 protected:
  static void SetUpTestSuite() {
    LocalStack::Options options;
    options.tls = true;
    // The coordinator also serves its health in plaintext (for probes).
    options.coordinator_flags = {"--health_listen_address=127.0.0.1:0"};
    StartStack(std::move(options));
    if (stack_ != nullptr) {
      absl::StatusOr<int> port =
          stack_->LoggedPort(LocalStack::Role::kCoordinator, 0, "plaintext health checks on");
      ASSERT_TRUE(port.ok()) << port.status();
      health_port_ = *port;
    }
  }
  static inline int health_port_ = 0;

  // Stubs presenting `identity`'s certificate (none if empty), trusting the
  // stack's CA.
  static std::shared_ptr<grpc::ChannelCredentials> As(const std::string& identity) {
    return TlsCredentials(stack_->tls_dir(), identity);
  }
  static std::unique_ptr<inventory::v1::InventoryService::Stub> Inventory(
      std::shared_ptr<grpc::ChannelCredentials> credentials) {
    return inventory::v1::InventoryService::NewStub(
        grpc::CreateChannel(stack_->inventory_address(), credentials));
  }
  static std::unique_ptr<order::v1::OrderService::Stub> Orders(
      std::shared_ptr<grpc::ChannelCredentials> credentials) {
    return order::v1::OrderService::NewStub(
        grpc::CreateChannel(stack_->order_address(), credentials));
  }
  static std::unique_ptr<saga::v1::SagaCoordinator::Stub> Coordinator(
      std::shared_ptr<grpc::ChannelCredentials> credentials) {
    return saga::v1::SagaCoordinator::NewStub(
        grpc::CreateChannel(stack_->saga_address(), credentials));
  }

  static grpc::Status Reserve(inventory::v1::InventoryService::Stub& stub,
                              const std::string& order_id) {
    inventory::v1::ReserveRequest request;
    request.set_order_id(order_id);
    common::v1::LineItem* item = request.add_items();
    item->set_product_id(4);
    item->set_quantity(1);
    inventory::v1::ReserveResponse response;
    grpc::ClientContext context;
    context.set_deadline(In(absl::Seconds(10)));
    return stub.Reserve(&context, request, &response);
  }

  // Reservations recorded, read as an operator.
  static int Reservations() {
    inventory::v1::ListReservationsRequest request;
    request.set_page_size(1000);
    inventory::v1::ListReservationsResponse response;
    grpc::ClientContext context;
    context.set_deadline(In(absl::Seconds(10)));
    grpc::Status status = Inventory(As("operator"))->ListReservations(&context, request, &response);
    EXPECT_TRUE(status.ok()) << status.error_message();
    return response.reservations_size();
  }

  static void Upsert(int64_t id, int64_t stock) {
    UpsertTestProduct(*Inventory(As("operator")), id, stock);
  }

};

TEST_F(TlsE2ETest, PlaintextClientIsRefusedEverywhere) {
  Upsert(4, 10);
  const int before = Reservations();
  auto plaintext = grpc::InsecureChannelCredentials();
  grpc::Status reserve = Reserve(*Inventory(plaintext), "plaintext-1");
  EXPECT_EQ(reserve.error_code(), grpc::StatusCode::UNAVAILABLE) << reserve.error_message();

  saga::v1::PlaceOrderRequest request;
  request.set_request_id("plaintext-order");
  request.add_items()->set_product_id(4);
  request.mutable_items(0)->set_quantity(1);
  saga::v1::PlaceOrderResponse response;
  grpc::ClientContext context;
  context.set_deadline(In(absl::Seconds(10)));
  grpc::Status placed = Coordinator(plaintext)->PlaceOrder(&context, request, &response);
  EXPECT_EQ(placed.error_code(), grpc::StatusCode::UNAVAILABLE) << placed.error_message();
  EXPECT_EQ(Reservations(), before);  // nothing written
}

TEST_F(TlsE2ETest, CertificateFromAnotherCaIsRefusedEvenWithTheCoordinatorsName) {
  Upsert(4, 10);
  const int before = Reservations();
  // Named saga-coordinator, but signed by a CA the services do not trust.
  const std::shared_ptr<grpc::ChannelCredentials> intruder =
      TlsCredentials(stack_->tls_dir() + "/untrusted", "intruder", stack_->tls_dir());
  grpc::Status reserve = Reserve(*Inventory(intruder), "intruder-1");
  EXPECT_EQ(reserve.error_code(), grpc::StatusCode::UNAVAILABLE) << reserve.error_message();
  EXPECT_EQ(Reservations(), before);
}

TEST_F(TlsE2ETest, OnlyTheCoordinatorAndOperatorsReachTheParticipantServices) {
  Upsert(4, 10);
  const int before = Reservations();
  // A valid certificate of the same CA, but not the coordinator's.
  grpc::Status reserve = Reserve(*Inventory(As("client")), "direct-1");
  EXPECT_EQ(reserve.error_code(), grpc::StatusCode::PERMISSION_DENIED) << reserve.error_message();
  EXPECT_TRUE(absl::StrContains(reserve.error_message(), "peer 'client'"))
      << reserve.error_message();
  // No certificate at all: the handshake fails.
  EXPECT_EQ(Reserve(*Inventory(As("")), "direct-2").error_code(), grpc::StatusCode::UNAVAILABLE);

  order::v1::CreateOrderRequest create;
  create.set_request_id("direct-create");
  create.add_items()->set_product_id(4);
  create.mutable_items(0)->set_quantity(1);
  order::v1::Order created;
  grpc::ClientContext context;
  context.set_deadline(In(absl::Seconds(10)));
  grpc::Status status = Orders(As("client"))->CreateOrder(&context, create, &created);
  EXPECT_EQ(status.error_code(), grpc::StatusCode::PERMISSION_DENIED) << status.error_message();
  EXPECT_EQ(Reservations(), before);
  // Each refusal is counted by the service that refused it.
  EXPECT_GE(Sample(ScrapeMetrics(stack_->inventory_metrics_address()),
                   "ordersaga_peer_denials_total"), 1);
  EXPECT_GE(Sample(ScrapeMetrics(stack_->order_metrics_address()),
                   "ordersaga_peer_denials_total"), 1);

  // The operator's certificate passes the peer allowlist (it reads, stocks
  // products and runs the audit) but calls no saga step (issue 13, defect
  // 4: it could release an approved order's reservation).
  grpc::Status by_operator = Reserve(*Inventory(As("operator")), "operator-1");
  EXPECT_EQ(by_operator.error_code(), grpc::StatusCode::PERMISSION_DENIED)
      << by_operator.error_message();
  EXPECT_TRUE(absl::StrContains(by_operator.error_message(), "only the saga coordinator"))
      << by_operator.error_message();
  inventory::v1::ReleaseRequest release;
  release.set_order_id("operator-1");
  inventory::v1::ReleaseResponse released;
  grpc::ClientContext release_context;
  release_context.set_deadline(In(absl::Seconds(10)));
  EXPECT_EQ(Inventory(As("operator"))->Release(&release_context, release, &released).error_code(),
            grpc::StatusCode::PERMISSION_DENIED);
  EXPECT_EQ(Reservations(), before);
}

// Every saga step, called with the operator's certificate: refused, each one
// (issue 13, defect 4), and nothing written. The coordinator (same CA, its
// own certificate) calls them all in the flash sale below.
TEST_F(TlsE2ETest, EverySagaStepRefusesTheOperatorsCertificate) {
  auto orders = Orders(As("operator"));
  auto inventory = Inventory(As("operator"));
  const int reservations_before = Reservations();
  using Call = std::function<grpc::Status(grpc::ClientContext*)>;
  const std::vector<std::pair<std::string, Call>> steps = {
      {"CreateOrder", [&](grpc::ClientContext* c) {
         order::v1::CreateOrderRequest r;
         r.set_request_id("step-door");
         r.add_items()->set_product_id(4);
         r.mutable_items(0)->set_quantity(1);
         order::v1::Order o;
         return orders->CreateOrder(c, r, &o);
       }},
      {"CreateOrders", [&](grpc::ClientContext* c) {
         order::v1::CreateOrdersRequest r;
         r.add_requests()->set_request_id("step-door-batch");
         order::v1::OrderBatchResponse o;
         return orders->CreateOrders(c, r, &o);
       }},
      {"ApproveOrder", [&](grpc::ClientContext* c) {
         order::v1::ApproveOrderRequest r;
         r.set_order_id("step-door");
         order::v1::Order o;
         return orders->ApproveOrder(c, r, &o);
       }},
      {"ApproveOrders", [&](grpc::ClientContext* c) {
         order::v1::ApproveOrdersRequest r;
         r.add_requests()->set_order_id("step-door");
         order::v1::OrderBatchResponse o;
         return orders->ApproveOrders(c, r, &o);
       }},
      {"RejectOrder", [&](grpc::ClientContext* c) {
         order::v1::RejectOrderRequest r;
         r.set_order_id("step-door");
         r.set_reject_reason(order::v1::REJECT_REASON_OUT_OF_STOCK);
         order::v1::Order o;
         return orders->RejectOrder(c, r, &o);
       }},
      {"MarkCompensating", [&](grpc::ClientContext* c) {
         order::v1::MarkCompensatingRequest r;
         r.set_order_id("step-door");
         r.set_reject_reason(order::v1::REJECT_REASON_OUT_OF_STOCK);
         order::v1::Order o;
         return orders->MarkCompensating(c, r, &o);
       }},
      {"RecordSagaFailure", [&](grpc::ClientContext* c) {
         order::v1::RecordSagaFailureRequest r;
         r.set_order_id("step-door");
         r.set_step("reserve");
         r.set_max_attempts(3);
         r.set_attempt(1);
         order::v1::Order o;
         return orders->RecordSagaFailure(c, r, &o);
       }},
      {"ResumeSaga", [&](grpc::ClientContext* c) {
         order::v1::ResumeSagaRequest r;
         r.set_order_id("step-door");
         order::v1::Order o;
         return orders->ResumeSaga(c, r, &o);
       }},
      {"Reserve", [&](grpc::ClientContext* c) {
         inventory::v1::ReserveRequest r;
         r.set_order_id("step-door");
         r.add_items()->set_product_id(4);
         r.mutable_items(0)->set_quantity(1);
         inventory::v1::ReserveResponse o;
         return inventory->Reserve(c, r, &o);
       }},
      {"ReserveBatch", [&](grpc::ClientContext* c) {
         inventory::v1::ReserveBatchRequest r;
         inventory::v1::ReserveRequest* entry = r.add_requests();
         entry->set_order_id("step-door");
         entry->add_items()->set_product_id(4);
         entry->mutable_items(0)->set_quantity(1);
         inventory::v1::ReserveBatchResponse o;
         return inventory->ReserveBatch(c, r, &o);
       }},
      {"Release", [&](grpc::ClientContext* c) {
         inventory::v1::ReleaseRequest r;
         r.set_order_id("step-door");
         inventory::v1::ReleaseResponse o;
         return inventory->Release(c, r, &o);
       }},
  };
  for (const auto& [method, call] : steps) {
    grpc::ClientContext context;
    context.set_deadline(In(absl::Seconds(10)));
    grpc::Status status = call(&context);
    EXPECT_EQ(status.error_code(), grpc::StatusCode::PERMISSION_DENIED)
        << method << ": " << status.error_message();
    EXPECT_TRUE(absl::StrContains(status.error_message(), method + ": only the saga coordinator"))
        << status.error_message();
  }
  EXPECT_EQ(Reservations(), reservations_before);
  order::v1::GetOrderRequest get;
  get.set_request_id("step-door");
  order::v1::Order order;
  grpc::ClientContext context;
  context.set_deadline(In(absl::Seconds(10)));
  EXPECT_EQ(orders->GetOrder(&context, get, &order).error_code(), grpc::StatusCode::NOT_FOUND);
}

TEST_F(TlsE2ETest, ReferenceFlashSaleApprovesExactlyFifteenWithTlsEverywhere) {
  Upsert(4, 30);
  Upsert(5, 20);
  // A client that verifies the coordinator and presents no certificate.
  auto coordinator = Coordinator(As(""));
  ExpectReferenceFlashSale(*coordinator, *stack_, "tls-flash-");
}

// scripts/grpcurl/ against a TLS stack: with ORDERSAGA_TLS_DIR the scripts
// verify the servers and present the operator's certificate.
TEST_F(TlsE2ETest, GrpcurlScriptsWorkWithTheOperatorCertificate) {
  Upsert(6, 3);
  const bool real = std::system("command -v grpcurl >/dev/null 2>&1") == 0;
  const std::string command = absl::StrCat(
      "ORDERSAGA_TLS_DIR=", stack_->tls_dir(), " INVENTORY_SERVICE_ADDRESS=", stack_->inventory_address(),
      " GRPCURL=", real ? "grpcurl" : GRPCURL_STAND_IN_BINARY, " ", PROJECT_SOURCE_DIR,
      "/scripts/grpcurl/get-product 6 2>&1");
  FILE* pipe = popen(command.c_str(), "r");
  ASSERT_NE(pipe, nullptr);
  std::string output;
  char buffer[4096];
  while (fgets(buffer, sizeof(buffer), pipe) != nullptr) output += buffer;
  EXPECT_EQ(pclose(pipe), 0) << output;
  EXPECT_TRUE(absl::StrContains(output, "product 6")) << output;
}

// Kubernetes' gRPC probes cannot speak TLS: the plaintext health port
// answers the server's status, and nothing else.
TEST_F(TlsE2ETest, PlaintextHealthPortMirrorsTheServerAndServesNothingElse) {
  const std::string address = absl::StrCat("127.0.0.1:", health_port_);
  absl::StatusOr<bool> serving = IsServing(address);  // plaintext
  ASSERT_TRUE(serving.ok()) << serving.status();
  EXPECT_TRUE(*serving);
  auto health = grpc::health::v1::Health::NewStub(
      grpc::CreateChannel(address, grpc::InsecureChannelCredentials()));
  grpc::health::v1::HealthCheckRequest request;
  request.set_service("saga.v1.SagaCoordinator");
  grpc::health::v1::HealthCheckResponse response;
  grpc::ClientContext context;
  context.set_deadline(In(absl::Seconds(5)));
  EXPECT_EQ(health->Check(&context, request, &response).error_code(),
            grpc::StatusCode::NOT_FOUND);
  saga::v1::PlaceOrderResponse placed;
  grpc::ClientContext place_context;
  place_context.set_deadline(In(absl::Seconds(5)));
  EXPECT_EQ(saga::v1::SagaCoordinator::NewStub(
                grpc::CreateChannel(address, grpc::InsecureChannelCredentials()))
                ->PlaceOrder(&place_context, saga::v1::PlaceOrderRequest(), &placed)
                .error_code(),
            grpc::StatusCode::UNIMPLEMENTED);
}

}  // namespace
}  // namespace order_saga::testing
