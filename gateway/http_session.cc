#include "gateway/http_session.h"

#include <boost/asio/dispatch.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/write.hpp>

#include "absl/strings/str_cat.h"

namespace order_saga::gateway {

namespace net = boost::asio;
using boost::system::error_code;

namespace {

std::chrono::steady_clock::duration ToChrono(absl::Duration d) {
  return absl::ToChronoNanoseconds(d);
}

}  // namespace

HttpSession::HttpSession(net::ip::tcp::socket socket, RequestHandler& handler,
                         const HttpLimits& limits)
    : socket_(std::move(socket)),
      handler_(handler),
      limits_(limits),
      request_timer_(socket_.get_executor()),
      write_timer_(socket_.get_executor()),
      heartbeat_timer_(socket_.get_executor()) {
  error_code ignored;
  const net::ip::tcp::endpoint peer = socket_.remote_endpoint(ignored);
  remote_address_ = ignored ? "unknown" : absl::StrCat(peer.address().to_string(), ":", peer.port());
  // Events go out as they come: no Nagle delay on a stream.
  socket_.set_option(net::ip::tcp::no_delay(true), ignored);
}

HttpSession::~HttpSession() = default;

void HttpSession::Start() {
  net::dispatch(socket_.get_executor(), [self = shared_from_this()] { self->ReadRequest(); });
}

void HttpSession::ReadRequest() {
  if (closed_) return;
  parser_.emplace();
  parser_->header_limit(static_cast<std::uint32_t>(limits_.max_header_bytes));
  parser_->body_limit(limits_.max_body_bytes);
  timed_out_ = false;
  request_timer_.expires_after(ToChrono(limits_.request_timeout));
  request_timer_.async_wait([self = shared_from_this()](error_code error) {
    if (!error) self->OnRequestTimeout();
  });
  http::async_read(socket_, buffer_, *parser_,
                   [self = shared_from_this()](error_code error, std::size_t) {
                     self->OnRead(error);
                   });
}

void HttpSession::OnRequestTimeout() {
  timed_out_ = true;
  error_code ignored;
  socket_.cancel(ignored);  // OnRead sees operation_aborted
}

void HttpSession::OnRead(error_code error) {
  request_timer_.cancel();
  if (closed_) return;
  if (timed_out_) {
    // Something arrived but not a whole request: tell the client why.
    if (parser_->got_some() || buffer_.size() > 0) {
      Refuse(408, 4,
             absl::StrCat("request: not received within ",
                          absl::FormatDuration(limits_.request_timeout)));
    } else {
      Close();
    }
    return;
  }
  if (error == http::error::end_of_stream || error == net::error::eof ||
      error == net::error::connection_reset || error == net::error::operation_aborted) {
    Close();
    return;
  }
  if (error == http::error::header_limit) {
    Refuse(431, 3,
           absl::StrCat("headers: larger than ", limits_.max_header_bytes, " bytes"));
    return;
  }
  if (error == http::error::body_limit) {
    Refuse(413, 3, absl::StrCat("body: larger than ", limits_.max_body_bytes, " bytes"));
    return;
  }
  if (error) {
    Refuse(400, 3, absl::StrCat("request: not valid HTTP/1.1 (", error.message(), ")"));
    return;
  }
  HttpRequest request = parser_->release();
  handler_.Handle(shared_from_this(), std::move(request));
}

void HttpSession::Refuse(unsigned http_status, int grpc_code, const std::string& message) {
  HttpResponse response = handler_.ErrorResponse(http_status, grpc_code, message);
  response.keep_alive(false);
  Write(std::make_shared<HttpResponse>(std::move(response)));
}

void HttpSession::Respond(HttpResponse response) {
  auto shared = std::make_shared<HttpResponse>(std::move(response));
  net::post(socket_.get_executor(),
            [self = shared_from_this(), shared]() mutable { self->Write(std::move(shared)); });
}

void HttpSession::Write(std::shared_ptr<HttpResponse> response) {
  if (closed_) return;
  response->prepare_payload();
  ArmWriteTimer();
  http::async_write(socket_, *response,
                    [self = shared_from_this(), response](error_code error, std::size_t) {
                      self->write_timer_.cancel();
                      if (error || !response->keep_alive()) {
                        self->Close();
                        return;
                      }
                      self->ReadRequest();
                    });
}

void HttpSession::ArmWriteTimer() {
  write_timer_.expires_after(ToChrono(limits_.write_timeout));
  write_timer_.async_wait([self = shared_from_this()](error_code error) {
    if (!error) self->Close();
  });
}

void HttpSession::StartStream(StreamHeader header, std::string first, absl::Duration heartbeat,
                              std::string ping, std::function<void()> on_close) {
  auto shared = std::make_shared<StreamHeader>(std::move(header));
  net::post(socket_.get_executor(),
            [self = shared_from_this(), shared, first = std::move(first), heartbeat,
             ping = std::move(ping), on_close = std::move(on_close)]() mutable {
              self->heartbeat_ = heartbeat;
              self->ping_ = std::move(ping);
              if (on_close) self->on_close_ = std::move(on_close);
              if (self->closed_) {
                // The client left before the stream began.
                auto done = std::move(self->on_close_);
                if (done) done();
                return;
              }
              self->BeginStream(std::move(shared), std::move(first));
            });
}

void HttpSession::BeginStream(std::shared_ptr<StreamHeader> header, std::string first) {
  streaming_ = true;
  stream_header_ = std::move(header);
  stream_header_->chunked(true);
  stream_header_->keep_alive(false);
  serializer_ = std::make_shared<http::response_serializer<http::empty_body>>(*stream_header_);
  if (!first.empty()) queue_.push_back(std::move(first));
  writing_ = true;
  ArmWriteTimer();
  http::async_write_header(socket_, *serializer_,
                           [self = shared_from_this()](error_code error, std::size_t) {
                             self->write_timer_.cancel();
                             self->writing_ = false;
                             if (error) {
                               self->Close();
                               return;
                             }
                             self->header_written_ = true;
                             self->last_write_ = std::chrono::steady_clock::now();
                             self->WatchForDisconnect();
                             self->Heartbeat();
                             self->WriteChunks();
                           });
}

void HttpSession::WatchForClose(std::function<void()> on_close) {
  net::post(socket_.get_executor(), [self = shared_from_this(), on_close = std::move(on_close)]() mutable {
    self->on_close_ = std::move(on_close);
    if (self->closed_) {
      auto done = std::move(self->on_close_);
      self->on_close_ = nullptr;
      if (done) done();
      return;
    }
    self->WatchForDisconnect();
  });
}

void HttpSession::WatchForDisconnect() {
  // A browser sends nothing more on a stream: a read that completes means
  // it closed the connection (or broke the protocol); either ends it.
  if (probing_ || closed_) return;
  probing_ = true;
  socket_.async_read_some(net::buffer(probe_),
                          [self = shared_from_this()](error_code error, std::size_t) {
                            self->probing_ = false;
                            if (error) {
                              self->Close();
                            } else {
                              self->WatchForDisconnect();
                            }
                          });
}

void HttpSession::Heartbeat() {
  if (closed_ || heartbeat_ <= absl::ZeroDuration()) return;
  const auto interval = ToChrono(heartbeat_);
  const auto due = last_write_ + interval;
  heartbeat_timer_.expires_at(due);
  heartbeat_timer_.async_wait([self = shared_from_this(), interval](error_code error) {
    if (error || self->closed_) return;
    if (std::chrono::steady_clock::now() - self->last_write_ >= interval) {
      self->Enqueue(self->ping_);
      // Counted as written now, so the next ping is a full interval away.
      self->last_write_ = std::chrono::steady_clock::now();
    }
    self->Heartbeat();
  });
}

void HttpSession::Push(std::string chunk) {
  net::post(socket_.get_executor(), [self = shared_from_this(), chunk = std::move(chunk)]() mutable {
    self->Enqueue(std::move(chunk));
  });
}

void HttpSession::Enqueue(std::string chunk) {
  if (closed_ || end_requested_) return;
  if (queue_.size() >= limits_.max_queued_chunks) {
    // A reader this slow is cut off; it resumes from its last event id.
    Close();
    return;
  }
  queue_.push_back(std::move(chunk));
  WriteChunks();
}

void HttpSession::WriteChunks() {
  if (closed_ || writing_ || !header_written_) return;
  if (queue_.empty()) {
    if (!end_requested_) return;
    writing_ = true;
    ArmWriteTimer();
    net::async_write(socket_, http::make_chunk_last(),
                     [self = shared_from_this()](error_code, std::size_t) {
                       self->write_timer_.cancel();
                       self->Close();
                     });
    return;
  }
  auto data = std::make_shared<std::string>(std::move(queue_.front()));
  queue_.pop_front();
  writing_ = true;
  ArmWriteTimer();
  net::async_write(socket_, http::make_chunk(net::buffer(*data)),
                   [self = shared_from_this(), data](error_code error, std::size_t) {
                     self->write_timer_.cancel();
                     self->writing_ = false;
                     if (error) {
                       self->Close();
                       return;
                     }
                     self->last_write_ = std::chrono::steady_clock::now();
                     self->WriteChunks();
                   });
}

void HttpSession::EndStream() {
  net::post(socket_.get_executor(), [self = shared_from_this()] {
    if (self->closed_) return;
    self->end_requested_ = true;
    self->WriteChunks();
  });
}

void HttpSession::Abort() {
  net::post(socket_.get_executor(), [self = shared_from_this()] { self->Close(); });
}

void HttpSession::Close() {
  if (closed_) return;
  closed_ = true;
  request_timer_.cancel();
  write_timer_.cancel();
  heartbeat_timer_.cancel();
  error_code ignored;
  socket_.shutdown(net::ip::tcp::socket::shutdown_both, ignored);
  socket_.close(ignored);
  queue_.clear();
  if (on_close_) {
    auto done = std::move(on_close_);
    on_close_ = nullptr;
    done();
  }
}

}  // namespace order_saga::gateway
