// http_gateway: wiring only (flags, construction, the HTTP listener).
#include <gflags/gflags.h>
#include <glog/logging.h>
#include <signal.h>
#include <sys/resource.h>

#include <boost/asio/io_context.hpp>
#include <boost/asio/signal_set.hpp>
#include <future>
#include <thread>
#include <vector>

#include "absl/strings/str_split.h"
#include "absl/strings/strip.h"
#include "common/auth/authenticator.h"
#include "common/env_flags.h"
#include "common/flag_validators.h"
#include "common/grpc_channel.h"
#include "common/local_time_zone.h"
#include "common/metrics/metrics_exporter.h"
#include "common/tls_config.h"
#include "gateway/http_gateway.h"
#include "gateway/http_listener.h"
#include "gateway/static_files.h"

DEFINE_string(listen_address, "127.0.0.1:8080",
              "HTTP host:port; port 0 picks a free one (env LISTEN_ADDRESS)");
DEFINE_string(metrics_address, "127.0.0.1:9094",
              "Prometheus /metrics host:port; empty: none (env METRICS_ADDRESS)");
DEFINE_string(coordinator_address, "127.0.0.1:50051",
              "saga coordinator host:port, for POST /v1/orders (env COORDINATOR_ADDRESS)");
DEFINE_string(order_service_address, "127.0.0.1:50052",
              "order service (its read side: order-api in Kubernetes) host:port, for the "
              "order reads and event streams (env ORDER_SERVICE_ADDRESS)");
DEFINE_string(inventory_service_address, "127.0.0.1:50053",
              "inventory service host:port, for the product reads (env "
              "INVENTORY_SERVICE_ADDRESS)");
DEFINE_string(web_root, "web", "folder of the storefront's files, served at / and /static/ "
              "(env WEB_ROOT)");
DEFINE_int32(threads, 2, "threads serving HTTP; streams hold none (env THREADS)");
DEFINE_validator(threads, &order_saga::FlagAtLeastOne);
DEFINE_int32(call_timeout_ms, 15000,
             "deadline of each call upstream; PlaceOrder waits for the saga's decision "
             "(env CALL_TIMEOUT_MS)");
DEFINE_validator(call_timeout_ms, &order_saga::FlagAtMostTenMinutesMs);
DEFINE_int32(sse_retry_ms, 2000,
             "the streams' retry: line, how long a browser waits to reconnect (env SSE_RETRY_MS)");
DEFINE_validator(sse_retry_ms, &order_saga::FlagAtLeastOne);
DEFINE_int32(sse_heartbeat_ms, 15000,
             "an idle stream gets a ': ping' comment this often; keep proxies' read timeouts "
             "above twice it (env SSE_HEARTBEAT_MS)");
DEFINE_validator(sse_heartbeat_ms, &order_saga::FlagAtLeastOne);
DEFINE_int32(max_streams, 800,
             "event streams open at once on this gateway; beyond, 429; at most "
             "--watch_connections times the order service's --max_concurrent_streams "
             "(env MAX_STREAMS)");
DEFINE_validator(max_streams, &order_saga::FlagNotNegative);
DEFINE_int32(watch_connections, 8,
             "connections to the order service that carry the event streams, each at most "
             "its --max_concurrent_streams (env WATCH_CONNECTIONS)");
DEFINE_validator(watch_connections, &order_saga::FlagAtLeastOne);
DEFINE_int32(max_streams_per_customer, 8,
             "event streams one customer (the token's subject; without tokens, one client "
             "address) may hold open; beyond, 429; keep it below the order service's "
             "--max_watch_streams_per_customer (env MAX_STREAMS_PER_CUSTOMER)");
DEFINE_validator(max_streams_per_customer, &order_saga::FlagNotNegative);
DEFINE_int32(max_queued_events, 1024,
             "events waiting for a slow reader; one more closes its stream, and it resumes "
             "from its Last-Event-ID (env MAX_QUEUED_EVENTS)");
