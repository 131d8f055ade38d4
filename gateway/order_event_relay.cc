#include "gateway/order_event_relay.h"

#include "gateway/json_codec.h"
#include "gateway/sse.h"

namespace order_saga::gateway {

namespace {

bool IsFinal(const ::order::v1::Order& order) {
  return order.status() == ::order::v1::ORDER_STATUS_APPROVED ||
         order.status() == ::order::v1::ORDER_STATUS_REJECTED;
}

void Prepare(grpc::ClientContext& context, const std::string& bearer_token) {
  if (!bearer_token.empty()) context.AddMetadata("authorization", "Bearer " + bearer_token);
  // An order service that is restarting (its channel reconnecting) delays
  // the stream's start rather than failing it: EventSource gives up for
  // good on an error status, but waits on a slow answer.
  context.set_wait_for_ready(true);
}

}  // namespace

OrderEventRelay::OrderEventRelay(std::shared_ptr<HttpSession> session, bool one_order,
                                 std::optional<int64_t> resume_after, RelayOptions options,
                                 RelayHooks hooks)
    : session_(std::move(session)),
      one_order_(one_order),
      options_(options),
      hooks_(std::move(hooks)),
      after_(resume_after) {}

std::shared_ptr<OrderEventRelay> OrderEventRelay::ForOrder(
    ::order::v1::WatchOrderRequest request, std::optional<int64_t> resume_after,
    std::shared_ptr<HttpSession> session, RelayOptions options, RelayHooks hooks) {
  std::shared_ptr<OrderEventRelay> relay(new OrderEventRelay(
      std::move(session), /*one_order=*/true, resume_after, options, std::move(hooks)));
  relay->order_request_ = std::move(request);
  return relay;
}

std::shared_ptr<OrderEventRelay> OrderEventRelay::ForOrders(
    ::order::v1::WatchOrdersRequest request, std::shared_ptr<HttpSession> session,
    RelayOptions options, RelayHooks hooks) {
  std::optional<int64_t> after;
  if (request.has_after_event_id()) after = request.after_event_id();
  std::shared_ptr<OrderEventRelay> relay(new OrderEventRelay(
      std::move(session), /*one_order=*/false, after, options, std::move(hooks)));
  relay->orders_request_ = std::move(request);
  return relay;
}

void OrderEventRelay::Start(::order::v1::OrderService::Stub& stub,
                            const std::string& bearer_token) {
  if (started_) return;
  started_ = true;
  self_ = shared_from_this();
  Prepare(context_, bearer_token);
  // A browser that leaves before the stream starts (the upstream slow to
  // answer, or queued behind full connections) frees its slot too.
  std::weak_ptr<OrderEventRelay> weak = weak_from_this();
  session_->WatchForClose([weak] {
    if (std::shared_ptr<OrderEventRelay> relay = weak.lock()) relay->OnBrowserGone();
  });
  if (one_order_) {
    stub.async()->WatchOrder(&context_, &order_request_, this);
  } else {
    stub.async()->WatchOrders(&context_, &orders_request_, this);
  }
  StartRead(&event_);
  StartCall();
}

void OrderEventRelay::OpenStream() {
  StreamHeader header(http::status::ok, 11);
  header.set(http::field::content_type, "text/event-stream");
  header.set(http::field::cache_control, "no-cache");
  header.set("X-Accel-Buffering", "no");
  if (hooks_.decorate) hooks_.decorate(header.base());
  if (hooks_.answered) hooks_.answered(200);
  // The close watch set by Start() goes on.
  session_->StartStream(std::move(header), SseRetry(options_.retry), options_.heartbeat, SsePing(),
                        nullptr);
}

void OrderEventRelay::OnReadInitialMetadataDone(bool ok) {
  // Many orders: the order service sends its metadata once the watch is
  // established (its first outbox read passed), events or not.
  if (!ok || one_order_) return;
  absl::MutexLock lock(&mu_);
  if (answered_ || done_) return;
  answered_ = true;
  OpenStream();
}

void OrderEventRelay::OnReadDone(bool ok) {
  if (!ok) return;  // OnDone follows
  bool cancel = false;
  {
    absl::MutexLock lock(&mu_);
    const int64_t id = event_.event_id();
    const bool final = IsFinal(event_.order());
    if (!answered_) {
      answered_ = true;
      if (one_order_ && final && after_.has_value() && *after_ >= id) {
        // The browser has the final state already: 204 stops EventSource.
        HttpResponse response(http::status::no_content, 11);
        if (hooks_.decorate) hooks_.decorate(response.base());
        if (hooks_.answered) hooks_.answered(204);
        response.keep_alive(false);
        session_->Respond(std::move(response));
        ended_ = true;
        cancel = true;
      } else {
        OpenStream();
      }
    }
    if (!cancel) {
      // Event 0 is an order whose events retention deleted: its state is
      // always sent. Anything at or before the resume position was seen.
      if (!(after_.has_value() && id > 0 && id <= *after_)) {
        session_->Push(SseEvent(id, "order", ToJson(event_.order())));
        if (id > 0) after_ = id;
      }
      if (one_order_ && final) {
        session_->EndStream();
        ended_ = true;
      }
    }
  }
  if (cancel) {
    context_.TryCancel();
    return;
  }
  StartRead(&event_);
}

void OrderEventRelay::OnDone(const grpc::Status& status) {
  {
    absl::MutexLock lock(&mu_);
    done_ = true;
    if (!answered_) {
      answered_ = true;
      if (status.ok()) {
        HttpResponse response(http::status::no_content, 11);
        if (hooks_.decorate) hooks_.decorate(response.base());
        if (hooks_.answered) hooks_.answered(204);
        response.keep_alive(false);
        session_->Respond(std::move(response));
      } else {
        session_->Respond(hooks_.error_response(status));
      }
    } else if (!ended_) {
      // The upstream went away (a replica stopping, a slow-reader cut): the
      // browser reconnects after retry: with its Last-Event-ID.
      session_->EndStream();
      ended_ = true;
    }
  }
  if (hooks_.on_end) hooks_.on_end();
  self_.reset();  // may delete this
}

void OrderEventRelay::OnBrowserGone() {
  bool cancel = false;
  {
    absl::MutexLock lock(&mu_);
    if (done_ || browser_gone_) return;
    browser_gone_ = true;
    cancel = true;
    if (!ended_ && hooks_.on_upstream_cancelled) hooks_.on_upstream_cancelled();
  }
  if (cancel) context_.TryCancel();
}

void OrderEventRelay::Cancel() {
  {
    absl::MutexLock lock(&mu_);
    if (done_) return;
    if (!answered_) {
      // Not started: closed without an answer, so EventSource retries.
      answered_ = true;
      session_->Abort();
    } else if (!ended_) {
      // Started: ended properly (its last chunk); the browser resumes
      // elsewhere from its Last-Event-ID after retry:.
      session_->EndStream();
    }
    ended_ = true;
  }
  context_.TryCancel();
}

}  // namespace order_saga::gateway
