#include "common/rpc/channel.h"

#include <fstream>
#include <sstream>
#include <stdexcept>

namespace stratus::rpc {
namespace {

std::string read_pem(const std::string& path, const std::string& what) {
  if (path.empty()) return "";
  std::ifstream in(path);
  if (!in) throw std::invalid_argument("cannot read " + what + " " + path);
  std::stringstream text;
  text << in.rdbuf();
  return text.str();
}

}  // namespace

TlsSettings TlsSettings::from_config(const Config& config) {
  TlsSettings s;
  s.ca_file = config.get("tls.ca_file", "");
  s.cert_file = config.get("tls.cert_file", "");
  s.key_file = config.get("tls.key_file", "");
  if (s.cert_file.empty() != s.key_file.empty())
    throw std::invalid_argument("tls.cert_file and tls.key_file go together");
  return s;
}

ChannelFactory::ChannelFactory(TlsSettings tls)
    : tls_(std::move(tls)),
      ca_pem_(read_pem(tls_.ca_file, "tls.ca_file")),
      cert_pem_(read_pem(tls_.cert_file, "tls.cert_file")),
      key_pem_(read_pem(tls_.key_file, "tls.key_file")) {}

std::shared_ptr<grpc::Channel> ChannelFactory::open(const std::string& endpoint,
                                                    const grpc::ChannelArguments& args) const {
  std::shared_ptr<grpc::ChannelCredentials> credentials;
  if (tls_.enabled()) {
    grpc::SslCredentialsOptions options;
    options.pem_root_certs = ca_pem_;
    options.pem_cert_chain = cert_pem_;
    options.pem_private_key = key_pem_;
    credentials = grpc::SslCredentials(options);
  } else {
    credentials = grpc::InsecureChannelCredentials();
  }
  return grpc::CreateCustomChannel(endpoint, credentials, args);
}

std::shared_ptr<grpc::ServerCredentials> ChannelFactory::server_credentials() const {
  if (!tls_.enabled()) return grpc::InsecureServerCredentials();
  if (cert_pem_.empty()) throw std::invalid_argument("a TLS server needs tls.cert_file and tls.key_file");
  grpc::SslServerCredentialsOptions options;
  options.pem_root_certs = ca_pem_;
  options.pem_key_cert_pairs.push_back({key_pem_, cert_pem_});
  return grpc::SslServerCredentials(options);
}

}  // namespace stratus::rpc
