// sse_fanout_bench: many Server-Sent Event streams open on the HTTP gateway
// at once, and one event fanned out to all of them (docs/BENCHMARKS.md,
// "Server-Sent Events"). Opens --streams connections to GET /v1/events
// (tokens off), then places --orders orders one after another and times,
// on every stream, the arrival of each order's APPROVED event after its
// commit (the event's updateTime, the database's clock on this machine).
// Reports the gateway's threads and resident memory before and after the
// streams opened, and the latency percentiles.
//
//   scripts/bench-sse [--streams N]   (a fresh stack sized for it, then this)
#include <sys/resource.h>

#include <algorithm>
#include <atomic>
#include <cstdio>
#include <fstream>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include <boost/asio.hpp>
#include <gflags/gflags.h>
#include <grpcpp/grpcpp.h>

#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/clock.h"
#include "absl/time/time.h"
#include "inventory/v1/inventory.grpc.pb.h"
#include "saga/v1/saga.grpc.pb.h"

DEFINE_string(gateway, "127.0.0.1:8080", "the gateway's host:port");
DEFINE_string(saga_address, "127.0.0.1:50051", "the coordinator, to place orders");
DEFINE_string(inventory_address, "127.0.0.1:50053", "the inventory, to seed the product");
DEFINE_int32(gateway_pid, 0, "the gateway's process id (threads, memory); 0: found by name");
DEFINE_int32(streams, 5000, "event streams to open");
DEFINE_int32(orders, 10, "orders placed one after another, each fanned out to every stream");
DEFINE_bool(json, false, "also print the figures as one JSON line");

namespace net = boost::asio;
using tcp = net::ip::tcp;

namespace {

struct ProcessFigures {
  int threads = 0;
  int64_t rss_kib = 0;
};

ProcessFigures Figures(int pid) {
  ProcessFigures figures;
  std::ifstream status(absl::StrCat("/proc/", pid, "/status"));
  std::string line;
  while (std::getline(status, line)) {
    std::vector<std::string> words = absl::StrSplit(line, absl::ByAnyChar(" \t"), absl::SkipEmpty());
    if (words.size() < 2) continue;
    if (words[0] == "Threads:") (void)absl::SimpleAtoi(words[1], &figures.threads);
    if (words[0] == "VmRSS:") (void)absl::SimpleAtoi(words[1], &figures.rss_kib);
  }
  return figures;
}

int FindGateway() {
  for (int pid = 2; pid < 4194304; ++pid) {
    std::ifstream comm(absl::StrCat("/proc/", pid, "/comm"));
    std::string name;
    if (comm && std::getline(comm, name) && name == "http_gateway") return pid;
  }
  return 0;
}

// One stream: reads everything, keeps the lines, and notes when the event
// it waits for arrives.
struct Stream : std::enable_shared_from_this<Stream> {
  explicit Stream(net::io_context& io) : socket(io) {}
  tcp::socket socket;
  char buffer[16384];
  std::string partial;
  bool open = false;  // the header and the retry: line arrived
  bool failed = false;
};

class Fanout {
 public:
  Fanout(net::io_context& io, tcp::endpoint endpoint) : io_(io), endpoint_(endpoint) {}

  void Open(int count) {
    for (int i = 0; i < count; ++i) {
      auto stream = std::make_shared<Stream>(io_);
      streams_.push_back(stream);
      stream->socket.async_connect(endpoint_, [this, stream](boost::system::error_code error) {
        if (error) return Fail(*stream);
        auto request = std::make_shared<std::string>(absl::StrCat(
            "GET /v1/events HTTP/1.1\r\nHost: bench\r\nAccept: text/event-stream\r\n\r\n"));
        net::async_write(stream->socket, net::buffer(*request),
                         [this, stream, request](boost::system::error_code error, size_t) {
                           if (error) return Fail(*stream);
                           Read(stream);
                         });
      });
    }
  }

  // Waits until every stream is open or failed; the number open.
  int WaitOpen(absl::Duration timeout) {
    absl::MutexLock lock(&mu_);
    auto all = [this] { return opened_ + failed_ >= static_cast<int>(streams_.size()); };
    mu_.AwaitWithTimeout(absl::Condition(&all), timeout);
    return opened_;
  }

