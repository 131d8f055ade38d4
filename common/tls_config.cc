#include "common/tls_config.h"

#include <fstream>
#include <sstream>

#include <gflags/gflags.h>
#include <glog/logging.h>
#include <grpcpp/security/auth_metadata_processor.h>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"

DEFINE_string(tls_cert_file, "",
              "PEM certificate of this process, served to callers and presented when "
              "calling other services; empty: no TLS unless --tls_ca_file "
              "(env TLS_CERT_FILE)");
DEFINE_string(tls_key_file, "", "PEM private key of --tls_cert_file (env TLS_KEY_FILE)");
DEFINE_string(tls_ca_file, "",
              "PEM CA certificate(s) that signed the peers: verifies the servers this "
              "process calls, and callers' certificates with --tls_require_client_cert "
              "(env TLS_CA_FILE)");
DEFINE_bool(tls_require_client_cert, false,
            "servers: accept only callers presenting a certificate signed by --tls_ca_file "
            "(mutual TLS) (env TLS_REQUIRE_CLIENT_CERT)");
DEFINE_string(tls_allowed_peers, "",
              "servers: comma-separated common names of the certificates allowed to call "
              "(saga-coordinator,operator, say); others get PERMISSION_DENIED; empty: any "
              "(env TLS_ALLOWED_PEERS)");

namespace order_saga {
namespace {

absl::StatusOr<std::string> ReadPem(const std::string& path, const char* flag) {
  std::ifstream file(path);
  std::stringstream contents;
  contents << file.rdbuf();
  if (!file || contents.str().find("-----BEGIN") == std::string::npos) {
    return absl::InvalidArgumentError(
        absl::StrCat("--", flag, ": cannot read a PEM file at '", path, "'"));
  }
  return contents.str();
}

// Lets a call through only if the peer's certificate names an allowed
// common name. Runs on gRPC's thread for the call (it does not block).
class PeerAllowlist final : public grpc::AuthMetadataProcessor {
 public:
  PeerAllowlist(std::vector<std::string> allowed, prometheus::Counter* denials)
      : allowed_(std::move(allowed)), denials_(denials) {}
  bool IsBlocking() const override { return false; }
  grpc::Status Process(const InputMetadata&, grpc::AuthContext* context, OutputMetadata*,
                       OutputMetadata*) override {
    std::vector<grpc::string_ref> names = context->FindPropertyValues("x509_common_name");
    for (const grpc::string_ref& name : names) {
      for (const std::string& allowed : allowed_) {
        if (allowed == std::string(name.data(), name.size())) return grpc::Status::OK;
      }
    }
    const std::string peer =
        names.empty() ? "(no certificate)" : std::string(names[0].data(), names[0].size());
    LOG_EVERY_N(WARNING, 100) << "denied a call from peer " << peer;
    if (denials_ != nullptr) denials_->Increment();
    return grpc::Status(grpc::StatusCode::PERMISSION_DENIED,
                        absl::StrCat("peer '", peer, "' may not call this service (allowed: ",
                                     absl::StrJoin(allowed_, ", "), ")"));
  }

 private:
  const std::vector<std::string> allowed_;
  prometheus::Counter* denials_;
};

}  // namespace

absl::StatusOr<TlsConfig> TlsConfigFromFiles(const std::string& cert_file,
                                             const std::string& key_file,
                                             const std::string& ca_file) {
  TlsConfig config;
  if (cert_file.empty() != key_file.empty()) {
    return absl::InvalidArgumentError(cert_file.empty()
                                          ? "--tls_cert_file: required with --tls_key_file"
                                          : "--tls_key_file: required with --tls_cert_file");
  }
  if (!cert_file.empty()) {
    absl::StatusOr<std::string> cert = ReadPem(cert_file, "tls_cert_file");
    if (!cert.ok()) return cert.status();
    absl::StatusOr<std::string> key = ReadPem(key_file, "tls_key_file");
    if (!key.ok()) return key.status();
    config.certificate = *std::move(cert);
    config.private_key = *std::move(key);
  }
  if (!ca_file.empty()) {
    absl::StatusOr<std::string> ca = ReadPem(ca_file, "tls_ca_file");
    if (!ca.ok()) return ca.status();
    config.ca_certificates = *std::move(ca);
  }
  return config;
}

absl::StatusOr<TlsConfig> TlsConfigFromFlags() {
  absl::StatusOr<TlsConfig> files =
      TlsConfigFromFiles(FLAGS_tls_cert_file, FLAGS_tls_key_file, FLAGS_tls_ca_file);
  if (!files.ok()) return files.status();
  TlsConfig& config = *files;
  config.require_client_cert = FLAGS_tls_require_client_cert;
  if (config.require_client_cert && config.ca_certificates.empty()) {
    return absl::InvalidArgumentError(
        "--tls_require_client_cert: needs --tls_ca_file to verify the callers");
  }
  for (absl::string_view peer : absl::StrSplit(FLAGS_tls_allowed_peers, ',', absl::SkipEmpty())) {
    config.allowed_peers.emplace_back(peer);
  }
  if (!config.allowed_peers.empty() && !config.require_client_cert) {
    return absl::InvalidArgumentError(
        "--tls_allowed_peers: needs --tls_require_client_cert (callers must present a "
        "certificate to be named)");
  }
  return config;
}

absl::StatusOr<std::shared_ptr<grpc::ServerCredentials>> MakeServerCredentials(
    const TlsConfig& config, prometheus::Registry* registry) {
  if (!config.enabled()) return grpc::InsecureServerCredentials();
  if (config.certificate.empty()) {
    return absl::InvalidArgumentError("--tls_cert_file: a TLS server needs a certificate");
  }
  grpc::SslServerCredentialsOptions options(
      config.require_client_cert ? GRPC_SSL_REQUEST_AND_REQUIRE_CLIENT_CERTIFICATE_AND_VERIFY
                                 : GRPC_SSL_DONT_REQUEST_CLIENT_CERTIFICATE);
  options.pem_root_certs = config.ca_certificates;
  options.pem_key_cert_pairs.push_back({config.private_key, config.certificate});
  std::shared_ptr<grpc::ServerCredentials> credentials = grpc::SslServerCredentials(options);
  if (!config.allowed_peers.empty()) {
    prometheus::Counter* denials = nullptr;
    if (registry != nullptr) {
      denials = &prometheus::BuildCounter()
                     .Name("ordersaga_peer_denials_total")
                     .Help("Calls refused because the caller's certificate is not an allowed peer")
                     .Register(*registry)
                     .Add({});
    }
    credentials->SetAuthMetadataProcessor(
        std::make_shared<PeerAllowlist>(config.allowed_peers, denials));
  }
  return credentials;
}

std::shared_ptr<grpc::ChannelCredentials> MakeChannelCredentials(const TlsConfig& config) {
  if (!config.enabled()) return grpc::InsecureChannelCredentials();
  grpc::SslCredentialsOptions options;
  options.pem_root_certs = config.ca_certificates;
  options.pem_private_key = config.private_key;
  options.pem_cert_chain = config.certificate;
  return grpc::SslCredentials(options);
}

}  // namespace order_saga
