// One browser's event stream: a WatchOrder or WatchOrders call to the order
// service (gRPC callback API, no thread held) relayed to an HttpSession as
// Server-Sent Events. The HTTP answer waits for the upstream's first word:
// its initial metadata (the watch is established: 200 and the stream) or
// its error (410 past retention, 404, 401, ...). A browser that leaves
// cancels the upstream call; an upstream that ends ends the stream, and the
// browser resumes with Last-Event-ID.
#pragma once

#include <atomic>
#include <functional>
#include <memory>
#include <optional>
#include <string>

#include <grpcpp/grpcpp.h>

#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "gateway/http_session.h"
#include "order/v1/order.grpc.pb.h"

namespace order_saga::gateway {

struct RelayOptions {
  absl::Duration retry = absl::Seconds(2);       // the stream's retry: line
  absl::Duration heartbeat = absl::Seconds(15);  // ": ping" when idle
};

// What a relay tells its owner (metrics, limits): once when it ends.
struct RelayHooks {
  // The HTTP answer when the stream could not start (an upstream error).
  std::function<HttpResponse(const grpc::Status&)> error_response;
  // Headers every answer of this request carries (CORS).
  std::function<void(http::fields&)> decorate;
  // The HTTP status the request was answered with (200 for a stream).
  std::function<void(unsigned)> answered;
  std::function<void()> on_end;
  // The browser left (or read too slowly) while the upstream was open.
  std::function<void()> on_upstream_cancelled;
};

class OrderEventRelay final : public grpc::ClientReadReactor<::order::v1::OrderEvent>,
                              public std::enable_shared_from_this<OrderEventRelay> {
 public:
  // One order (WatchOrder): ends after its final state; a resume at or
  // after that final event is answered 204 (EventSource then stops).
  static std::shared_ptr<OrderEventRelay> ForOrder(::order::v1::WatchOrderRequest request,
                                                   std::optional<int64_t> resume_after,
                                                   std::shared_ptr<HttpSession> session,
                                                   RelayOptions options, RelayHooks hooks);
  // Every event of a customer (or all): resumable, never ends by itself.
  static std::shared_ptr<OrderEventRelay> ForOrders(::order::v1::WatchOrdersRequest request,
                                                    std::shared_ptr<HttpSession> session,
                                                    RelayOptions options, RelayHooks hooks);
  // Starts the upstream call; from now on a browser that leaves cancels it.
  // Once: the owner registers the relay first, so Cancel() reaches it.
  void Start(::order::v1::OrderService::Stub& stub, const std::string& bearer_token);

  // Ends the relay from outside (gateway shutdown): the upstream call is
  // cancelled; a started stream is ended with its last chunk, one not yet
  // answered is closed without an answer (EventSource retries either way).
  void Cancel();

  void OnReadInitialMetadataDone(bool ok) override;
  void OnReadDone(bool ok) override;
  void OnDone(const grpc::Status& status) override;

 private:
  OrderEventRelay(std::shared_ptr<HttpSession> session, bool one_order,
                  std::optional<int64_t> resume_after, RelayOptions options, RelayHooks hooks);
  void Begin(const std::string& bearer_token);
  // Sends the 200 and the stream's opening (once).
  void OpenStream();
  void OnBrowserGone();

  std::shared_ptr<HttpSession> session_;
  const bool one_order_;
  const RelayOptions options_;
  RelayHooks hooks_;
  grpc::ClientContext context_;
  ::order::v1::WatchOrderRequest order_request_;
  ::order::v1::WatchOrdersRequest orders_request_;
  bool started_ = false;
  ::order::v1::OrderEvent event_;
  // Keeps the relay alive until OnDone.
  std::shared_ptr<OrderEventRelay> self_;

  absl::Mutex mu_;
  bool answered_ ABSL_GUARDED_BY(mu_) = false;  // 200 (stream) or an error sent
  bool browser_gone_ ABSL_GUARDED_BY(mu_) = false;
  bool done_ ABSL_GUARDED_BY(mu_) = false;
  bool ended_ ABSL_GUARDED_BY(mu_) = false;  // EndStream sent by the relay itself
  // Only events after this are sent (the resume position, then the last sent).
  std::optional<int64_t> after_ ABSL_GUARDED_BY(mu_);
};

}  // namespace order_saga::gateway
