// Transport security of every gRPC hop: TLS, and mutual TLS where a server
// must know who calls it. One identity per process (a certificate usable
// both as server and as client certificate, as a service mesh would issue)
// and one CA that vouches for every peer.
//
//   --tls_cert_file, --tls_key_file   this process's certificate and key
//   --tls_ca_file                     the CA that signed the peers
//   --tls_require_client_cert         servers: callers must present a
//                                     certificate the CA signed (mTLS)
//   --tls_allowed_peers               servers: only callers whose
//                                     certificate's common name is listed
//
// No TLS flag set: plaintext (local use). Any set: TLS only, plaintext
// clients cannot connect.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include <grpcpp/security/credentials.h>
#include <grpcpp/security/server_credentials.h>
#include <prometheus/counter.h>
#include <prometheus/registry.h>

#include "absl/status/statusor.h"

namespace order_saga {

struct TlsConfig {
  // PEM contents (not file names).
  std::string certificate;
  std::string private_key;
  std::string ca_certificates;
  bool require_client_cert = false;
  // Common names allowed to call this server; empty: any (authenticated
  // peer, if require_client_cert).
  std::vector<std::string> allowed_peers;

  bool enabled() const { return !certificate.empty() || !ca_certificates.empty(); }
};

// The configuration the --tls_* flags describe, or INVALID_ARGUMENT naming
// the flag (a certificate without its key, a file that cannot be read,
// allowed peers without client certificates, ...).
absl::StatusOr<TlsConfig> TlsConfigFromFlags();

// The same from PEM files (empty names are left out): a certificate needs
// its key. INVALID_ARGUMENT naming the file that cannot be read.
absl::StatusOr<TlsConfig> TlsConfigFromFiles(const std::string& cert_file,
                                             const std::string& key_file,
                                             const std::string& ca_file);

// Credentials for a server with `config`: insecure if TLS is not enabled.
// A server needs a certificate; with allowed peers, calls from any other
// peer end with PERMISSION_DENIED naming the peer (counted in `registry`'s
// ordersaga_peer_denials_total, if given).
absl::StatusOr<std::shared_ptr<grpc::ServerCredentials>> MakeServerCredentials(
    const TlsConfig& config, prometheus::Registry* registry = nullptr);

// Credentials for calling a server: insecure if TLS is not enabled;
// otherwise the server is verified against the CA, and this process's
// certificate (if any) is presented.
std::shared_ptr<grpc::ChannelCredentials> MakeChannelCredentials(const TlsConfig& config);

}  // namespace order_saga