  // From now, the arrival of `order_id`'s APPROVED event on each stream.
  void Expect(const std::string& order_id) {
    absl::MutexLock lock(&mu_);
    expected_ = order_id;
    arrived_ = 0;
    arrivals_.clear();
  }
  // Waits for it on every open stream; the arrival times.
  std::vector<absl::Time> WaitArrivals(absl::Duration timeout) {
    absl::MutexLock lock(&mu_);
    auto all = [this] { return arrived_ >= opened_; };
    mu_.AwaitWithTimeout(absl::Condition(&all), timeout);
    return arrivals_;
  }
  // The commit time the last expected event carried.
  absl::Time committed() {
    absl::MutexLock lock(&mu_);
    return committed_;
  }

  void CloseAll() {
    net::post(io_, [this] {
      for (auto& stream : streams_) {
        boost::system::error_code ignored;
        stream->socket.close(ignored);
      }
    });
  }

 private:
  void Fail(Stream& stream) {
    absl::MutexLock lock(&mu_);
    if (!stream.failed && !stream.open) ++failed_;
    stream.failed = true;
  }

  void Read(const std::shared_ptr<Stream>& stream) {
    stream->socket.async_read_some(
        net::buffer(stream->buffer), [this, stream](boost::system::error_code error, size_t n) {
          if (error) return Fail(*stream);
          const absl::Time now = absl::Now();
          stream->partial.append(stream->buffer, n);
          size_t start = 0;
          for (size_t end; (end = stream->partial.find('\n', start)) != std::string::npos;
               start = end + 1) {
            Line(*stream, absl::string_view(stream->partial).substr(start, end - start), now);
          }
          stream->partial.erase(0, start);
          Read(stream);
        });
  }

  void Line(Stream& stream, absl::string_view line, absl::Time now) {
    if (!stream.open && absl::StartsWith(line, "retry:")) {
      stream.open = true;
      absl::MutexLock lock(&mu_);
      ++opened_;
      return;
    }
    if (!absl::StartsWith(line, "data: ")) return;
    absl::MutexLock lock(&mu_);
    if (expected_.empty() || line.find(expected_) == absl::string_view::npos ||
        line.find("ORDER_STATUS_APPROVED") == absl::string_view::npos) {
      return;
    }
    arrivals_.push_back(now);
    ++arrived_;
    const size_t at = line.find("\"updateTime\":\"");
    if (at != absl::string_view::npos) {
      absl::string_view rest = line.substr(at + 14);
      std::string error;
      absl::ParseTime(absl::RFC3339_full, std::string(rest.substr(0, rest.find('"'))),
                      &committed_, &error);
    }
  }

  net::io_context& io_;
  const tcp::endpoint endpoint_;
  std::vector<std::shared_ptr<Stream>> streams_;
  absl::Mutex mu_;
  int opened_ ABSL_GUARDED_BY(mu_) = 0;
  int failed_ ABSL_GUARDED_BY(mu_) = 0;
  std::string expected_ ABSL_GUARDED_BY(mu_);
  int arrived_ ABSL_GUARDED_BY(mu_) = 0;
  std::vector<absl::Time> arrivals_ ABSL_GUARDED_BY(mu_);
  absl::Time committed_ ABSL_GUARDED_BY(mu_);
};

double Percentile(std::vector<double> values, double p) {
  if (values.empty()) return 0;
  std::sort(values.begin(), values.end());
  return values[std::min(values.size() - 1, static_cast<size_t>(p * values.size()))];
}

}  // namespace

