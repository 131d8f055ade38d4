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

std::shared_ptr<OrderEventRelay> OrderEventRelay::WatchOrder(
    ::order::v1::OrderService::Stub& stub, ::order::v1::WatchOrderRequest request,
    std::optional<int64_t> resume_after, std::shared_ptr<HttpSession> session,
    const std::string& bearer_token, RelayOptions options, RelayHooks hooks) {
  std::shared_ptr<OrderEventRelay> relay(new OrderEventRelay(
      std::move(session), /*one_order=*/true, resume_after, options, std::move(hooks)));
  relay->self_ = relay;
  relay->order_request_ = std::move(request);
  Prepare(relay->context_, bearer_token);
  stub.async()->WatchOrder(&relay->context_, &relay->order_request_, relay.get());
  relay->StartRead(&relay->event_);
  relay->StartCall();
  return relay;
}

std::shared_ptr<OrderEventRelay> OrderEventRelay::WatchOrders(
    ::order::v1::OrderService::Stub& stub, ::order::v1::WatchOrdersRequest request,
    std::shared_ptr<HttpSession> session, const std::string& bearer_token, RelayOptions options,
    RelayHooks hooks) {
  std::optional<int64_t> after;
  if (request.has_after_event_id()) after = request.after_event_id();
  std::shared_ptr<OrderEventRelay> relay(new OrderEventRelay(
      std::move(session), /*one_order=*/false, after, options, std::move(hooks)));
  relay->self_ = relay;
  relay->orders_request_ = std::move(request);
  Prepare(relay->context_, bearer_token);
  stub.async()->WatchOrders(&relay->context_, &relay->orders_request_, relay.get());
  relay->StartRead(&relay->event_);
  relay->StartCall();
  return relay;
}

void OrderEventRelay::OpenStream() {
  StreamHeader header(http::status::ok, 11);
  header.set(http::field::content_type, "text/event-stream");
  header.set(http::field::cache_control, "no-cache");
  header.set("X-Accel-Buffering", "no");
  if (hooks_.decorate) hooks_.decorate(header);
  std::weak_ptr<OrderEventRelay> weak = weak_from_this();
  session_->StartStream(std::move(header), SseRetry(options_.retry), options_.heartbeat, SsePing(),
                        [weak] {
                          if (std::shared_ptr<OrderEventRelay> relay = weak.lock()) {
                            relay->OnBrowserGone();
                          }
                        });
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
        StreamHeader decorated;
        if (hooks_.decorate) hooks_.decorate(decorated);
        for (const auto& field : decorated) response.set(field.name_string(), field.value());
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
  }
  context_.TryCancel();
  session_->Abort();
}

}  // namespace order_saga::gateway
