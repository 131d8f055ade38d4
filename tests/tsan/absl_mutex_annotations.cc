// ThreadSanitizer builds only. Debian's Abseil is not compiled with TSan, so
// TSan cannot see absl::Mutex and reports every access it guards as a race.
// This file interposes the exported absl::Mutex entry points (the
// executable's definitions win over libabsl_synchronization.so's, also for
// the library's own calls through the PLT), and brackets the real ones with
// TSan's mutex annotations, as Abseil does itself when built with TSan.
// Inside Await the mutex is released and retaken (and conditions are
// evaluated under it): TSan is told "unlocked" before and "locked" after,
// with the wait itself inside the lock operation.
#include <dlfcn.h>
#include <sanitizer/tsan_interface.h>

#include <cstdlib>

#include "absl/synchronization/mutex.h"

namespace {

template <typename Fn>
Fn Real(const char* mangled) {
  void* symbol = dlsym(RTLD_NEXT, mangled);
  if (symbol == nullptr) std::abort();
  return reinterpret_cast<Fn>(symbol);
}

using Mutex = absl::Mutex;
using Condition = absl::Condition;

// Interposed calls in progress on this thread: the library's own calls
// between its entry points (AwaitWithTimeout -> AwaitWithDeadline) come
// through here too, and only the outermost one is annotated.
thread_local int depth = 0;

// Runs `call` inside the annotations `before` and `after` unless this thread
// is already inside an interposed call.
template <typename Before, typename Call, typename After>
auto Annotated(Before before, Call call, After after) {
  if (depth > 0) return call();
  before();
  ++depth;
  auto result = call();
  --depth;
  after(result);
  return result;
}

}  // namespace

#define ORDER_SAGA_REAL(type, mangled)                   \
  static const auto real = Real<type>(mangled)

void Mutex::Lock() {
  ORDER_SAGA_REAL(void (*)(Mutex*), "_ZN4absl7debian35Mutex4LockEv");
  Annotated([&] { __tsan_mutex_pre_lock(this, 0); },
            [&] { real(this); return true; },
            [&](bool) { __tsan_mutex_post_lock(this, 0, 0); });
}

void Mutex::ReaderLock() {
  ORDER_SAGA_REAL(void (*)(Mutex*), "_ZN4absl7debian35Mutex10ReaderLockEv");
  Annotated([&] { __tsan_mutex_pre_lock(this, __tsan_mutex_read_lock); },
            [&] { real(this); return true; },
            [&](bool) { __tsan_mutex_post_lock(this, __tsan_mutex_read_lock, 0); });
}

bool Mutex::TryLock() {
  ORDER_SAGA_REAL(bool (*)(Mutex*), "_ZN4absl7debian35Mutex7TryLockEv");
  return Annotated([&] { __tsan_mutex_pre_lock(this, __tsan_mutex_try_lock); },
                   [&] { return real(this); },
                   [&](bool locked) {
                     __tsan_mutex_post_lock(
                         this,
                         __tsan_mutex_try_lock | (locked ? 0 : __tsan_mutex_try_lock_failed),
                         0);
                   });
}

void Mutex::Unlock() {
  ORDER_SAGA_REAL(void (*)(Mutex*), "_ZN4absl7debian35Mutex6UnlockEv");
  Annotated([&] { __tsan_mutex_pre_unlock(this, 0); },
            [&] { real(this); return true; },
            [&](bool) { __tsan_mutex_post_unlock(this, 0); });
}

void Mutex::ReaderUnlock() {
  ORDER_SAGA_REAL(void (*)(Mutex*), "_ZN4absl7debian35Mutex12ReaderUnlockEv");
  Annotated([&] { __tsan_mutex_pre_unlock(this, __tsan_mutex_read_lock); },
            [&] { real(this); return true; },
            [&](bool) { __tsan_mutex_post_unlock(this, __tsan_mutex_read_lock); });
}

void Mutex::LockWhen(const Condition& cond) {
  ORDER_SAGA_REAL(void (*)(Mutex*, const Condition&),
                  "_ZN4absl7debian35Mutex8LockWhenERKNS0_9ConditionE");
  Annotated([&] { __tsan_mutex_pre_lock(this, 0); },
            [&] { real(this, cond); return true; },
            [&](bool) { __tsan_mutex_post_lock(this, 0, 0); });
}

namespace {

// Runs `wait` (which releases and retakes `mu`) as an unlock followed by a
// lock operation; the wait itself is inside the lock operation.
template <typename Wait>
bool AsUnlockThenLock(Mutex* mu, Wait wait) {
  return Annotated(
      [&] {
        __tsan_mutex_pre_unlock(mu, 0);
        __tsan_mutex_post_unlock(mu, 0);
        __tsan_mutex_pre_lock(mu, 0);
      },
      wait, [&](bool) { __tsan_mutex_post_lock(mu, 0, 0); });
}

}  // namespace

void Mutex::Await(const Condition& cond) {
  ORDER_SAGA_REAL(void (*)(Mutex*, const Condition&),
                  "_ZN4absl7debian35Mutex5AwaitERKNS0_9ConditionE");
  AsUnlockThenLock(this, [&] {
    real(this, cond);
    return true;
  });
}

bool Mutex::AwaitWithTimeout(const Condition& cond, absl::Duration timeout) {
  ORDER_SAGA_REAL(bool (*)(Mutex*, const Condition&, absl::Duration),
                  "_ZN4absl7debian35Mutex16AwaitWithTimeoutERKNS0_9ConditionENS0_8DurationE");
  return AsUnlockThenLock(this, [&] { return real(this, cond, timeout); });
}

bool Mutex::AwaitWithDeadline(const Condition& cond, absl::Time deadline) {
  ORDER_SAGA_REAL(bool (*)(Mutex*, const Condition&, absl::Time),
                  "_ZN4absl7debian35Mutex17AwaitWithDeadlineERKNS0_9ConditionENS0_4TimeE");
  return AsUnlockThenLock(this, [&] { return real(this, cond, deadline); });
}
