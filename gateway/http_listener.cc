#include "gateway/http_listener.h"

#include <glog/logging.h>

#include <boost/asio/post.hpp>
#include <boost/asio/strand.hpp>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"

namespace order_saga::gateway {

namespace net = boost::asio;

absl::StatusOr<std::unique_ptr<HttpListener>> HttpListener::Start(net::io_context& io,
                                                                  const std::string& address,
                                                                  RequestHandler& handler,
                                                                  HttpLimits limits) {
  const size_t colon = address.rfind(':');
  int port = -1;
  if (colon == std::string::npos || !absl::SimpleAtoi(address.substr(colon + 1), &port) ||
      port < 0 || port > 65535) {
    return absl::InvalidArgumentError(
        absl::StrCat("--listen_address: '", address, "' is not host:port"));
  }
  std::string host = address.substr(0, colon);
  if (host.size() >= 2 && host.front() == '[' && host.back() == ']') {
    host = host.substr(1, host.size() - 2);
  }
  boost::system::error_code error;
  const net::ip::address ip = net::ip::make_address(host.empty() ? "0.0.0.0" : host, error);
  if (error) {
    return absl::InvalidArgumentError(absl::StrCat(
        "--listen_address: '", host, "' is not an IP address (", error.message(), ")"));
  }
  std::unique_ptr<HttpListener> listener(new HttpListener(io, handler, limits));
  const net::ip::tcp::endpoint endpoint(ip, static_cast<unsigned short>(port));
  listener->acceptor_.open(endpoint.protocol(), error);
  if (!error) listener->acceptor_.set_option(net::socket_base::reuse_address(true), error);
  if (!error) listener->acceptor_.bind(endpoint, error);
  if (!error) listener->acceptor_.listen(net::socket_base::max_listen_connections, error);
  if (error) {
    return absl::UnavailableError(
        absl::StrCat("cannot listen on ", address, ": ", error.message()));
  }
  listener->port_ = listener->acceptor_.local_endpoint().port();
  listener->Accept();
  return listener;
}

void HttpListener::Accept() {
  acceptor_.async_accept(net::make_strand(io_), [this](boost::system::error_code error,
                                                       net::ip::tcp::socket socket) {
    if (error == net::error::operation_aborted || !acceptor_.is_open()) return;
    if (error) {
      // Out of file descriptors, say: wait a moment rather than spin.
      LOG_EVERY_N(WARNING, 100) << "accept failed: " << error.message();
      retry_.expires_after(std::chrono::milliseconds(50));
      retry_.async_wait([this](boost::system::error_code waited) {
        if (!waited && acceptor_.is_open()) Accept();
      });
      return;
    }
    std::make_shared<HttpSession>(std::move(socket), handler_, limits_)->Start();
    Accept();
  });
}

void HttpListener::Stop() {
  net::post(strand_, [this] {
    boost::system::error_code ignored;
    retry_.cancel();
    acceptor_.close(ignored);
  });
}

}  // namespace order_saga::gateway
