// A TCP proxy on 127.0.0.1 in front of one server, which a test can turn
// into a black hole: it stops forwarding in both directions and stops
// accepting, but closes nothing (no FIN, no RST), the way a partition or a
// node that lost power looks to the other side. Needs no root, unlike
// firewall rules. Thread-safe.
#pragma once

#include <atomic>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "absl/status/statusor.h"

namespace order_saga::testing {

class BlackholeProxy {
 public:
  // Listens on a free port and forwards each connection to `target_port`.
  static absl::StatusOr<std::unique_ptr<BlackholeProxy>> Start(int target_port);
  ~BlackholeProxy();

  std::string address() const { return "127.0.0.1:" + std::to_string(port_); }
  int port() const { return port_; }

  // On: nothing more is read, written or accepted. Off: forwarding goes on
  // where it stopped (the bytes queued meanwhile are delivered).
  void SetBlackhole(bool on) { blackhole_.store(on); }
  // Connections accepted so far.
  int connections() const { return connections_.load(); }
  // Bytes forwarded so far, both directions.
  int64_t bytes() const { return bytes_.load(); }

 private:
  BlackholeProxy(int listener, int port, int target_port)
      : listener_(listener), port_(port), target_port_(target_port) {}
  void AcceptLoop();
  void Pump(int from, int to);

  const int listener_;
  const int port_;
  const int target_port_;
  std::atomic<bool> blackhole_{false};
  std::atomic<bool> stopping_{false};
  std::atomic<int> connections_{0};
  std::atomic<int64_t> bytes_{0};
  std::mutex mu_;
  std::vector<int> sockets_;
  std::vector<std::thread> threads_;
  std::thread acceptor_;
};

}  // namespace order_saga::testing
