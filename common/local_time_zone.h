// The process's local time zone, read once instead of on every log line.
//
// With TZ unset, glibc's mktime() re-checks /etc/localtime (a stat system
// call) on every call, and glog calls mktime() for every line it writes
// (measured in docs/BENCHMARKS.md, sixth stop). With TZ set and unchanged,
// glibc reads the zone once.
#pragma once

namespace order_saga {

// If TZ is unset, sets it to ":/etc/localtime", the zone glibc uses when TZ
// is unset, so log timestamps stay as they were; a TZ from the environment
// is kept. A change of /etc/localtime while the process runs is then not
// seen. Call at the start of main, before any other thread starts.
void PinLocalTimeZone();

}  // namespace order_saga
