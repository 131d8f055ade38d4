// Limits on open event streams: in all, and per customer (a tab left open
// per device is fine; a script opening thousands is not).
#pragma once

#include <map>
#include <memory>
#include <string>

#include "absl/synchronization/mutex.h"

namespace order_saga::gateway {

class StreamLimiter {
 public:
  // 0 means no limit.
  StreamLimiter(int max_streams, int max_per_customer)
      : max_streams_(max_streams), max_per_customer_(max_per_customer) {}

  // Held while the stream is open; released when destroyed.
  class Ticket {
   public:
    ~Ticket();
    Ticket(const Ticket&) = delete;
    Ticket& operator=(const Ticket&) = delete;

   private:
    friend class StreamLimiter;
    Ticket(StreamLimiter& owner, std::string customer)
        : owner_(owner), customer_(std::move(customer)) {}
    StreamLimiter& owner_;
    const std::string customer_;
  };

  // A ticket, or null with `why` set ("streams: ..." naming the limit).
  // An empty `customer` counts toward the total only.
  std::unique_ptr<Ticket> TryOpen(const std::string& customer, std::string* why);

  int open() const;

 private:
  void Release(const std::string& customer);

  const int max_streams_;
  const int max_per_customer_;
  mutable absl::Mutex mu_;
  int open_ ABSL_GUARDED_BY(mu_) = 0;
  std::map<std::string, int> by_customer_ ABSL_GUARDED_BY(mu_);
};

}  // namespace order_saga::gateway
