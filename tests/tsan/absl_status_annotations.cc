// ThreadSanitizer builds only. An absl::Status with a message shares one
// reference-counted representation between its copies, and the last copy to
// go deletes it. The count lives in Debian's libabsl_status.so, which is not
// compiled with TSan, so TSan sees no order between a copy that one thread
// reads and drops and the delete on another thread, and reports a race on
// the message. This file interposes the exported entry point (the
// executable's definition wins over the library's) and tells TSan what the
// acquire-release decrement guarantees: everything a thread did with a copy
// happens before the delete.
#include <dlfcn.h>
#include <sanitizer/tsan_interface.h>

#include <cstdint>
#include <cstdlib>

#include "absl/status/status.h"

void absl::Status::UnrefNonInlined(uintptr_t rep) {
  using Fn = void (*)(uintptr_t);
  static const Fn real = [] {
    void* symbol = dlsym(RTLD_NEXT, "_ZN4absl7debian36Status15UnrefNonInlinedEm");
    if (symbol == nullptr) std::abort();
    return reinterpret_cast<Fn>(symbol);
  }();
  void* sync = reinterpret_cast<void*>(rep);
  __tsan_release(sync);  // this copy's accesses, for whoever deletes
  __tsan_acquire(sync);  // every other copy's accesses, if this one deletes
  real(rep);
}
