// HTTP for the gateway's end-to-end tests, on libcurl: one request and its
// answer, or an event stream read while the test goes on, with the events
// parsed (the WHATWG text/event-stream format).
#pragma once

#include <atomic>
#include <functional>
#include <map>
#include <string>
#include <thread>
#include <vector>

#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"

namespace order_saga::testing {

struct HttpResult {
  long status = 0;  // 0: no answer (error says why)
  long http_version = 0;  // CURL_HTTP_VERSION_1_1 (2) or _2_0 (3)
  std::map<std::string, std::string> headers;  // names in lower case
  std::string body;
  std::string error;
};

struct HttpCallOptions {
  std::string method = "GET";
  std::vector<std::string> headers;  // "Name: value"
  std::string body;
  absl::Duration timeout = absl::Seconds(20);
  bool http2 = false;  // HTTP/2 over TLS (through the edge)
  std::string ca_file;
};

HttpResult HttpCall(const std::string& url, const HttpCallOptions& options = {});

struct SseEventRead {
  std::string id;  // empty if the event had no id field
  std::string event;
  std::string data;
};

// Parses complete events ("...\n\n") from a stream's text; comments (": ping")
// and retry: lines are counted, not returned as events.
struct SseParse {
  std::vector<SseEventRead> events;
  int comments = 0;
  std::string retry;
};
SseParse ParseSse(const std::string& text);

// An event stream read on a thread of its own until the server ends it,
// Close() is called, or the timeout passes.
class SseStream {
 public:
  SseStream(std::string url, HttpCallOptions options);
  ~SseStream();  // Close()s

  // Waits until `done(parsed events)` or the stream ended or `timeout`.
  bool WaitFor(const std::function<bool(const SseParse&)>& done, absl::Duration timeout);
  // Waits until the server ends the stream; false on timeout.
  bool WaitForEnd(absl::Duration timeout);
  // Drops the connection (the browser goes away).
  void Close();

  long status() const;
  std::map<std::string, std::string> headers() const;
  std::string text() const;
  SseParse parsed() const { return ParseSse(text()); }
  bool ended() const;
  // Ended by the server, cleanly (its last chunk arrived), not by an error
  // or Close().
  bool ended_cleanly() const;
  // When the first byte of the body arrived after each event: for latency.
  std::vector<absl::Time> event_arrivals() const;

 private:
  static size_t OnData(char* data, size_t size, size_t count, void* self);
  static size_t OnHeader(char* data, size_t size, size_t count, void* self);
  static int OnProgress(void* self, long, long, long, long);

  const std::string url_;
  const HttpCallOptions options_;
  std::atomic<bool> stop_{false};
  mutable absl::Mutex mu_;
  std::string text_ ABSL_GUARDED_BY(mu_);
  std::map<std::string, std::string> headers_ ABSL_GUARDED_BY(mu_);
  long status_ ABSL_GUARDED_BY(mu_) = 0;
  bool ended_ ABSL_GUARDED_BY(mu_) = false;
  bool clean_ ABSL_GUARDED_BY(mu_) = false;
  std::vector<absl::Time> arrivals_ ABSL_GUARDED_BY(mu_);
  std::thread thread_;
};

}  // namespace order_saga::testing