DEFINE_validator(max_queued_events, &order_saga::FlagAtLeastOne);
DEFINE_int32(max_header_bytes, 16384,
             "request line and headers, in bytes; beyond, 431 (env MAX_HEADER_BYTES)");
DEFINE_validator(max_header_bytes, &order_saga::FlagAtLeastOne);
DEFINE_int32(max_body_bytes, 65536, "request body, in bytes; beyond, 413 (env MAX_BODY_BYTES)");
DEFINE_validator(max_body_bytes, &order_saga::FlagAtLeastOne);
DEFINE_int32(request_timeout_ms, 10000,
             "a whole request must arrive within this; a client that sends it a byte at a "
             "time gets 408 (env REQUEST_TIMEOUT_MS)");
DEFINE_validator(request_timeout_ms, &order_saga::FlagAtLeastOne);
DEFINE_int32(write_timeout_ms, 30000,
             "a write the client does not take within this closes its connection (env "
             "WRITE_TIMEOUT_MS)");
DEFINE_validator(write_timeout_ms, &order_saga::FlagAtLeastOne);
DEFINE_string(cors_allowed_origins, "",
              "comma-separated exact origins (https://shop.example) allowed to call from "
              "another site; empty: CORS off (env CORS_ALLOWED_ORIGINS)");
DEFINE_bool(secure_cookie, false,
            "always mark the session cookie Secure (it is anyway when X-Forwarded-Proto "
            "is https) (env SECURE_COOKIE)");
DEFINE_int32(shutdown_grace_ms, 5000,
             "on SIGTERM: /readyz answers 503 and new connections are refused; requests in "
             "flight get up to this long, then open streams are ended (env SHUTDOWN_GRACE_MS)");
DEFINE_validator(shutdown_grace_ms, &order_saga::FlagNotNegative);

