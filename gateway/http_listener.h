// Accepts HTTP connections on one address and starts an HttpSession for
// each, on its own strand of the shared io_context.
#pragma once

#include <atomic>
#include <memory>
#include <string>

#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/strand.hpp>

#include "absl/status/statusor.h"
#include "gateway/http_session.h"

namespace order_saga::gateway {

class HttpListener {
 public:
  // Binds `address` ("127.0.0.1:8080"; port 0 picks one). UNAVAILABLE
  // naming the address if it cannot be bound.
  static absl::StatusOr<std::unique_ptr<HttpListener>> Start(
      boost::asio::io_context& io, const std::string& address, RequestHandler& handler,
      HttpLimits limits);

  int port() const { return port_; }
  // Stops accepting; open connections go on.
  void Stop();

 private:
  HttpListener(boost::asio::io_context& io, RequestHandler& handler, HttpLimits limits)
      : io_(io),
        strand_(boost::asio::make_strand(io)),
        acceptor_(strand_),
        retry_(strand_),
        handler_(handler),
        limits_(limits) {}
  void Accept();

  boost::asio::io_context& io_;
  // The acceptor's own strand: Stop() and the accept handler never race.
  boost::asio::strand<boost::asio::io_context::executor_type> strand_;
  boost::asio::ip::tcp::acceptor acceptor_;
  // A pause after a failed accept (out of file descriptors) instead of a spin.
  boost::asio::steady_timer retry_;
  RequestHandler& handler_;
  const HttpLimits limits_;
  int port_ = 0;
};

}  // namespace order_saga::gateway
