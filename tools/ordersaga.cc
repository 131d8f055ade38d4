// ordersaga: the operator's client tool.
//
//   ordersaga seed-reference   load the reference products (ids 1 to 5)
//   ordersaga flash-sale       fire N concurrent PlaceOrder calls, print the
//                              outcome table and the products afterwards
//   ordersaga products         list products with stock and status
//   ordersaga audit            check the stock invariants across both
//                              services; exit 1 on any violation
//   ordersaga mint-token       print a bearer token signed with
//                              --auth_token_key_file (--subject, --role,
//                              --ttl_s); pass it to any command as --token
//
// Against a stack with TLS (scripts/up --tls) pass --tls_ca_file, and
// --tls_cert_file/--tls_key_file of an identity the servers accept
// (operator).
#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <iostream>
#include <map>
#include <string>
#include <thread>
#include <vector>

#include <gflags/gflags.h>
#include <grpcpp/grpcpp.h>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_split.h"
#include "absl/synchronization/barrier.h"
#include "absl/time/clock.h"
#include "audit/audit_snapshot.h"
#include "common/env_flags.h"
#include "common/auth/authenticator.h"
#include "common/auth/bearer_token_channel.h"
#include "common/tls_config.h"
#include "grpc/health/v1/health.grpc.pb.h"
#include "inventory/v1/inventory.grpc.pb.h"
#include "order/v1/order.grpc.pb.h"
#include "saga/v1/saga.grpc.pb.h"
#include "tools/reference_fixture.h"

DEFINE_string(saga_address, "127.0.0.1:50051", "saga coordinator host:port");
DEFINE_string(order_address, "127.0.0.1:50052", "order service host:port");
DEFINE_string(inventory_address, "127.0.0.1:50053", "inventory service host:port");
DEFINE_int32(recovery_window_ms, 30000,
             "audit: a PENDING order older than this is a violation (the "
             "coordinator's recovery age + sweep interval + saga deadline)");
DEFINE_int32(orders, 200, "flash-sale: number of concurrent orders");
DEFINE_int32(connections, 0,
             "flash-sale: connections the orders are spread over, at most --orders and "
             "1000 (0: one per 50 orders; one HTTP/2 connection carries at most the server's "
             "--max_concurrent_streams calls at once, 100 by default for our servers, and "
             "shoppers do not share one)");
DEFINE_string(items, "4:2,5:1", "flash-sale: line items, PRODUCT:QUANTITY,...");
DEFINE_string(request_prefix, "", "flash-sale: request id prefix (default: random)");
DEFINE_string(show_products, "", "flash-sale: product ids to print afterwards "
              "(default: those of --items)");
DEFINE_int32(timeout_ms, 30000, "deadline of each call");
DEFINE_string(address, "127.0.0.1:50051", "health: the server to probe");
DEFINE_string(token, "", "bearer token sent with every call (mint-token makes one)");
DEFINE_string(subject, "", "mint-token: the token's subject (the customer id)");
DEFINE_string(role, "customer", "mint-token: customer or admin");
DEFINE_int32(ttl_s, 3600, "mint-token: seconds the token is valid");

