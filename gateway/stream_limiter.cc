#include "gateway/stream_limiter.h"

#include "absl/strings/str_cat.h"

namespace order_saga::gateway {

StreamLimiter::Ticket::~Ticket() { owner_.Release(customer_); }

std::unique_ptr<StreamLimiter::Ticket> StreamLimiter::TryOpen(const std::string& customer,
                                                              std::string* why) {
  absl::MutexLock lock(&mu_);
  if (max_streams_ > 0 && open_ >= max_streams_) {
    *why = absl::StrCat("streams: this gateway has ", open_,
                        " event streams open, its limit (--max_streams); retry later");
    return nullptr;
  }
  if (customer.empty()) {
    // Nobody to count it for (tokens off): only the total applies.
    ++open_;
    return std::unique_ptr<Ticket>(new Ticket(*this, customer));
  }
  int& mine = by_customer_[customer];
  if (max_per_customer_ > 0 && mine >= max_per_customer_) {
    *why = absl::StrCat("streams: ", mine, " event streams are open for this customer, "
                        "the limit (--max_streams_per_customer); close one first");
    if (mine == 0) by_customer_.erase(customer);
    return nullptr;
  }
  ++mine;
  ++open_;
  return std::unique_ptr<Ticket>(new Ticket(*this, customer));
}

void StreamLimiter::Release(const std::string& customer) {
  absl::MutexLock lock(&mu_);
  --open_;
  if (customer.empty()) return;
  auto it = by_customer_.find(customer);
  if (it != by_customer_.end() && --it->second <= 0) by_customer_.erase(it);
}

int StreamLimiter::open() const {
  absl::MutexLock lock(&mu_);
  return open_;
}

}  // namespace order_saga::gateway
