#include "services/ec2-api/domain/instances.h"

#include <catch2/catch.hpp>

#include "services/ec2-api/domain/ec2_error.h"
#include "services/ec2-api/domain/ids.h"
#include "services/ec2-api/domain/query.h"

using namespace stratus::ec2;

TEST_CASE("compute's states show as EC2's codes and names") {
  CHECK(instance_state("BUILD", "SCHEDULING", "NOSTATE") == InstanceState{0, "pending"});
  CHECK(instance_state("BUILD", "SPAWNING", "NOSTATE") == kPending);
  CHECK(instance_state("ACTIVE", "NONE", "RUNNING") == InstanceState{16, "running"});
  CHECK(instance_state("ACTIVE", "IMAGE_SNAPSHOT", "RUNNING") == kRunning);
  CHECK(instance_state("REBOOT", "REBOOTING", "RUNNING") == kRunning);
  CHECK(instance_state("ACTIVE", "DELETING", "RUNNING") == InstanceState{32, "shutting-down"});
  CHECK(instance_state("SHUTOFF", "DELETING", "SHUTDOWN") == kShuttingDown);
  CHECK(instance_state("BUILD", "DELETING", "NOSTATE") == kShuttingDown);
  CHECK(instance_state("DELETED", "NONE", "NOSTATE") == InstanceState{48, "terminated"});
  CHECK(instance_state("ACTIVE", "POWERING_OFF", "RUNNING") == InstanceState{64, "stopping"});
  CHECK(instance_state("SHUTOFF", "NONE", "SHUTDOWN") == InstanceState{80, "stopped"});
  CHECK(instance_state("SHUTOFF", "POWERING_ON", "SHUTDOWN") == kPending);
}

TEST_CASE("an instance in ERROR is running while its power is on, else stopped") {
  CHECK(instance_state("ERROR", "NONE", "RUNNING") == kRunning);
  CHECK(instance_state("ERROR", "NONE", "NOSTATE") == kStopped);
  CHECK(instance_state("ERROR", "NONE", "SHUTDOWN") == kStopped);
  CHECK(instance_state("ERROR", "POWERING_OFF", "RUNNING") == kStopping);
}

TEST_CASE("state names are looked up exactly") {
  CHECK(instance_state_named("stopping") == kStopping);
  CHECK(instance_state_named("terminated")->code == 48);
  CHECK_FALSE(instance_state_named("Running"));
  CHECK_FALSE(instance_state_named("error"));
}

TEST_CASE("a reservation is the create call's request id, else a digest of it, else the instance") {
  const std::string instance = "0f1e2d3c-4b5a-6978-8796-a5b4c3d2e1f0";
  CHECK(reservation_uuid("AABBCCDD-0000-1111-2222-333344445555", instance) == "aabbccdd-0000-1111-2222-333344445555");
  CHECK(reservation_uuid("", instance) == instance);
  auto digest = reservation_uuid("cloudctl-retry-7", instance);
  CHECK(digest == reservation_uuid("cloudctl-retry-7", "11111111-2222-3333-4444-555555555555"));
  CHECK(digest != reservation_uuid("cloudctl-retry-8", instance));
  CHECK(uuid_of(IdKind::Reservation, to_ec2_id(IdKind::Reservation, digest)) == digest);
}

TEST_CASE("a client token gives the same request id every time, and different tokens different ones") {
  CHECK(client_token_request_id("token-1") == client_token_request_id("token-1"));
  CHECK(client_token_request_id("token-1") != client_token_request_id("token-2"));
  CHECK(client_token_request_id("token-1").size() == 36);
  // What compute keeps as request_id comes back as the reservation.
  CHECK(reservation_uuid(client_token_request_id("t"), "0f1e2d3c-4b5a-6978-8796-a5b4c3d2e1f0") ==
        client_token_request_id("t"));
}

TEST_CASE("an association id names one address on one port") {
  const std::string fip = "0f1e2d3c-4b5a-6978-8796-a5b4c3d2e1f0";
  const std::string port_a = "11111111-2222-3333-4444-555555555555", port_b = "66666666-2222-3333-4444-555555555555";
  CHECK(association_uuid(fip, port_a) == association_uuid(fip, port_a));
  CHECK(association_uuid(fip, port_a) == association_uuid("0F1E2D3C-4B5A-6978-8796-A5B4C3D2E1F0", port_a));
  CHECK(association_uuid(fip, port_a) != association_uuid(fip, port_b));
  CHECK(association_uuid(fip, port_a) != fip);
}

TEST_CASE("launch indexes follow the NAME-1..NAME-N numbering, not the text order") {
  CHECK(launch_indexes({"web"}) == std::vector<int>{0});
  CHECK(launch_indexes({"r-1", "r-10", "r-2"}) == std::vector<int>{0, 2, 1});
  CHECK(launch_indexes({"b", "a-3"}) == std::vector<int>{1, 0});
}

TEST_CASE("the listing order keeps one reservation's instances together, in launch order") {
  auto k1 = listing_key("aaaa", 1, "0000");
  auto k0 = listing_key("aaaa", 0, "ffff");
  auto other = listing_key("bbbb", 0, "0000");
  CHECK(k0 < k1);
  CHECK(k1 < other);
  CHECK(listing_key("AAAA", 10, "FFFF") == "aaaa:000010:ffff");
}

