#include "tests/e2e/blackhole_proxy.h"

#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>

#include "absl/status/status.h"

namespace order_saga::testing {

absl::StatusOr<std::unique_ptr<BlackholeProxy>> BlackholeProxy::Start(int target_port) {
  const int listener = socket(AF_INET, SOCK_STREAM, 0);
  if (listener < 0) return absl::InternalError("socket failed");
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  socklen_t length = sizeof(address);
  if (bind(listener, reinterpret_cast<sockaddr*>(&address), sizeof(address)) != 0 ||
      listen(listener, 128) != 0 ||
      getsockname(listener, reinterpret_cast<sockaddr*>(&address), &length) != 0) {
    close(listener);
    return absl::InternalError("cannot listen");
  }
  std::unique_ptr<BlackholeProxy> proxy(
      new BlackholeProxy(listener, ntohs(address.sin_port), target_port));
  BlackholeProxy* raw = proxy.get();
  proxy->acceptor_ = std::thread([raw] { raw->AcceptLoop(); });
  return proxy;
}

BlackholeProxy::~BlackholeProxy() {
  stopping_.store(true);
  acceptor_.join();
  {
    std::lock_guard<std::mutex> lock(mu_);
    for (int fd : sockets_) shutdown(fd, SHUT_RDWR);
  }
  for (std::thread& thread : threads_) thread.join();
  for (int fd : sockets_) close(fd);
  close(listener_);
}

void BlackholeProxy::AcceptLoop() {
  while (!stopping_.load()) {
    // While a black hole, connections wait in the kernel's backlog: their
    // handshake completes (as with a frozen process), nothing else does.
    pollfd wait{listener_, POLLIN, 0};
    if (blackhole_.load() || poll(&wait, 1, 20) <= 0) {
      if (blackhole_.load()) usleep(20 * 1000);
      continue;
    }
    const int client = accept(listener_, nullptr, nullptr);
    if (client < 0) continue;
    const int server = socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in target{};
    target.sin_family = AF_INET;
    target.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    target.sin_port = htons(static_cast<uint16_t>(target_port_));
    if (connect(server, reinterpret_cast<sockaddr*>(&target), sizeof(target)) != 0) {
      close(client);
      close(server);
      continue;
    }
    const int one = 1;
    setsockopt(client, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
    setsockopt(server, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
    ++connections_;
    std::lock_guard<std::mutex> lock(mu_);
    sockets_.push_back(client);
    sockets_.push_back(server);
    threads_.emplace_back([this, client, server] { Pump(client, server); });
    threads_.emplace_back([this, client, server] { Pump(server, client); });
  }
}

void BlackholeProxy::Pump(int from, int to) {
  char buffer[64 * 1024];
  while (!stopping_.load()) {
    if (blackhole_.load()) {
      usleep(5 * 1000);
      continue;
    }
    pollfd wait{from, POLLIN, 0};
    if (poll(&wait, 1, 20) <= 0) continue;
    if (blackhole_.load()) continue;  // turned on while waiting: read nothing
    const ssize_t n = read(from, buffer, sizeof(buffer));
    if (n <= 0) {
      // One side closed: pass the close on.
      shutdown(to, SHUT_WR);
      return;
    }
    for (ssize_t sent = 0; sent < n;) {
      const ssize_t w = write(to, buffer + sent, static_cast<size_t>(n - sent));
      if (w < 0) {
        if (errno == EINTR) continue;
        shutdown(from, SHUT_RD);
        return;
      }
      sent += w;
    }
    bytes_ += n;
  }
}

}  // namespace order_saga::testing