namespace {

using std::chrono::system_clock;

// What every call of the tool presents (--tls_* flags; plaintext if none).
// A bad TLS flag ends the tool with a message naming it.
std::shared_ptr<grpc::ChannelCredentials> Credentials() {
  static const std::shared_ptr<grpc::ChannelCredentials> credentials = [] {
    absl::StatusOr<order_saga::TlsConfig> tls = order_saga::TlsConfigFromFlags();
    if (!tls.ok()) {
      std::cerr << tls.status().message() << "\n";
      std::exit(2);
    }
    return order_saga::MakeChannelCredentials(*tls);
  }();
  return credentials;
}

// A channel to `address` with the TLS flags and --token.
std::shared_ptr<grpc::Channel> Channel(const std::string& address,
                                       std::shared_ptr<grpc::ChannelCredentials> credentials,
                                       const grpc::ChannelArguments& arguments = {}) {
  return order_saga::CreateChannelWithToken(address, std::move(credentials), FLAGS_token,
                                            arguments);
}

// mint-token: prints a token signed with --auth_token_key_file.
int MintToken() {
  absl::StatusOr<std::unique_ptr<order_saga::Authenticator>> authenticator =
      order_saga::Authenticator::FromFlags();
  if (!authenticator.ok() || *authenticator == nullptr) {
    std::cerr << (authenticator.ok() ? "--auth_token_key_file: required to sign a token"
                                     : std::string(authenticator.status().message()))
              << "\n";
    return 2;
  }
  if (FLAGS_subject.empty() || (FLAGS_role != "customer" && FLAGS_role != "admin")) {
    std::cerr << "mint-token needs --subject and --role=customer|admin\n";
    return 2;
  }
  std::cout << (*authenticator)
                   ->Mint(FLAGS_subject,
                          FLAGS_role == "admin" ? order_saga::Role::kAdmin
                                                : order_saga::Role::kCustomer,
                          absl::Seconds(FLAGS_ttl_s))
            << "\n";
  return 0;
}

system_clock::time_point Deadline() {
  return system_clock::now() + std::chrono::milliseconds(FLAGS_timeout_ms);
}

std::string StatusName(inventory::v1::ProductStatus status) {
  return inventory::v1::ProductStatus_Name(status).substr(strlen("PRODUCT_STATUS_"));
}

// Exit 0 if --address answers SERVING on the standard health service.
int Health() {
  auto stub = grpc::health::v1::Health::NewStub(
      Channel(FLAGS_address, Credentials()));
  grpc::health::v1::HealthCheckRequest request;
  grpc::health::v1::HealthCheckResponse response;
  grpc::ClientContext context;
  context.set_deadline(system_clock::now() + std::chrono::milliseconds(
                                                 std::min(FLAGS_timeout_ms, 2000)));
  grpc::Status status = stub->Check(&context, request, &response);
  if (!status.ok()) {
    std::cerr << FLAGS_address << ": " << status.error_message() << "\n";
    return 1;
  }
  std::cout << FLAGS_address << ": "
            << grpc::health::v1::HealthCheckResponse::ServingStatus_Name(response.status())
            << "\n";
  return response.status() == grpc::health::v1::HealthCheckResponse::SERVING ? 0 : 1;
}

int SeedReference() {
  auto stub = inventory::v1::InventoryService::NewStub(
      Channel(FLAGS_inventory_address, Credentials()));
  for (const auto& fixture : order_saga::tools::ReferenceProducts()) {
    inventory::v1::Product request, response;
    request.set_product_id(fixture.product_id);
    request.set_name(fixture.name);
    request.set_price(fixture.price);
    request.set_stock(fixture.stock);
    grpc::ClientContext context;
    context.set_deadline(Deadline());
    grpc::Status status = stub->UpsertProduct(&context, request, &response);
    if (!status.ok()) {
      std::cerr << "UpsertProduct " << fixture.product_id << ": "
                << status.error_message() << "\n";
      return 1;
    }
    std::cout << absl::StrFormat("product %d stock %d %s  %s\n", response.product_id(),
                                 response.stock(), StatusName(response.status()),
                                 response.name());
  }
  return 0;
}

int PrintProducts(const std::vector<int64_t>& ids) {
  auto stub = inventory::v1::InventoryService::NewStub(
      Channel(FLAGS_inventory_address, Credentials()));
  std::vector<inventory::v1::Product> products;
  if (ids.empty()) {
    std::string token;
    do {
      inventory::v1::ListProductsRequest request;
      inventory::v1::ListProductsResponse response;
      request.set_page_token(token);
      grpc::ClientContext context;
      context.set_deadline(Deadline());
      grpc::Status status = stub->ListProducts(&context, request, &response);
      if (!status.ok()) {
        std::cerr << "ListProducts: " << status.error_message() << "\n";
        return 1;
      }
      products.insert(products.end(), response.products().begin(),
                      response.products().end());
      token = response.next_page_token();
    } while (!token.empty());
  }
  for (int64_t id : ids) {
    inventory::v1::GetProductRequest request;
    inventory::v1::Product response;
    request.set_product_id(id);
    grpc::ClientContext context;
    context.set_deadline(Deadline());
    grpc::Status status = stub->GetProduct(&context, request, &response);
    if (!status.ok()) {
      std::cerr << "GetProduct " << id << ": " << status.error_message() << "\n";
      return 1;
    }
    products.push_back(response);
  }
  std::cout << absl::StrFormat("%6s %8s  %-9s %s\n", "id", "stock", "status", "name");
  for (const auto& p : products) {
    std::cout << absl::StrFormat("%6d %8d  %-9s %s\n", p.product_id(), p.stock(),
                                 StatusName(p.status()), p.name());
  }
  return 0;
}

bool ParseItems(const std::string& text, std::vector<std::pair<int64_t, int32_t>>* items) {
  for (absl::string_view part : absl::StrSplit(text, ',', absl::SkipEmpty())) {
    std::pair<absl::string_view, absl::string_view> pq = absl::StrSplit(part, ':');
    int64_t product = 0;
    int32_t quantity = 0;
    if (!absl::SimpleAtoi(pq.first, &product) || !absl::SimpleAtoi(pq.second, &quantity)) {
      return false;
    }
    items->push_back({product, quantity});
  }
  return !items->empty();
}

double Percentile(std::vector<double> sorted, double p) {
  if (sorted.empty()) return 0;
  size_t index = static_cast<size_t>(p / 100.0 * (sorted.size() - 1) + 0.5);
  return sorted[std::min(index, sorted.size() - 1)];
}

// flash-sale: most connections (each is a file descriptor of the tool's
// and of the server's).
constexpr int kMaxConnections = 1000;

int FlashSale() {
  std::vector<std::pair<int64_t, int32_t>> items;
  if (!ParseItems(FLAGS_items, &items)) {
    std::cerr << "--items: expected PRODUCT:QUANTITY[,PRODUCT:QUANTITY...]\n";
    return 2;
  }
  const int n = FLAGS_orders;
  if (n <= 0) {
    std::cerr << "--orders: must be > 0\n";
    return 2;
  }
  if (FLAGS_connections < 0 || FLAGS_connections > kMaxConnections) {
    std::cerr << "--connections: must be between 0 and " << kMaxConnections
              << " (0: one per 50 orders)\n";
    return 2;
  }
  const std::string prefix = FLAGS_request_prefix.empty()
                                 ? absl::StrCat("flash-", absl::ToUnixNanos(absl::Now()))
                                 : FLAGS_request_prefix;
  // Order i goes over connection i % connections. Each is a connection of
  // its own (not gRPC's shared one per address), opened before the start,
  // so that what is timed is the sale, not a handshake or a wait for a free
  // stream.
  const int connections =
      std::min({n, kMaxConnections,
                FLAGS_connections > 0 ? FLAGS_connections : n / 50 + (n % 50 != 0)});
  std::vector<std::shared_ptr<grpc::Channel>> channels;
  for (int c = 0; c < connections; ++c) {
    grpc::ChannelArguments arguments;
    arguments.SetInt(GRPC_ARG_USE_LOCAL_SUBCHANNEL_POOL, 1);
    channels.push_back(Channel(FLAGS_saga_address, Credentials(), arguments));
    channels.back()->GetState(/*try_to_connect=*/true);
  }
  // A connection not ready by then is said, and the sale goes on: its
  // calls fail with UNAVAILABLE if the server cannot be reached, and are
  // counted as errors; if it is only slow, its handshake is in the timing.
  const system_clock::time_point connected_by =
      system_clock::now() + std::chrono::milliseconds(std::min(FLAGS_timeout_ms, 2000));
  std::vector<std::unique_ptr<saga::v1::SagaCoordinator::Stub>> stubs;
  int not_ready = 0;
  for (const std::shared_ptr<grpc::Channel>& channel : channels) {
    if (!channel->WaitForConnected(connected_by)) ++not_ready;
    stubs.push_back(saga::v1::SagaCoordinator::NewStub(channel));
  }
  if (not_ready > 0) {
    std::cerr << not_ready << " of " << connections << " connections to "
              << FLAGS_saga_address << " not ready before the start\n";
  }

  struct Result {
    grpc::Status status;
    saga::v1::PlaceOrderResponse response;
    absl::Time begin, end;
  };
  std::vector<Result> results(n);
  absl::Barrier* start = new absl::Barrier(n + 1);
  std::vector<std::thread> clients;
  for (int i = 0; i < n; ++i) {
    clients.emplace_back([&, i] {
      saga::v1::PlaceOrderRequest request;
      request.set_request_id(absl::StrCat(prefix, "-", i));
      request.set_customer_id(absl::StrCat("customer-", i));
      for (const auto& [product, quantity] : items) {
        auto* item = request.add_items();
        item->set_product_id(product);
        item->set_quantity(quantity);
      }
      request.mutable_shipping_address()->set_recipient("홍길동");
      request.mutable_shipping_address()->set_line1("서울특별시 중구 세종대로 110");
      grpc::ClientContext context;
      context.set_deadline(Deadline());
      if (start->Block()) delete start;
      results[i].begin = absl::Now();
      results[i].status =
          stubs[i % connections]->PlaceOrder(&context, request, &results[i].response);
      results[i].end = absl::Now();
    });
  }
  if (start->Block()) delete start;
  for (std::thread& client : clients) client.join();
  absl::Time first_begin = absl::InfiniteFuture(), last_end = absl::InfinitePast();
  for (const auto& r : results) {
    first_begin = std::min(first_begin, r.begin);
    last_end = std::max(last_end, r.end);
  }
  const double elapsed_s = absl::ToDoubleSeconds(last_end - first_begin);

  int approved = 0, door = 0, saga_rejected = 0, pending = 0, errors = 0;
  std::map<std::string, int> reasons, error_messages;
  std::vector<double> latencies;
  for (const Result& r : results) {
    latencies.push_back(absl::ToDoubleMilliseconds(r.end - r.begin));
    if (!r.status.ok()) {
      ++errors;
      ++error_messages[absl::StrCat(r.status.error_code(), " ", r.status.error_message())];
      continue;
    }
    const auto& response = r.response;
    switch (response.status()) {
      case order::v1::ORDER_STATUS_APPROVED: ++approved; break;
      case order::v1::ORDER_STATUS_REJECTED:
        ++(response.order_id().empty() ? door : saga_rejected);
        ++reasons[order::v1::RejectReason_Name(response.reject_reason())];
        break;
      default: ++pending; break;
    }
  }
  std::sort(latencies.begin(), latencies.end());
  std::cout << absl::StrFormat("flash sale: %d concurrent orders of {%s} via %s (%d %s)\n",
                               n, FLAGS_items, FLAGS_saga_address, connections,
                               connections == 1 ? "connection" : "connections");
  std::cout << absl::StrFormat("  %-28s %6d\n", "approved", approved);
  std::cout << absl::StrFormat("  %-28s %6d\n", "rejected at the door", door);
  std::cout << absl::StrFormat("  %-28s %6d\n", "rejected by the saga", saga_rejected);
  for (const auto& [reason, count] : reasons) {
    std::cout << absl::StrFormat("    %-26s %6d\n", reason, count);
  }
  std::cout << absl::StrFormat("  %-28s %6d\n", "still pending", pending);
  std::cout << absl::StrFormat("  %-28s %6d\n", "errors", errors);
  for (const auto& [message, count] : error_messages) {
    std::cout << absl::StrFormat("    %dx %s\n", count, message);
  }
  std::cout << absl::StrFormat("  %-28s %9.3f s\n", "elapsed (wall)", elapsed_s);
  std::cout << absl::StrFormat(
      "  latency ms  p50 %.1f  p90 %.1f  p99 %.1f  max %.1f\n", Percentile(latencies, 50),
      Percentile(latencies, 90), Percentile(latencies, 99), latencies.back());
  std::cout << "products afterwards:\n";
  std::vector<int64_t> ids;
  if (FLAGS_show_products.empty()) {
    for (const auto& item : items) ids.push_back(item.first);
  } else {
    for (absl::string_view id : absl::StrSplit(FLAGS_show_products, ',')) {
      int64_t value = 0;
      if (absl::SimpleAtoi(id, &value)) ids.push_back(value);
    }
  }
  const int printed = PrintProducts(ids);
  return errors == 0 && printed == 0 ? 0 : 1;
}

// Reads both services, prints the audit table; exit 1 on any violation.
int Audit() {
  absl::StatusOr<order_saga::audit::Snapshot> snapshot = order_saga::audit::ReadSnapshot(
      Channel(FLAGS_order_address, Credentials()),
      Channel(FLAGS_inventory_address, Credentials()),
      absl::Milliseconds(FLAGS_timeout_ms));
  if (!snapshot.ok()) {
    std::cerr << "audit: cannot read the services: " << snapshot.status() << "\n";
    return 2;
  }
  order_saga::audit::AuditOptions options;
  options.recovery_window = absl::Milliseconds(FLAGS_recovery_window_ms);
  const order_saga::audit::AuditReport report =
      order_saga::audit::AuditStock(*snapshot, options);
  std::cout << order_saga::audit::FormatAuditReport(report);
  return report.clean() ? 0 : 1;
}

}  // namespace

int main(int argc, char** argv) {
  order_saga::ParseFlagsWithEnvironment(
      &argc, &argv,
      "ordersaga COMMAND [flags]\n"
      "  seed-reference  load the reference products (ids 1 to 5)\n"
      "  flash-sale      fire --orders concurrent PlaceOrder calls of --items\n"
      "  products        list products with stock and status\n"
      "  audit           check stock and orders across both services (exit 1 on a\n"
      "                  violation, 2 if a service cannot be read)\n"
      "  health          exit 0 if --address answers SERVING\n"
      "  mint-token      print a bearer token (--subject, --role, --ttl_s) signed with\n"
      "                  --auth_token_key_file; pass it to other commands as --token");
  if (argc != 2) {
    gflags::ShowUsageWithFlagsRestrict(argv[0], "ordersaga");
    return 2;
  }
  const std::string command = argv[1];
  if (command == "seed-reference") return SeedReference();
  if (command == "flash-sale") return FlashSale();
  if (command == "products") return PrintProducts({});
  if (command == "health") return Health();
  if (command == "audit") return Audit();
  if (command == "mint-token") return MintToken();
  std::cerr << "unknown command '" << command << "'; see --help\n";
  return 2;
}
