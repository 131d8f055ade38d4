// The HTTP/JSON gateway's handler: every endpoint of DESIGN.md "HTTP and
// Server-Sent Events", from a parsed request (request_mapping.h) to a gRPC
// call on the callback API and back to JSON, with the error mapping, the
// bearer token or session cookie, CORS, and the event streams
// (OrderEventRelay) under their limits.
#pragma once

#include <atomic>
#include <memory>
#include <map>
#include <set>
#include <string>
#include <vector>

#include <grpcpp/channel.h>
#include <prometheus/counter.h>
#include <prometheus/gauge.h>
#include <prometheus/registry.h>

#include "absl/synchronization/mutex.h"
#include "common/auth/authenticator.h"
#include "gateway/http_session.h"
#include "gateway/order_event_relay.h"
#include "gateway/request_mapping.h"
#include "gateway/static_files.h"
#include "gateway/stream_limiter.h"
#include "grpc/health/v1/health.grpc.pb.h"
#include "inventory/v1/inventory.grpc.pb.h"
#include "order/v1/order.grpc.pb.h"
#include "saga/v1/saga.grpc.pb.h"

namespace order_saga::gateway {

// HTTP status for a gRPC code, as DESIGN.md maps them.
unsigned HttpStatusFor(grpc::StatusCode code);

struct GatewayOptions {
  // Deadline of each unary call upstream (PlaceOrder waits for the saga).
  absl::Duration call_timeout = absl::Seconds(15);
  RelayOptions relay;
  // One gateway's share of the order service: --watch_connections (8) x
  // its --max_concurrent_streams (100).
  int max_streams = 800;
  int max_streams_per_customer = 8;
  // Exact origins allowed to call from another site; empty: CORS off.
  std::vector<std::string> cors_origins;
  // The session cookie gets Secure (always; or when the request came over
  // TLS as X-Forwarded-Proto: https says).
  bool secure_cookie = false;
  // Tokens on; must outlive the gateway. Null: authentication off.
  const Authenticator* authenticator = nullptr;
};

class HttpGateway final : public RequestHandler {
 public:
  static constexpr const char* kSessionCookie = "ordersaga_session";

  // `files` and `registry` (may be null) must outlive the gateway. The
  // event streams go over `watch_channels` in turn (a pool of connections
  // to the order service: each carries at most its server's concurrent
  // streams); empty: over `order_service`.
  HttpGateway(std::shared_ptr<grpc::Channel> coordinator,
              std::shared_ptr<grpc::Channel> order_service,
              std::shared_ptr<grpc::Channel> inventory_service, const StaticFiles& files,
              GatewayOptions options, prometheus::Registry* registry,
              std::vector<std::shared_ptr<grpc::Channel>> watch_channels = {});
  ~HttpGateway() override;

  void Handle(std::shared_ptr<HttpSession> session, HttpRequest request) override;
  HttpResponse ErrorResponse(unsigned http_status, int grpc_code,
                             const std::string& message) override;

  // Draining: /readyz answers 503, so load balancers move on.
  void StopAccepting() { draining_ = true; }
  // Ends every open stream (browsers resume elsewhere with Last-Event-ID)
  // and waits up to `timeout` for their upstream calls to end.
  void EndStreams(absl::Duration timeout);
  // Cancels the unary calls still running upstream (their requests are
  // answered with the cancellation) and waits up to `timeout` until no
  // request is in flight. Called once the grace period is over.
  void CancelCalls(absl::Duration timeout);
  int open_streams() const { return limiter_.open(); }
  // Requests not yet answered (streams not counted once they started).
  int in_flight() const { return in_flight_.load(); }

 private:
  struct Call;  // one request in flight
  struct Credentials {
    Principal principal;
    std::string token;  // forwarded upstream; empty with tokens off
  };

  void Dispatch(const std::shared_ptr<Call>& call, MappedRequest mapped);
  // The caller, or an error answer already sent.
  std::optional<Credentials> Authenticate(const std::shared_ptr<Call>& call,
                                          bool cookie_allowed);
  void Reply(const std::shared_ptr<Call>& call, HttpResponse response);
  void ReplyJson(const std::shared_ptr<Call>& call, const google::protobuf::Message& message);
  void ReplyError(const std::shared_ptr<Call>& call, unsigned http_status, int grpc_code,
                  const std::string& message,
                  const std::vector<std::pair<std::string, std::string>>& headers = {});
  void ReplyStatus(const std::shared_ptr<Call>& call, const grpc::Status& status,
                   bool hide_foreign_order);
  static void HideForeignOrder(bool order_read, grpc::StatusCode& code, std::string& message);
  void Preflight(const std::shared_ptr<Call>& call);
  void Session(const std::shared_ptr<Call>& call, bool create);
  void Ready(const std::shared_ptr<Call>& call);
  void Stream(const std::shared_ptr<Call>& call, const Credentials& credentials,
              MappedRequest mapped);
  // CORS headers for an allowed Origin.
  void Decorate(const Call& call, http::fields& fields) const;
  void Count(const Call& call, unsigned http_status);
  template <typename Request, typename Response, typename Start>
  void Unary(const std::shared_ptr<Call>& call, const Credentials& credentials,
             Request request, Start start, bool hide_foreign_order);

  const StaticFiles& files_;
  const GatewayOptions options_;
  std::unique_ptr<::saga::v1::SagaCoordinator::Stub> coordinator_;
  std::unique_ptr<::order::v1::OrderService::Stub> orders_;
  std::vector<std::unique_ptr<::order::v1::OrderService::Stub>> watchers_;
  std::atomic<uint64_t> next_watcher_{0};
  std::unique_ptr<::inventory::v1::InventoryService::Stub> inventory_;
  std::unique_ptr<::grpc::health::v1::Health::Stub> coordinator_health_;
  std::unique_ptr<::grpc::health::v1::Health::Stub> order_health_;
  StreamLimiter limiter_;
  std::atomic<bool> draining_{false};
  std::atomic<int> in_flight_{0};
  absl::Mutex calls_mu_;
  std::set<grpc::ClientContext*> calls_ ABSL_GUARDED_BY(calls_mu_);

  std::atomic<uint64_t> next_relay_id_{1};
  absl::Mutex relays_mu_;
  std::map<uint64_t, std::weak_ptr<OrderEventRelay>> relays_ ABSL_GUARDED_BY(relays_mu_);

  prometheus::Family<prometheus::Counter>* requests_ = nullptr;
  prometheus::Gauge* streams_open_ = nullptr;
  prometheus::Counter* upstream_cancelled_ = nullptr;
  prometheus::Counter* streams_refused_ = nullptr;
};

}  // namespace order_saga::gateway
