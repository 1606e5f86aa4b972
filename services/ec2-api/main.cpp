// stratus-ec2-api: the EC2 Query API (SigV4, XML) in front of the cloud's services, for
// boto3, the aws CLI and other EC2 tools. Stateless: no database; identity verifies the
// signatures, the services hold the resources. See docs/ec2-api.md.
//
//   stratus-ec2-api --config /etc/stratus/ec2-api.conf
//
// Settings (file or STRATUS_* environment): server.listen (127.0.0.1:8788, HTTP),
// identity.{url, service_user, service_password, service_project}, bus.url (revocations),
// compute.url, image.url, network.url, block-storage.url (else the catalog's),
// ec2.{region (RegionOne), public_url (http://<listen>/), availability_zones (nova, comma-separated),
// threads (8), max_body_bytes (1048576), read_timeout (30 s), default_instance_type (m1.small),
// terminated_visible_seconds (3600)}, tls.*, log.{level, format}.
#include <sstream>

#include "common/http/server.h"
#include "common/process/signals.h"
#include "common/rpc/service_main.h"
#include "common/service/service_runtime.h"
#include "services/ec2-api/api/ec2_handler.h"

using namespace stratus;

namespace {

std::vector<std::string> comma_list(const std::string& text) {
  std::vector<std::string> out;
  std::stringstream in(text);
  std::string item;
  while (std::getline(in, item, ',')) {
    auto b = item.find_first_not_of(' ');
    if (b == std::string::npos) continue;
    out.push_back(item.substr(b, item.find_last_not_of(' ') - b + 1));
  }
  return out;
}

int run(const Config& config) {
  // Registers "ec2" in the catalog (ec2.public_endpoint or the listen address).
  ServiceRuntime runtime(config, {"ec2", "127.0.0.1:8788", nullptr});
  ec2::Ec2Settings settings;
  settings.region = config.get("ec2.region", settings.region);
  settings.endpoint_url = config.get("ec2.public_url", "http://" + runtime.listen_address() + "/");
  settings.availability_zones = comma_list(config.get("ec2.availability_zones", "nova"));
  if (settings.availability_zones.empty()) throw std::invalid_argument("ec2.availability_zones names no zone");
  settings.default_instance_type = config.get("ec2.default_instance_type", settings.default_instance_type);
  settings.terminated_visible_seconds =
      config.get_seconds("ec2.terminated_visible_seconds", std::chrono::seconds(settings.terminated_visible_seconds)).count();

  ec2::Backends backends;
  backends.compute = cloud::compute::v1::Compute::NewStub(runtime.channel_to("compute"));
  backends.images = cloud::image::v1::Images::NewStub(runtime.channel_to("image"));
  backends.network = cloud::network::v1::Network::NewStub(runtime.channel_to("network"));
  backends.block_storage = cloud::block_storage::v1::BlockStorage::NewStub(runtime.channel_to("block-storage"));
  ec2::Actions actions(backends, settings);
  ec2::IdentitySignatureVerifier verifier(runtime.identity());
  ec2::Ec2Handler handler(actions, verifier, settings.region, runtime.logger().child("api"));

  http::ServerSettings http_settings;
  http_settings.listen = runtime.listen_address();
  http_settings.threads = static_cast<int>(config.get_int("ec2.threads", 8));
  http_settings.max_body_bytes = static_cast<size_t>(config.get_int("ec2.max_body_bytes", 1024 * 1024));
  http_settings.read_timeout = config.get_seconds("ec2.read_timeout", std::chrono::seconds(30));
  http::Server server(http_settings, [&handler](const http::Request& r) { return handler.handle(r); },
                      runtime.logger().child("http"));
  server.start();
  int signal_number = process::wait_for_termination_signal();
  runtime.logger().info("shutting down", {{"signal", process::termination_signal_name(signal_number)}});
  server.stop(std::chrono::seconds(10));
  return 0;
}

}  // namespace

int main(int argc, char** argv) { return rpc::service_main(argc, argv, "stratus-ec2-api", run); }