int main(int argc, char** argv) {
  gflags::SetUsageMessage("sse_fanout_bench: many event streams on the gateway, one event to all");
  gflags::ParseCommandLineFlags(&argc, &argv, true);
  if (rlimit files{}; getrlimit(RLIMIT_NOFILE, &files) == 0) {
    files.rlim_cur = files.rlim_max;
    setrlimit(RLIMIT_NOFILE, &files);
    if (files.rlim_max < static_cast<rlim_t>(FLAGS_streams) + 100) {
      std::fprintf(stderr, "error: the open-file limit (%lu) is below --streams; raise ulimit -n\n",
                   static_cast<unsigned long>(files.rlim_max));
      return 2;
    }
  }
  const int pid = FLAGS_gateway_pid != 0 ? FLAGS_gateway_pid : FindGateway();
  if (pid == 0) {
    std::fprintf(stderr, "error: no http_gateway process found (--gateway_pid)\n");
    return 2;
  }
  // A product with stock for every order.
  auto inventory = inventory::v1::InventoryService::NewStub(
      grpc::CreateChannel(FLAGS_inventory_address, grpc::InsecureChannelCredentials()));
  inventory::v1::Product product, stored;
  product.set_product_id(990001);
  product.set_name("SSE bench product");
  product.set_price(1);
  product.set_stock(1000000);
  grpc::ClientContext seed;
  if (grpc::Status status = inventory->UpsertProduct(&seed, product, &stored); !status.ok()) {
    std::fprintf(stderr, "error: seeding the product: %s\n", status.error_message().c_str());
    return 1;
  }
  auto saga = saga::v1::SagaCoordinator::NewStub(
      grpc::CreateChannel(FLAGS_saga_address, grpc::InsecureChannelCredentials()));

  const ProcessFigures before = Figures(pid);
  net::io_context io;
  auto work = net::make_work_guard(io);
  std::thread runner([&io] { io.run(); });
  const std::vector<std::string> host_port = absl::StrSplit(FLAGS_gateway, ':');
  int port = 0;
  (void)absl::SimpleAtoi(host_port.at(1), &port);
  Fanout fanout(io, tcp::endpoint(net::ip::make_address(host_port.at(0)), port));
  const absl::Time opening = absl::Now();
  fanout.Open(FLAGS_streams);
  const int open = fanout.WaitOpen(absl::Seconds(120));
  const absl::Duration open_took = absl::Now() - opening;
  absl::SleepFor(absl::Seconds(1));  // let the gateway's memory settle
  const ProcessFigures after = Figures(pid);
  std::printf("streams open: %d of %d in %.2f s\n", open, FLAGS_streams,
              absl::ToDoubleSeconds(open_took));
  std::printf("gateway threads: %d before, %d with the streams open\n", before.threads,
              after.threads);
  const double kib_per_stream =
      open > 0 ? static_cast<double>(after.rss_kib - before.rss_kib) / open : 0;
  std::printf("gateway memory: %.1f MiB before, %.1f MiB after: %.1f KiB per stream\n",
              before.rss_kib / 1024.0, after.rss_kib / 1024.0, kib_per_stream);

  std::vector<double> latencies_ms;
  int incomplete = 0;
  for (int i = 0; i < FLAGS_orders; ++i) {
    saga::v1::PlaceOrderRequest request;
    request.set_request_id(absl::StrCat("sse-bench-", absl::ToUnixNanos(absl::Now()), "-", i));
    request.set_customer_id("sse-bench");
    common::v1::LineItem* item = request.add_items();
    item->set_product_id(990001);
    item->set_quantity(1);
    saga::v1::PlaceOrderResponse response;
    grpc::ClientContext context;
    context.set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(30));
    // The order id is known only once it is placed: expect "any APPROVED
    // event of this request" by its request id, which the Order carries.
    fanout.Expect(request.request_id());
    if (grpc::Status status = saga->PlaceOrder(&context, request, &response); !status.ok()) {
      std::fprintf(stderr, "error: PlaceOrder: %s\n", status.error_message().c_str());
      return 1;
    }
    std::vector<absl::Time> arrivals = fanout.WaitArrivals(absl::Seconds(30));
    if (static_cast<int>(arrivals.size()) < open) ++incomplete;
    const absl::Time committed = fanout.committed();
    for (absl::Time arrival : arrivals) {
      latencies_ms.push_back(absl::ToDoubleMilliseconds(arrival - committed));
    }
    absl::SleepFor(absl::Milliseconds(200));
  }
  fanout.CloseAll();
  work.reset();
  io.stop();
  runner.join();
  const double p50 = Percentile(latencies_ms, 0.50), p99 = Percentile(latencies_ms, 0.99),
               max = Percentile(latencies_ms, 1.0);
  std::printf("commit-to-delivery over %zu deliveries (%d orders x %d streams): p50 %.1f ms, "
              "p99 %.1f ms, max %.1f ms%s\n",
              latencies_ms.size(), FLAGS_orders, open, p50, p99, max,
              incomplete > 0 ? absl::StrCat(" (", incomplete, " orders missed a stream)").c_str()
                             : "");
  if (FLAGS_json) {
    std::printf(
        "{\"streams\":%d,\"open\":%d,\"threads_before\":%d,\"threads_after\":%d,"
        "\"kib_per_stream\":%.1f,\"p50_ms\":%.1f,\"p99_ms\":%.1f,\"max_ms\":%.1f,"
        "\"incomplete_orders\":%d}\n",
        FLAGS_streams, open, before.threads, after.threads, kib_per_stream, p50, p99, max,
        incomplete);
  }
  return open == FLAGS_streams && incomplete == 0 ? 0 : 1;
}