TEST_CASE("pages follow each other by token and end with no token") {
  std::vector<std::string> keys = {"a:000000:1", "a:000001:2", "b:000000:3", "c:000000:4", "d:000000:5"};
  auto first = page_window(keys, 2, "");
  CHECK(first.begin == 0);
  CHECK(first.end == 2);
  REQUIRE_FALSE(first.next_token.empty());
  auto second = page_window(keys, 2, first.next_token);
  CHECK(second.begin == 2);
  CHECK(second.end == 4);
  auto last = page_window(keys, 2, second.next_token);
  CHECK(last.begin == 4);
  CHECK(last.end == 5);
  CHECK(last.next_token.empty());
  auto all = page_window(keys, std::nullopt, "");
  CHECK(all.end == 5);
  CHECK(all.next_token.empty());
  CHECK(page_window(keys, 5, "").next_token.empty());
}

TEST_CASE("a page resumes after the token's key even when that item is gone") {
  std::vector<std::string> keys = {"a:000000:1", "b:000000:3"};
  auto w = page_window(keys, 1, "v1:a:000000:2");
  CHECK(w.begin == 1);
  CHECK(w.end == 2);
  CHECK(page_window({}, 5, "v1:a:000000:2").begin == 0);
}

TEST_CASE("a token this front did not make is refused") {
  std::vector<std::string> keys = {"a:000000:1"};
  for (const std::string bad : {"garbage", "v1:", "v1:ZZ", "v2:a:000000:1", "v1:a b"}) {
    INFO(bad);
    try {
      page_window(keys, 5, bad);
      FAIL("accepted");
    } catch (const Ec2Error& e) {
      CHECK(e.code() == "InvalidParameterValue");
    }
  }
}

namespace {
InstanceFacts web() {
  InstanceFacts f;
  f.instance_id = "i-0f1e2d3c4b5a69788796a5b4c3d2e1f0";
  f.reservation_id = "r-11112222333344445555666677778888";
  f.owner_id = "p1";
  f.instance_type = "m1.small";
  f.image_id = "ami-aaaabbbbccccddddeeeeffff00001111";
  f.key_name = "ec2-key";
  f.availability_zone = "nova";
  f.private_ip = "10.0.0.5";
  f.state = kRunning;
  f.group_ids = {"sg-1", "sg-2"};
  f.group_names = {"default", "web"};
  return f;
}
bool matches(const InstanceFacts& f, std::vector<Filter> filters) {
  FilterSet set(std::move(filters), instance_filter_names());
  return set.matches([&](const std::string& name) { return instance_filter_values(f, name); });
}
}  // namespace

TEST_CASE("DescribeInstances filters look at the instance's EC2 facts") {
  auto f = web();
  CHECK(matches(f, {{"instance-state-name", {"running"}}}));
  CHECK(matches(f, {{"instance-state-code", {"16"}}}));
  CHECK_FALSE(matches(f, {{"instance-state-name", {"stopped", "terminated"}}}));
  CHECK(matches(f, {{"instance-state-name", {"stopped", "running"}}}));  // any value of one filter
  CHECK(matches(f, {{"instance-type", {"m1.*"}}, {"key-name", {"ec2-key"}}}));
  CHECK_FALSE(matches(f, {{"instance-type", {"m1.*"}}, {"key-name", {"other"}}}));  // every filter
  CHECK(matches(f, {{"reservation-id", {f.reservation_id}}}));
  CHECK(matches(f, {{"image-id", {f.image_id}}, {"availability-zone", {"nova"}}, {"instance-id", {"i-*"}}}));
  CHECK(matches(f, {{"instance.group-name", {"web"}}}));
  CHECK(matches(f, {{"group-id", {"sg-2"}}}));
  CHECK(matches(f, {{"private-ip-address", {"10.0.0.*"}}}));
}

TEST_CASE("an absent fact matches no filter, not even '*'") {
  auto f = web();
  f.key_name.clear();
  CHECK_FALSE(matches(f, {{"key-name", {"*"}}}));
  CHECK_FALSE(matches(f, {{"ip-address", {"*"}}}));
  f.public_ip = "203.0.113.7";
  CHECK(matches(f, {{"ip-address", {"203.0.113.7"}}}));
}

TEST_CASE("a filter DescribeInstances does not know is refused") {
  try {
    matches(web(), {{"tag:Name", {"x"}}});
    FAIL("accepted");
  } catch (const Ec2Error& e) {
    CHECK(e.code() == "InvalidParameterValue");
  }
}

TEST_CASE("RunInstances tries from MaxCount down to MinCount, every count when few, halving when many") {
  CHECK(launch_counts(2, 2) == std::vector<int64_t>{2});
  CHECK(launch_counts(1, 4) == std::vector<int64_t>{4, 3, 2, 1});
  CHECK(launch_counts(1, 9) == std::vector<int64_t>{9, 8, 7, 6, 5, 4, 3, 2, 1});
  CHECK(launch_counts(1, 100) == std::vector<int64_t>{100, 50, 25, 13, 7, 4, 2, 1});
  CHECK(launch_counts(10, 1000).back() == 10);
  CHECK(launch_counts(10, 1000).size() < 12);
}