int main(int argc, char** argv) {
  using namespace order_saga;
  ParseFlagsWithEnvironment(&argc, &argv,
                            "http_gateway: the HTTP/JSON and Server-Sent Events gateway");
  FLAGS_logtostderr = true;
  PinLocalTimeZone();
  google::InitGoogleLogging(argv[0]);
  // Every open stream holds a socket: take all the descriptors we may.
  if (rlimit files{}; getrlimit(RLIMIT_NOFILE, &files) == 0 && files.rlim_cur < files.rlim_max) {
    files.rlim_cur = files.rlim_max;
    setrlimit(RLIMIT_NOFILE, &files);
  }

  auto registry = std::make_shared<prometheus::Registry>();
  absl::StatusOr<std::unique_ptr<Authenticator>> authenticator =
      Authenticator::FromFlags(registry.get());
  if (!authenticator.ok()) {
    LOG(ERROR) << authenticator.status().message();
    return 2;
  }
  absl::StatusOr<TlsConfig> tls = TlsConfigFromFlags();
  if (!tls.ok()) {
    LOG(ERROR) << tls.status().message();
    return 2;
  }
  absl::StatusOr<gateway::StaticFiles> files = gateway::StaticFiles::Load(FLAGS_web_root);
  if (!files.ok()) {
    LOG(ERROR) << files.status().message();
    return 2;
  }

  const std::shared_ptr<grpc::ChannelCredentials> credentials = MakeChannelCredentials(*tls);
  // Before the gateway: destroyed after it, so nothing the gateway still
  // holds (a session of a stream) outlives the io_context it belongs to.
  boost::asio::io_context io(FLAGS_threads);
  ServiceChannelOptions channel_options;
  gateway::GatewayOptions options;
  options.call_timeout = absl::Milliseconds(FLAGS_call_timeout_ms);
  options.relay.retry = absl::Milliseconds(FLAGS_sse_retry_ms);
  options.relay.heartbeat = absl::Milliseconds(FLAGS_sse_heartbeat_ms);
  options.max_streams = FLAGS_max_streams;
  options.max_streams_per_customer = FLAGS_max_streams_per_customer;
  for (absl::string_view origin :
       absl::StrSplit(FLAGS_cors_allowed_origins, ',', absl::SkipWhitespace())) {
    options.cors_origins.emplace_back(absl::StripAsciiWhitespace(origin));
  }
  options.secure_cookie = FLAGS_secure_cookie;
  options.authenticator = authenticator->get();
  ServiceChannelOptions pooled = channel_options;
  pooled.own_connections = true;
  std::vector<std::shared_ptr<grpc::Channel>> watch_channels;
  for (int i = 0; i < FLAGS_watch_connections; ++i) {
    watch_channels.push_back(CreateServiceChannel(FLAGS_order_service_address, pooled, credentials));
  }
  gateway::HttpGateway http_gateway(
      CreateServiceChannel(FLAGS_coordinator_address, channel_options, credentials),
      CreateServiceChannel(FLAGS_order_service_address, channel_options, credentials),
      CreateServiceChannel(FLAGS_inventory_service_address, channel_options, credentials),
      *files, options, registry.get(), std::move(watch_channels));

  gateway::HttpLimits limits;
  limits.max_header_bytes = FLAGS_max_header_bytes;
  limits.max_body_bytes = FLAGS_max_body_bytes;
  limits.request_timeout = absl::Milliseconds(FLAGS_request_timeout_ms);
  limits.write_timeout = absl::Milliseconds(FLAGS_write_timeout_ms);
  limits.max_queued_chunks = FLAGS_max_queued_events;

  std::unique_ptr<MetricsExporter> exporter;
  if (!FLAGS_metrics_address.empty()) {
    absl::StatusOr<std::unique_ptr<MetricsExporter>> started =
        MetricsExporter::Start(FLAGS_metrics_address, registry);
    if (!started.ok()) {
      LOG(ERROR) << started.status().message();
      return 1;
    }
    exporter = *std::move(started);
    LOG(INFO) << "metrics on http://" << FLAGS_metrics_address << "/metrics (port "
              << exporter->port() << ")";
  }
  absl::StatusOr<std::unique_ptr<gateway::HttpListener>> listener =
      gateway::HttpListener::Start(io, FLAGS_listen_address, http_gateway, limits);
  if (!listener.ok()) {
    LOG(ERROR) << listener.status().message();
    return 1;
  }
  LOG(INFO) << "serving " << files->size() << " storefront files from " << FLAGS_web_root
            << (options.authenticator != nullptr ? "; tokens on" : "; tokens off")
            << (options.cors_origins.empty() ? "; CORS off" : "; CORS on");
  LOG(INFO) << "listening on " << FLAGS_listen_address << " (port " << (*listener)->port()
            << ")";

  std::promise<int> stop;
  boost::asio::signal_set signals(io, SIGTERM, SIGINT);
  signals.async_wait([&stop](const boost::system::error_code& error, int signal) {
    if (!error) stop.set_value(signal);
  });
  std::vector<std::thread> threads;
  for (int i = 0; i < FLAGS_threads; ++i) threads.emplace_back([&io] { io.run(); });

  const int signal = stop.get_future().get();
  LOG(INFO) << "signal " << signal << ": draining for " << FLAGS_shutdown_grace_ms << " ms";
  (*listener)->Stop();
  http_gateway.StopAccepting();
  // Requests in flight (a PlaceOrder waiting for its saga) get the grace.
  const absl::Time grace_end = absl::Now() + absl::Milliseconds(FLAGS_shutdown_grace_ms);
  while (http_gateway.in_flight() > 0 && absl::Now() < grace_end) {
    absl::SleepFor(absl::Milliseconds(10));
  }
  if (const int left = http_gateway.in_flight(); left > 0) {
    LOG(WARNING) << "cancelling " << left << " requests still waiting upstream";
  }
  http_gateway.CancelCalls(absl::Seconds(5));
  LOG(INFO) << "ending " << http_gateway.open_streams() << " open event streams";
  http_gateway.EndStreams(absl::Seconds(5));
  // Answers in flight (a cancelled call's error) reach their sockets.
  absl::SleepFor(absl::Milliseconds(50));
  io.stop();
  for (std::thread& thread : threads) thread.join();
  LOG(INFO) << "stopped";
  return 0;
}
