// Sagas that go on after their PlaceOrder call was answered
// (respond_when_recorded): each on a thread of its own, at most `limit` at
// once. A saga's calls all have deadlines (saga and compensation deadlines),
// so each thread ends on its own; the destructor waits for them, which is
// what lets a shutting-down coordinator finish them instead of dropping them.
// Thread-safe.
#pragma once

#include <functional>
#include <list>
#include <thread>

#include "absl/synchronization/mutex.h"

namespace order_saga::coordinator {

class BackgroundSagas {
 public:
  explicit BackgroundSagas(int limit) : limit_(limit) {}
  // Waits for every saga to end.
  ~BackgroundSagas();

  // Runs `saga` on a new thread, or returns false (and does not run it) if
  // `limit` sagas are already running.
  bool TryRun(std::function<void()> saga);
  int running() const;

 private:
  struct Worker {
    std::thread thread;
    bool done = false;
  };
  // Joins the threads of finished sagas.
  void Reap() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);

  const int limit_;
  mutable absl::Mutex mu_;
  std::list<Worker> workers_ ABSL_GUARDED_BY(mu_);
  int running_ ABSL_GUARDED_BY(mu_) = 0;
};

}  // namespace order_saga::coordinator
