#include "order_service/order_watch_stream.h"

#include <utility>

#include "absl/strings/str_cat.h"
#include "common/grpc_status.h"
#include "order_service/order_proto.h"

namespace order_saga::orders {
namespace {

class RefusedStream final : public grpc::ServerWriteReactor<::order::v1::OrderEvent> {
 public:
  explicit RefusedStream(grpc::Status status) { Finish(std::move(status)); }
  void OnDone() override { delete this; }
};

}  // namespace

// Lock order: the feed's lock, then mu_ (the feed calls OnEvents and OnEnd
// under its lock). gRPC operations are started outside mu_, one write at a
// time; Finish once, when no write is in flight.
class OrderWatchStreams::Stream final : public grpc::ServerWriteReactor<::order::v1::OrderEvent>,
                                        public OrderEventSubscriber {
 public:
  Stream(OrderWatchStreams& owner, bool until_final, std::string customer)
      : owner_(owner),
        until_final_(until_final),
        customer_(std::move(customer)),
        first_delivery_(until_final) {}

  void OnEvents(std::vector<OrderEvent> events) override {
    {
      absl::MutexLock lock(&mu_);
      if (end_.has_value()) return;
      if (first_delivery_) {
        // One order's watch starts with its current state only.
        events.erase(events.begin(), events.end() - 1);
        first_delivery_ = false;
      }
      for (OrderEvent& event : events) queue_.push_back(std::move(event));
      if (queue_.size() > owner_.limits_.max_queued_events) {
        end_ = grpc::Status(grpc::StatusCode::RESOURCE_EXHAUSTED,
                            absl::StrCat("the client reads too slowly: more than ",
                                         owner_.limits_.max_queued_events,
                                         " events waiting; reconnect with after_event_id"));
      }
    }
    Advance();
  }

  void OnEnd(const absl::Status& status) override {
    {
      absl::MutexLock lock(&mu_);
      if (!end_.has_value()) end_ = ToGrpcStatus(status);
    }
    Advance();
  }

  // The watch is established: the client learns it from the initial
  // metadata, before any event (the gateway answers 200 then, or the error
  // it got instead, such as OUT_OF_RANGE past retention).
  void OnCaughtUp() override {
    {
      absl::MutexLock lock(&mu_);
      if (metadata_sent_) return;
      metadata_wanted_ = true;
    }
    Advance();
  }

  void OnSendInitialMetadataDone(bool ok) override {
    {
      absl::MutexLock lock(&mu_);
      writing_ = false;
      if (!ok && !end_.has_value()) {
        end_ = grpc::Status(grpc::StatusCode::CANCELLED, "stream broken");
      }
    }
    Advance();
  }

  void OnWriteDone(bool ok) override {
    {
      absl::MutexLock lock(&mu_);
      writing_ = false;
      if (!ok && !end_.has_value()) {
        end_ = grpc::Status(grpc::StatusCode::CANCELLED, "stream broken");
      }
      if (until_final_ && written_final_ && !end_.has_value()) end_ = grpc::Status::OK;
    }
    Advance();
  }

  void OnCancel() override {
    {
      absl::MutexLock lock(&mu_);
      if (!end_.has_value()) end_ = grpc::Status(grpc::StatusCode::CANCELLED, "cancelled");
    }
    Advance();
  }

  void OnDone() override {
    owner_.feed_.Unsubscribe(this);
    owner_.open_.fetch_sub(1);
    if (!customer_.empty()) {
      absl::MutexLock lock(&owner_.owners_mu_);
      if (--owner_.open_by_owner_[customer_] == 0) owner_.open_by_owner_.erase(customer_);
    }
    if (owner_.open_gauge_ != nullptr) owner_.open_gauge_->Decrement();
    delete this;
  }

 private:
  // Starts the next write, or finishes the stream once it has ended.
  void Advance() {
    std::optional<grpc::Status> finish;
    bool metadata = false;
    {
      absl::MutexLock lock(&mu_);
      if (writing_ || finished_) return;
      if (end_.has_value()) {
        finished_ = true;
        finish = *end_;
      } else if (metadata_wanted_ && !metadata_sent_) {
        // One operation at a time: the metadata goes out on its own, first.
        metadata_sent_ = true;
        writing_ = true;
        metadata = true;
      } else if (!queue_.empty()) {
        metadata_sent_ = true;  // with the first write
        const OrderEvent& event = queue_.front();
        response_.Clear();
        response_.set_event_id(event.event_id);
        OrderToProto(event.order, owner_.clock_.Now(), response_.mutable_order());
        written_final_ = event.order.status != OrderStatus::kPending;
        queue_.pop_front();
        writing_ = true;
      } else {
        return;
      }
    }
    if (finish.has_value()) {
      Finish(*finish);
    } else if (metadata) {
      StartSendInitialMetadata();
    } else {
      if (owner_.events_sent_ != nullptr) owner_.events_sent_->Increment();
      StartWrite(&response_);
    }
  }

  OrderWatchStreams& owner_;
  const bool until_final_;
  const std::string customer_;
  absl::Mutex mu_;
  bool first_delivery_ ABSL_GUARDED_BY(mu_);
  std::deque<OrderEvent> queue_ ABSL_GUARDED_BY(mu_);
  ::order::v1::OrderEvent response_;  // owned by the write in flight
  bool writing_ ABSL_GUARDED_BY(mu_) = false;
  bool written_final_ ABSL_GUARDED_BY(mu_) = false;
  bool metadata_wanted_ ABSL_GUARDED_BY(mu_) = false;
  bool metadata_sent_ ABSL_GUARDED_BY(mu_) = false;
  bool finished_ ABSL_GUARDED_BY(mu_) = false;
  std::optional<grpc::Status> end_ ABSL_GUARDED_BY(mu_);
};

OrderWatchStreams::OrderWatchStreams(OrderEventFeed& feed, const Clock& clock, Limits limits,
                                     prometheus::Registry* registry)
    : feed_(feed), clock_(clock), limits_(limits) {
  if (registry == nullptr) return;
  open_gauge_ = &prometheus::BuildGauge()
                     .Name("ordersaga_watch_streams")
                     .Help("WatchOrder and WatchOrders streams open now")
                     .Register(*registry)
                     .Add({});
  events_sent_ = &prometheus::BuildCounter()
                      .Name("ordersaga_watch_events_sent_total")
                      .Help("Order events written to watch streams")
                      .Register(*registry)
                      .Add({});
}

grpc::ServerWriteReactor<::order::v1::OrderEvent>* OrderWatchStreams::Open(
    OrderEventSubscription subscription, bool until_final, const std::string& owner) {
  if (!owner.empty() && limits_.max_streams_per_customer > 0) {
    absl::MutexLock lock(&owners_mu_);
    int& open = open_by_owner_[owner];
    if (open >= limits_.max_streams_per_customer) {
      if (open == 0) open_by_owner_.erase(owner);
      return Refuse(grpc::Status(
          grpc::StatusCode::RESOURCE_EXHAUSTED,
          absl::StrCat("'", owner, "' already has ", limits_.max_streams_per_customer,
                       " watch streams open (--max_watch_streams_per_customer)")));
    }
    ++open;
  }
  if (open_.fetch_add(1) >= limits_.max_streams) {
    open_.fetch_sub(1);
    if (!owner.empty() && limits_.max_streams_per_customer > 0) {
      absl::MutexLock lock(&owners_mu_);
      if (--open_by_owner_[owner] == 0) open_by_owner_.erase(owner);
    }
    return Refuse(grpc::Status(
        grpc::StatusCode::RESOURCE_EXHAUSTED,
        absl::StrCat("this server already has ", limits_.max_streams,
                     " watch streams open (--max_watch_streams); retry later or elsewhere")));
  }
  if (open_gauge_ != nullptr) open_gauge_->Increment();
  auto* stream = new Stream(
      *this, until_final, limits_.max_streams_per_customer > 0 ? owner : std::string());
  feed_.Subscribe(stream, std::move(subscription));
  return stream;
}

grpc::ServerWriteReactor<::order::v1::OrderEvent>* OrderWatchStreams::Refuse(
    grpc::Status status) {
  return new RefusedStream(std::move(status));
}

}  // namespace order_saga::orders
