// Claims are race-free: scheduling and the claim happen in one transaction under the hosts'
// row locks, so concurrent creates never overcommit a host.
#include <atomic>
#include <thread>

#include <catch2/catch.hpp>

#include "tests/compute/compute_test_support.h"

using namespace stratus;
using namespace stratus::compute_test;
using Stub = v1::Compute::Stub;

TEST_CASE("32 concurrent creates against a host that fits 8: exactly 8 claim it, the rest are refused") {
  auto& cloud = Cloud::instance();
  // Four projects: creates of one project queue on its quota lock, so only creates of
  // different projects test the host's lock.
  std::vector<Tenant> tenants;
  for (int n = 0; n < 4; ++n) tenants.push_back(cloud.tenant("claims-" + std::to_string(n)));
  // Disk is the binding resource (allocation ratio 1.0): 8 GiB for 1 GiB servers.
  auto host = cloud.host("claims", 64, 65536, 8);
  auto flavor = cloud.flavor(1, 64, 1);

  constexpr int kCreates = 32;
  std::atomic<int> accepted{0}, exhausted{0}, other{0};
  std::vector<std::string> other_errors(kCreates);
  std::vector<std::thread> threads;
  for (int n = 0; n < kCreates; ++n) {
    threads.emplace_back([&, n] {
      const Tenant& t = tenants[n % tenants.size()];
      auto reply = t.compute.call(&Stub::CreateServer, server_request("racer-" + std::to_string(n), flavor, host->zone()));
      if (reply.ok())
        ++accepted;
      else if (reply.code() == StatusCode::RESOURCE_EXHAUSTED)
        ++exhausted;
      else {
        ++other;
        other_errors[n] = test_support::describe(reply.status);
      }
    });
  }
  for (auto& th : threads) th.join();
  for (const auto& e : other_errors)
    if (!e.empty()) UNSCOPED_INFO(e);
  CHECK(other == 0);
  CHECK(accepted == 8);
  CHECK(exhausted == kCreates - 8);

  auto usage = must(cloud.host_view(host->name()), "host");
  CHECK(usage.disk_gib_used() == 8);
  CHECK(usage.instances() == 8);
  int listed = 0;
  for (const auto& t : tenants) {
    auto servers = must(t.compute.call(&Stub::ListServers, v1::ListServersRequest()), "list");
    listed += servers.servers_size();
    for (const auto& s : servers.servers()) {
      v1::ServerActionRequest del;
      del.set_server(s.id());
      must(t.compute.call(&Stub::DeleteServer, del), "cleanup");
    }
  }
  CHECK(listed == 8);
  CHECK(must(cloud.host_view(host->name()), "host").disk_gib_used() == 0);
}
