#pragma once
// The one way to make gRPC channels and server credentials. TLS is an option of the
// deployment: with [tls] ca_file (and, for servers, cert_file + key_file) in a service's
// config, every channel it opens verifies its peers against that CA and every server it runs
// presents its certificate; without them, plaintext, which is the all-in-one default on
// loopback. Built once from the config and passed to whoever opens channels.
//
//   rpc::ChannelFactory channels = rpc::ChannelFactory::from_config(config);
//   auto stub = cloud::network::v1::Network::NewStub(channels.open("127.0.0.1:7300"));
#include <memory>
#include <string>

#include <grpcpp/grpcpp.h>

#include "common/config/config.h"

namespace stratus::rpc {

struct TlsSettings {
  std::string ca_file;    // PEM: the CA that signs the cloud's certificates
  std::string cert_file;  // PEM: this process's certificate (servers; clients for mutual TLS)
  std::string key_file;   // PEM: its private key
  bool enabled() const { return !ca_file.empty() || !cert_file.empty(); }
  // [tls] ca_file, cert_file, key_file (STRATUS_TLS_CA_FILE, ...). Throws when a named file
  // cannot be read, or a certificate comes without its key.
  static TlsSettings from_config(const Config& config);
};

class ChannelFactory {
 public:
  ChannelFactory() = default;  // plaintext
  explicit ChannelFactory(TlsSettings tls);
  static ChannelFactory from_config(const Config& config) { return ChannelFactory(TlsSettings::from_config(config)); }

  // A channel to `endpoint` ("host:port"), with extra channel arguments if given.
  std::shared_ptr<grpc::Channel> open(const std::string& endpoint,
                                      const grpc::ChannelArguments& args = grpc::ChannelArguments()) const;
  std::shared_ptr<grpc::ServerCredentials> server_credentials() const;
  bool tls() const { return tls_.enabled(); }

 private:
  TlsSettings tls_;
  std::string ca_pem_, cert_pem_, key_pem_;
};

}  // namespace stratus::rpc
