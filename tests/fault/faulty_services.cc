#include "tests/fault/faulty_services.h"

#include "absl/time/clock.h"

namespace order_saga::testing {
namespace {

// Runs `call` (the real handler) under the plan's fault for `method`.
template <typename Call>
grpc::Status WithFault(FaultPlan& plan, const std::string& method, Call call) {
  absl::Duration delay;
  const Fault fault = plan.Next(method, &delay);
  if (fault == Fault::kFailBefore) {
    return grpc::Status(grpc::StatusCode::UNAVAILABLE, "injected: failed before " + method);
  }
  if (fault == Fault::kFailPermanently) {
    return grpc::Status(grpc::StatusCode::INTERNAL, plan.Message(method));
  }
  if (fault == Fault::kDelay) absl::SleepFor(delay);
  grpc::Status status = call();
  plan.MarkCompleted(method);
  if (fault == Fault::kLoseAnswer) {
    return grpc::Status(grpc::StatusCode::UNAVAILABLE, "injected: answer of " + method + " lost");
  }
  return status;
}

}  // namespace

void FaultPlan::SetMessage(const std::string& method, std::string message) {
  absl::MutexLock lock(&mu_);
  messages_[method] = std::move(message);
}

std::string FaultPlan::Message(const std::string& method) {
  absl::MutexLock lock(&mu_);
  auto it = messages_.find(method);
  return it != messages_.end() ? it->second : "injected: permanent failure of " + method;
}

void FaultPlan::Set(const std::string& method, Fault fault, int times, absl::Duration delay) {
  absl::MutexLock lock(&mu_);
  entries_[method] = {fault, times, delay};
}

Fault FaultPlan::Next(const std::string& method, absl::Duration* delay) {
  absl::MutexLock lock(&mu_);
  ++calls_[method];
  auto it = entries_.find(method);
  if (it == entries_.end() || it->second.times == 0) return Fault::kNone;
  if (it->second.times > 0) --it->second.times;
  *delay = it->second.delay;
  return it->second.fault;
}

int FaultPlan::Calls(const std::string& method) {
  absl::MutexLock lock(&mu_);
  return calls_[method];
}

int FaultPlan::Completed(const std::string& method) {
  absl::MutexLock lock(&mu_);
  return completed_[method];
}

void FaultPlan::MarkCompleted(const std::string& method) {
  absl::MutexLock lock(&mu_);
  ++completed_[method];
}

grpc::Status FaultyInventoryService::Reserve(grpc::ServerContext* context,
                                             const ::inventory::v1::ReserveRequest* request,
                                             ::inventory::v1::ReserveResponse* response) {
  return WithFault(plan_, "Reserve", [&] { return real_.Reserve(context, request, response); });
}

grpc::Status FaultyInventoryService::ReserveBatch(
    grpc::ServerContext* context, const ::inventory::v1::ReserveBatchRequest* request,
    ::inventory::v1::ReserveBatchResponse* response) {
  return WithFault(plan_, "Reserve",
                   [&] { return real_.ReserveBatch(context, request, response); });
}

grpc::Status FaultyInventoryService::Release(grpc::ServerContext* context,
                                             const ::inventory::v1::ReleaseRequest* request,
                                             ::inventory::v1::ReleaseResponse* response) {
  return WithFault(plan_, "Release", [&] { return real_.Release(context, request, response); });
}

grpc::Status FaultyOrderService::CreateOrder(grpc::ServerContext* context,
                                             const ::order::v1::CreateOrderRequest* request,
                                             ::order::v1::Order* response) {
  return WithFault(plan_, "CreateOrder",
                   [&] { return real_.CreateOrder(context, request, response); });
}

grpc::Status FaultyOrderService::ApproveOrder(grpc::ServerContext* context,
                                              const ::order::v1::ApproveOrderRequest* request,
                                              ::order::v1::Order* response) {
  return WithFault(plan_, "ApproveOrder",
                   [&] { return real_.ApproveOrder(context, request, response); });
}

grpc::Status FaultyOrderService::CreateOrders(grpc::ServerContext* context,
                                              const ::order::v1::CreateOrdersRequest* request,
                                              ::order::v1::OrderBatchResponse* response) {
  return WithFault(plan_, "CreateOrder",
                   [&] { return real_.CreateOrders(context, request, response); });
}

grpc::Status FaultyOrderService::ApproveOrders(grpc::ServerContext* context,
                                               const ::order::v1::ApproveOrdersRequest* request,
                                               ::order::v1::OrderBatchResponse* response) {
  return WithFault(plan_, "ApproveOrder",
                   [&] { return real_.ApproveOrders(context, request, response); });
}

grpc::Status FaultyOrderService::RejectOrder(grpc::ServerContext* context,
                                             const ::order::v1::RejectOrderRequest* request,
                                             ::order::v1::Order* response) {
  return WithFault(plan_, "RejectOrder",
                   [&] { return real_.RejectOrder(context, request, response); });
}

grpc::Status FaultyOrderService::MarkCompensating(
    grpc::ServerContext* context, const ::order::v1::MarkCompensatingRequest* request,
    ::order::v1::Order* response) {
  return WithFault(plan_, "MarkCompensating",
                   [&] { return real_.MarkCompensating(context, request, response); });
}

}  // namespace order_saga::testing
