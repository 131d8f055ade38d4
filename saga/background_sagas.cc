#include "saga/background_sagas.h"

namespace order_saga::coordinator {

BackgroundSagas::~BackgroundSagas() {
  std::list<Worker> workers;
  {
    absl::MutexLock lock(&mu_);
    workers.swap(workers_);
  }
  for (Worker& worker : workers) worker.thread.join();
}

bool BackgroundSagas::TryRun(std::function<void()> saga) {
  absl::MutexLock lock(&mu_);
  Reap();
  if (running_ >= limit_) return false;
  ++running_;
  Worker& worker = workers_.emplace_back();
  worker.thread = std::thread([this, &worker, saga = std::move(saga)] {
    saga();
    absl::MutexLock lock(&mu_);
    worker.done = true;
    --running_;
  });
  return true;
}

void BackgroundSagas::Reap() {
  for (auto it = workers_.begin(); it != workers_.end();) {
    if (it->done) {
      it->thread.join();  // it has left the lock: done is its last write
      it = workers_.erase(it);
    } else {
      ++it;
    }
  }
}

int BackgroundSagas::running() const {
  absl::MutexLock lock(&mu_);
  return running_;
}

}  // namespace order_saga::coordinator
