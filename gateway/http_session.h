// One HTTP/1.1 connection on Boost.Beast: reads requests under a size limit
// and a time limit, hands each to the RequestHandler, and writes its answer:
// one response, or a chunked stream of Server-Sent Events. Everything runs
// on the connection's strand; the thread-safe methods post to it, so an
// open stream costs a socket and its queue, never a thread.
#pragma once

#include <chrono>
#include <deque>
#include <functional>
#include <memory>
#include <optional>
#include <string>

#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/http.hpp>

#include "absl/time/time.h"

namespace order_saga::gateway {

namespace http = boost::beast::http;
using HttpRequest = http::request<http::string_body>;
using HttpResponse = http::response<http::string_body>;
using StreamHeader = http::response<http::empty_body>;

struct HttpLimits {
  // Request line and headers, in bytes (431 beyond).
  size_t max_header_bytes = 16 * 1024;
  // Request body, in bytes (413 beyond).
  size_t max_body_bytes = 64 * 1024;
  // A whole request (headers and body) must arrive within this, counted from
  // its first byte's wait; a client that sends one byte a second gets 408.
  // An idle keep-alive connection is closed after it without a word.
  absl::Duration request_timeout = absl::Seconds(10);
  // One write that the client does not take within this closes the
  // connection (a reader that stalls).
  absl::Duration write_timeout = absl::Seconds(30);
  // Stream chunks waiting for a slow reader; one more closes the stream
  // (the browser resumes from its last event id, missing nothing).
  size_t max_queued_chunks = 1024;
};

class HttpSession;

class RequestHandler {
 public:
  virtual ~RequestHandler() = default;
  // Called on the session's strand. The handler answers later, from any
  // thread, with Respond() or StartStream(); `session` stays alive while it
  // holds the pointer.
  virtual void Handle(std::shared_ptr<HttpSession> session, HttpRequest request) = 0;
  // A refused request (too large, too slow, malformed) in the handler's
  // error format; keep_alive is set by the session.
  virtual HttpResponse ErrorResponse(unsigned http_status, int grpc_code,
                                     const std::string& message) = 0;
};

class HttpSession : public std::enable_shared_from_this<HttpSession> {
 public:
  // `handler` must outlive every session.
  HttpSession(boost::asio::ip::tcp::socket socket, RequestHandler& handler,
              const HttpLimits& limits);
  ~HttpSession();

  void Start();

  // The answer to the current request. Thread-safe; once per request.
  void Respond(HttpResponse response);
  // Answers the current request with a stream: `header` (sent chunked),
  // then `first` (the retry: line, say), then each Push() in order. Every
  // `heartbeat` without a write, `ping` is written. `on_close` runs once on
  // the strand when the stream ends for any reason: the client went away,
  // read too slowly, EndStream(), or the gateway stops. Thread-safe.
  void StartStream(StreamHeader header, std::string first, absl::Duration heartbeat,
                   std::string ping, std::function<void()> on_close);
  // For a request answered later with a stream: from now on a client that
  // closes its connection is noticed (it sends nothing more), and
  // `on_close` runs once on the strand, also if the stream never started.
  // StartStream's own `on_close` then replaces it. Thread-safe.
  void WatchForClose(std::function<void()> on_close);
  // Queues a chunk of the stream. Thread-safe; ignored once it has ended.
  void Push(std::string chunk);
  // Writes what is queued, then the last chunk, and closes. Thread-safe.
  void EndStream();
  // Closes the connection now (gateway shutdown). Thread-safe.
  void Abort();

  const std::string& remote_address() const { return remote_address_; }

 private:
  void ReadRequest();
  void OnRead(boost::system::error_code error);
  void OnRequestTimeout();
  void Refuse(unsigned http_status, int grpc_code, const std::string& message);
  void Write(std::shared_ptr<HttpResponse> response);
  void BeginStream(std::shared_ptr<StreamHeader> header, std::string first);
  void WatchForDisconnect();
  void Heartbeat();
  void Enqueue(std::string chunk);
  void WriteChunks();
  void ArmWriteTimer();
  void Close();

  boost::asio::ip::tcp::socket socket_;
  RequestHandler& handler_;
  const HttpLimits limits_;
  std::string remote_address_;
  boost::beast::flat_buffer buffer_;
  std::optional<http::request_parser<http::string_body>> parser_;
  boost::asio::steady_timer request_timer_;
  boost::asio::steady_timer write_timer_;
  boost::asio::steady_timer heartbeat_timer_;
  bool timed_out_ = false;
  bool closed_ = false;
  // The stream, once started.
  bool streaming_ = false;
  bool header_written_ = false;
  bool writing_ = false;
  bool end_requested_ = false;
  bool probing_ = false;  // a read waits for the client's close
  std::deque<std::string> queue_;
  std::shared_ptr<StreamHeader> stream_header_;
  std::shared_ptr<http::response_serializer<http::empty_body>> serializer_;
  absl::Duration heartbeat_ = absl::Seconds(15);
  std::string ping_;
  std::chrono::steady_clock::time_point last_write_;
  std::function<void()> on_close_;
  char probe_[64];
};

}  // namespace order_saga::gateway
