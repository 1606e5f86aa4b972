// Volumes through the real API: one stratus-identity and one stratus-block-storage for the
// whole binary (a second block-storage whose qemu-img always fails, for the error path), each
// on a database of its own; the test looks at the volumes directory and the bus.
#include <catch2/catch.hpp>

#include <sys/wait.h>

#include <array>
#include <cstdio>
#include <nlohmann/json.hpp>
#include <pqxx/pqxx>

#include <filesystem>
#include <fstream>
#include <iostream>
#include <mutex>
#include <set>
#include <thread>

#include <grpcpp/grpcpp.h>

#include "common/process/run.h"
#include "block_storage/v1/block_storage.grpc.pb.h"
#include "common/bus/consumer.h"
#include "common/bus/topology.h"
#include "common/log/log.h"
#include "tests/support/authorized_client.h"
#include "tests/support/identity_setup.h"
#include "tests/support/reply.h"
#include "tests/support/service_process.h"
#include "tests/support/test_database.h"

using namespace stratus;
namespace v1 = cloud::block_storage::v1;
namespace fs = std::filesystem;
using grpc::StatusCode;
using Stub = v1::BlockStorage::Stub;
using test_support::must;
using test_support::Reply;

namespace {

std::string unique(const std::string& name) { return test_support::unique_name(name); }

class Client : public test_support::AuthorizedClient<Stub> {
 public:
  Client(const std::string& address, std::string token)
      : AuthorizedClient(grpc::CreateChannel(address, grpc::InsecureChannelCredentials()), std::move(token)) {}

  Reply<v1::Volume> create(const std::string& name, int size, const std::string& description = "") const {
    v1::CreateVolumeRequest r;
    r.set_name(name);
    r.set_size_gib(size);
    r.set_description(description);
    return call(&Stub::CreateVolume, r);
  }
  Reply<v1::Volume> get(const std::string& ref) const {
    v1::GetVolumeRequest r;
    r.set_volume(ref);
    return call(&Stub::GetVolume, r);
  }
  Reply<google::protobuf::Empty> remove(const std::string& ref) const {
    v1::DeleteVolumeRequest r;
    r.set_volume(ref);
    return call(&Stub::DeleteVolume, r);
  }
  std::vector<v1::Volume> list() const {
    auto page = must(call(&Stub::ListVolumes, v1::ListVolumesRequest()), "listing volumes");
    return {page.volumes().begin(), page.volumes().end()};
  }
  Reply<v1::Quota> set_quota(const std::string& project, int volumes, int gigabytes) const {
    v1::SetQuotaRequest r;
    r.set_project(project);
    r.set_volumes(volumes);
    r.set_gigabytes(gigabytes);
    return call(&Stub::SetQuota, r);
  }

};

struct Tenant {
  std::string project_id, token;
  Client client;
  std::string project_name, user_name;
};

log::Logger quiet_logger() {
  return log::Logger("test", log::Level::Warn, log::Format::Text, std::make_shared<log::Sink>(std::cerr));
}

// The volume.changed events seen on the bus, per volume id.
class Events {
 public:
  Events() {
    bus::ConsumerOptions options;
    options.exchange = bus::kEventsExchange;
    options.routing_keys = {"volume.changed"};
    options.connection_name = "block-storage-test-events";
    consumer_ = std::make_unique<bus::Consumer>(
        bus::BusUrl::parse(test_support::test_amqp_url()), options,
        [this](const bus::Delivery& d) {
          v1::VolumeChanged event;
          if (event.ParseFromString(d.body)) {
            std::lock_guard<std::mutex> lock(mutex_);
            seen_.insert({event.volume_id(), event.status()});
          }
          return true;
        },
        quiet_logger());
    if (!consumer_->wait_until_connected(std::chrono::seconds(10)))
      throw std::runtime_error("the test's event queue did not connect");
  }
  ~Events() { consumer_->stop(); }
  bool saw(const std::string& volume_id, v1::VolumeStatus status) {
    return test_support::eventually(
        [&] {
          std::lock_guard<std::mutex> lock(mutex_);
          return seen_.count({volume_id, status}) > 0;
        },
        std::chrono::seconds(15));
  }

 private:
  std::unique_ptr<bus::Consumer> consumer_;
  std::mutex mutex_;
  std::set<std::pair<std::string, int>> seen_;
};

class Cloud {
 public:
  static Cloud& instance() {
    static Cloud cloud;
    return cloud;
  }

  Cloud()
      : volumes_dir_(fs::temp_directory_path() / unique("stratus-bs-test-volumes")),
        broken_dir_(fs::temp_directory_path() / unique("stratus-bs-test-broken")) {
    identity_ = std::make_unique<test_support::ServiceProcess>(
        test_support::identity_service_options(STRATUS_IDENTITY_BIN, identity_db_.url()));
    block_storage_ = start(bs_db_, volumes_dir_, "qemu-img");
    setup_ = std::make_unique<test_support::IdentitySetup>(identity_->address());
    admin_ = std::make_unique<Client>(block_storage_->address(), setup_->admin_token());
    events_ = std::make_unique<Events>();
  }
  ~Cloud() {
    std::error_code ec;
    fs::remove_all(volumes_dir_, ec);
    fs::remove_all(broken_dir_, ec);
  }

  Tenant tenant(const std::string& name, const std::string& address = "") {
    auto member = setup_->create_member(unique(name));
    return Tenant{member.project_id, member.token,
                  Client(address.empty() ? block_storage_->address() : address, member.token), member.project_name,
                  member.user_name};
  }
  const Client& admin() const { return *admin_; }
  const std::string& address() const { return block_storage_->address(); }
  const std::string& identity_address() const { return identity_->address(); }
  Events& events() { return *events_; }
  fs::path file_of(const std::string& id) const { return volumes_dir_ / ("volume-" + id + ".qcow2"); }
  size_t files() const {
    size_t n = 0;
    for (const auto& e : fs::directory_iterator(volumes_dir_)) n += e.is_regular_file() ? 1 : 0;
    return n;
  }
  // A second block-storage (own database and directory) whose qemu-img always fails.
  const std::string& broken_address() {
    // It registers in the same identity's catalog: with the main one's address, so what
    // finds block-storage through the catalog (cloudctl) still reaches the main one.
    if (!broken_) broken_ = start(broken_db_, broken_dir_, "false", block_storage_->address());
    return broken_->address();
  }
  const fs::path& broken_dir() const { return broken_dir_; }
  const std::string& broken_db_url() const { return broken_db_.url(); }

 private:
  std::unique_ptr<test_support::ServiceProcess> start(const test_support::TestDatabase& db, const fs::path& dir,
                                                      const std::string& qemu_img,
                                                      const std::string& public_endpoint = "") {
    test_support::ServiceOptions options;
    options.binary = STRATUS_BLOCK_STORAGE_BIN;
    options.db_url = db.url();
    test_support::use_admin_as_service_user(options, identity_->address());
    options.env["STRATUS_BLOCK_STORAGE_VOLUMES_PATH"] = dir.string();
    options.env["STRATUS_BLOCK_STORAGE_QEMU_IMG"] = qemu_img;
    if (!public_endpoint.empty()) {
      options.env["STRATUS_BLOCK_STORAGE_PUBLIC_ENDPOINT"] = public_endpoint;
      // The broken one's recovery looks every second and takes rows a second old as a crash's
      // (the recovery test plants such rows; its other calls finish in milliseconds).
      options.env["STRATUS_BLOCK_STORAGE_RECOVER_INTERVAL"] = "1";
      options.env["STRATUS_BLOCK_STORAGE_STUCK_AFTER"] = "1";
    }
    options.env["STRATUS_BLOCK_STORAGE_MAX_VOLUME_SIZE_GIB"] = "2048";
    options.env["STRATUS_BLOCK_STORAGE_QUOTA_GIGABYTES"] = "5000";
    return std::make_unique<test_support::ServiceProcess>(options);
  }

  test_support::TestDatabase identity_db_, bs_db_, broken_db_;
  fs::path volumes_dir_, broken_dir_;
  std::unique_ptr<test_support::ServiceProcess> identity_, block_storage_, broken_;
  std::unique_ptr<test_support::IdentitySetup> setup_;
  std::unique_ptr<Client> admin_;
  std::unique_ptr<Events> events_;
};

std::string qemu_img_info(const fs::path& file) {
  std::string command = "qemu-img info --output=json '" + file.string() + "' 2>&1";
  std::string out;
  FILE* pipe = popen(command.c_str(), "r");
  if (!pipe) return out;
  char buffer[4096];
  size_t n;
  while ((n = fread(buffer, 1, sizeof buffer, pipe)) > 0) out.append(buffer, n);
  pclose(pipe);
  return out;
}

}  // namespace

TEST_CASE("a volume is created, listed, shown, renamed and deleted, with its file") {
  auto& cloud = Cloud::instance();
  auto t = cloud.tenant("bs-life");

  auto created = t.client.create("data-1", 2, "for the database");
  REQUIRE(created.ok());
  const v1::Volume& v = created.value;
  CHECK(v.name() == "data-1");
  CHECK(v.size_gib() == 2);
  CHECK(v.status() == v1::VOLUME_STATUS_AVAILABLE);
  CHECK(v.description() == "for the database");
  CHECK(v.project_id() == t.project_id);
  CHECK(v.availability_zone() == "nova");
  CHECK(v.backend() == "qcow2");
  CHECK_FALSE(v.has_fault());

  // The file is there, a qcow2 of the asked size (2 GiB virtual).
  REQUIRE(fs::exists(cloud.file_of(v.id())));
  std::string info = qemu_img_info(cloud.file_of(v.id()));
  CHECK(info.find("\"format\": \"qcow2\"") != std::string::npos);
  CHECK(info.find("\"virtual-size\": 2147483648") != std::string::npos);
  CHECK(cloud.events().saw(v.id(), v1::VOLUME_STATUS_CREATING));
  CHECK(cloud.events().saw(v.id(), v1::VOLUME_STATUS_AVAILABLE));

  auto listed = t.client.list();
  REQUIRE(listed.size() == 1);
  CHECK(listed[0].id() == v.id());

  // Shown by id (any case) and by name.
  CHECK(must(t.client.get(v.id()), "get by id").name() == "data-1");
  std::string upper = v.id();
  for (auto& c : upper) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  CHECK(must(t.client.get(upper), "get by upper-case id").id() == v.id());
  CHECK(must(t.client.get("data-1"), "get by name").id() == v.id());

  // Renamed and described anew; the old name is gone.
  v1::UpdateVolumeRequest update;
  update.set_volume("data-1");
  update.set_name("data-2");
  update.set_description("");
  auto updated = t.client.call(&Stub::UpdateVolume, update);
  REQUIRE(updated.ok());
  CHECK(updated.value.name() == "data-2");
  CHECK(updated.value.description().empty());
  CHECK(t.client.get("data-1").code() == StatusCode::NOT_FOUND);
  CHECK(must(t.client.get("data-2"), "get renamed").id() == v.id());

  // A second volume cannot take the name of the first.
  auto duplicate = t.client.create("data-2", 1);
  CHECK(duplicate.code() == StatusCode::ALREADY_EXISTS);

  // Deleted: the file and the row are gone.
  REQUIRE(t.client.remove("data-2").ok());
  CHECK_FALSE(fs::exists(cloud.file_of(v.id())));
  CHECK(t.client.get(v.id()).code() == StatusCode::NOT_FOUND);
  CHECK(t.client.list().empty());
  CHECK(cloud.events().saw(v.id(), v1::VOLUME_STATUS_DELETED));
  // Deleting again: not found.
  CHECK(t.client.remove(v.id()).code() == StatusCode::NOT_FOUND);
}

TEST_CASE("bad requests are refused with the right code and change nothing") {
  auto& cloud = Cloud::instance();
  auto t = cloud.tenant("bs-bad");
  size_t files_before = cloud.files();

  struct Case {
    std::string what, name;
    int size;
    std::string description;
    StatusCode code;
    std::string message_part;
  };
  std::vector<Case> cases = {
      {"size 0", "v", 0, "", StatusCode::INVALID_ARGUMENT, "size_gib must be at least 1 (got 0)"},
      {"negative size", "v", -3, "", StatusCode::INVALID_ARGUMENT, "size_gib must be at least 1 (got -3)"},
      {"too large", "v", 2049, "", StatusCode::INVALID_ARGUMENT, "largest volume this cloud makes (2048 GiB)"},
      {"empty name", "", 1, "", StatusCode::INVALID_ARGUMENT, "name must not be empty"},
      {"name too long", std::string(65, 'n'), 1, "", StatusCode::INVALID_ARGUMENT, "at most 64 characters"},
      {"control characters", "bad\x1bname", 1, "", StatusCode::INVALID_ARGUMENT, "control characters"},
      {"name like an id", "123e4567-e89b-12d3-a456-426614174000", 1, "", StatusCode::INVALID_ARGUMENT, "UUID"},
      {"description too long", "v", 1, std::string(256, 'd'), StatusCode::INVALID_ARGUMENT,
       "description must be at most 255 characters"},
  };
  for (const auto& c : cases) {
    INFO(c.what);
    auto reply = t.client.create(c.name, c.size, c.description);
    CHECK(reply.code() == c.code);
    CHECK(reply.message().find(c.message_part) != std::string::npos);
  }
  v1::CreateVolumeRequest zone;
  zone.set_name("v");
  zone.set_size_gib(1);
  zone.set_availability_zone("mars");
  auto bad_zone = t.client.call(&Stub::CreateVolume, zone);
  CHECK(bad_zone.code() == StatusCode::INVALID_ARGUMENT);
  CHECK(bad_zone.message().find("availability_zone mars") != std::string::npos);

  // Unknown references.
  CHECK(t.client.get("no-such-volume").code() == StatusCode::NOT_FOUND);
  CHECK(t.client.get("123e4567-e89b-12d3-a456-426614174000").code() == StatusCode::NOT_FOUND);
  CHECK(t.client.get("").code() == StatusCode::INVALID_ARGUMENT);
  CHECK(t.client.remove("no-such-volume").code() == StatusCode::NOT_FOUND);
  v1::UpdateVolumeRequest update;
  update.set_volume("no-such-volume");
  update.set_name("x");
  CHECK(t.client.call(&Stub::UpdateVolume, update).code() == StatusCode::NOT_FOUND);

  // Nothing was made.
  CHECK(t.client.list().empty());
  CHECK(cloud.files() == files_before);

  // A bad rename leaves the volume as it was.
  auto v = must(t.client.create("keep", 1), "creating keep");
  update.set_volume("keep");
  update.set_name("tab\tname");
  CHECK(t.client.call(&Stub::UpdateVolume, update).code() == StatusCode::INVALID_ARGUMENT);
  v1::UpdateVolumeRequest nothing;
  nothing.set_volume("keep");
  CHECK(t.client.call(&Stub::UpdateVolume, nothing).code() == StatusCode::INVALID_ARGUMENT);
  CHECK(must(t.client.get(v.id()), "get keep").name() == "keep");
  // Quotas are the admin's.
  CHECK(t.client.set_quota(t.project_id, 100, 100).code() == StatusCode::PERMISSION_DENIED);
  REQUIRE(t.client.remove("keep").ok());
  // A token that is none.
  Client anonymous(cloud.address(), "not-a-token");
  CHECK(anonymous.get("keep").code() == StatusCode::UNAUTHENTICATED);
}

TEST_CASE("quota: volumes and gigabytes are refused past the limit, naming the quota") {
  auto& cloud = Cloud::instance();
  auto t = cloud.tenant("bs-quota");
  REQUIRE(cloud.admin().set_quota(t.project_id, 2, 5).ok());

  auto a = must(t.client.create("a", 3), "creating a");
  auto too_big = t.client.create("b", 3);
  CHECK(too_big.code() == StatusCode::RESOURCE_EXHAUSTED);
  CHECK(too_big.message() == "quota exceeded for gigabytes: 3 GiB of 5 GiB in use, 3 GiB more requested");
  auto b = must(t.client.create("b", 2), "creating b");
  auto third = t.client.create("c", 1);
  CHECK(third.code() == StatusCode::RESOURCE_EXHAUSTED);
  CHECK(third.message().find("quota exceeded for volumes: 2 of 2 in use") != std::string::npos);
  CHECK(t.client.list().size() == 2);

  v1::GetQuotaRequest get;
  auto quota = must(t.client.call(&Stub::GetQuota, get), "reading the quota");
  CHECK(quota.project_id() == t.project_id);
  CHECK(quota.limits().volumes() == 2);
  CHECK(quota.limits().gigabytes() == 5);
  CHECK(quota.in_use().volumes() == 2);
  CHECK(quota.in_use().gigabytes() == 5);

  // Deleting gives the room back.
  REQUIRE(t.client.remove("a").ok());
  CHECK(t.client.create("c", 1).ok());
  CHECK(cloud.admin().set_quota(t.project_id, -2, 1).code() == StatusCode::INVALID_ARGUMENT);
  for (const auto& v : t.client.list()) CHECK(t.client.remove(v.id()).ok());
  (void)b;
}

TEST_CASE("concurrent creations never go past the quota") {
  auto& cloud = Cloud::instance();
  auto t = cloud.tenant("bs-race");
  REQUIRE(cloud.admin().set_quota(t.project_id, 3, -1).ok());
  std::vector<std::thread> threads;
  std::mutex mutex;
  int ok = 0, exhausted = 0;
  for (int i = 0; i < 8; ++i)
    threads.emplace_back([&, i] {
      auto reply = t.client.create("race-" + std::to_string(i), 1);
      std::lock_guard<std::mutex> lock(mutex);
      if (reply.ok()) ++ok;
      if (reply.code() == StatusCode::RESOURCE_EXHAUSTED) ++exhausted;
    });
  for (auto& th : threads) th.join();
  CHECK(ok == 3);
  CHECK(exhausted == 5);
  CHECK(t.client.list().size() == 3);
  for (const auto& v : t.client.list()) CHECK(t.client.remove(v.id()).ok());
}

TEST_CASE("two tenants never see or touch each other's volumes") {
  auto& cloud = Cloud::instance();
  auto alice = cloud.tenant("bs-alice");
  auto bob = cloud.tenant("bs-bob");
  auto mine = must(alice.client.create("shared-name", 1), "alice's volume");
  // The same name in another project is another volume.
  auto theirs = must(bob.client.create("shared-name", 1), "bob's volume");
  CHECK(mine.id() != theirs.id());

  CHECK(bob.client.get(mine.id()).code() == StatusCode::NOT_FOUND);
  CHECK(must(bob.client.get("shared-name"), "bob by name").id() == theirs.id());
  CHECK(bob.client.remove(mine.id()).code() == StatusCode::NOT_FOUND);
  v1::UpdateVolumeRequest rename;
  rename.set_volume(mine.id());
  rename.set_name("stolen");
  CHECK(bob.client.call(&Stub::UpdateVolume, rename).code() == StatusCode::NOT_FOUND);
  auto bobs = bob.client.list();
  REQUIRE(bobs.size() == 1);
  CHECK(bobs[0].id() == theirs.id());
  v1::ListVolumesRequest all;
  all.set_all_projects(true);
  CHECK(bob.client.call(&Stub::ListVolumes, all).code() == StatusCode::PERMISSION_DENIED);
  v1::GetQuotaRequest other_quota;
  other_quota.set_project(alice.project_id);
  CHECK(bob.client.call(&Stub::GetQuota, other_quota).code() == StatusCode::PERMISSION_DENIED);

  // Alice's volume is untouched, and her file still there.
  auto again = must(alice.client.get(mine.id()), "alice's volume again");
  CHECK(again.name() == "shared-name");
  CHECK(again.status() == v1::VOLUME_STATUS_AVAILABLE);
  CHECK(fs::exists(cloud.file_of(mine.id())));

  // The admin sees both.
  auto every = must(cloud.admin().call(&Stub::ListVolumes, all), "admin list");
  std::set<std::string> ids;
  for (const auto& v : every.volumes()) ids.insert(v.id());
  CHECK(ids.count(mine.id()) == 1);
  CHECK(ids.count(theirs.id()) == 1);

  CHECK(alice.client.remove(mine.id()).ok());
  CHECK(bob.client.remove(theirs.id()).ok());
}

TEST_CASE("request_id makes a retried create return the first volume") {
  auto& cloud = Cloud::instance();
  auto t = cloud.tenant("bs-idem");
  v1::CreateVolumeRequest r;
  r.set_name("once");
  r.set_size_gib(1);
  r.set_request_id("7d1e3a52-retry");
  auto first = must(t.client.call(&Stub::CreateVolume, r), "first create");
  auto second = must(t.client.call(&Stub::CreateVolume, r), "repeated create");
  CHECK(first.id() == second.id());
  CHECK(t.client.list().size() == 1);
  CHECK(t.client.remove("once").ok());
}

TEST_CASE("a backend failure leaves the volume in error with a message and no file, and it can be deleted") {
  auto& cloud = Cloud::instance();
  const std::string& address = cloud.broken_address();
  auto t = cloud.tenant("bs-broken", address);
  auto v = must(t.client.create("doomed", 1), "create on the broken backend");
  CHECK(v.status() == v1::VOLUME_STATUS_ERROR);
  REQUIRE(v.has_fault());
  CHECK(v.fault().message().find("the volume could not be created") != std::string::npos);
  size_t files = 0;
  for (const auto& e : fs::directory_iterator(cloud.broken_dir())) files += e.is_regular_file() ? 1 : 0;
  CHECK(files == 0);
  CHECK(must(t.client.get("doomed"), "get doomed").status() == v1::VOLUME_STATUS_ERROR);
  // An error volume counts against the quota until deleted, and can be deleted.
  CHECK(t.client.remove("doomed").ok());
  CHECK(t.client.get("doomed").code() == StatusCode::NOT_FOUND);
}

TEST_CASE("recovery finishes what a crash left in creating or deleting") {
  auto& cloud = Cloud::instance();
  const std::string& address = cloud.broken_address();
  auto t = cloud.tenant("bs-recover", address);
  const std::string creating_id = "0b8c6a1e-0000-4000-8000-00000000c001";
  const std::string deleting_id = "0b8c6a1e-0000-4000-8000-00000000d001";
  {
    // What a process killed between its two transactions leaves: rows an hour old.
    pqxx::connection c(cloud.broken_db_url());
    pqxx::work tx(c);
    for (const auto& [id, status] : {std::pair<std::string, std::string>{creating_id, "creating"},
                                     std::pair<std::string, std::string>{deleting_id, "deleting"}})
      tx.exec_params("INSERT INTO volumes (id, project_id, user_id, name, size_gib, availability_zone, status, backend, "
                     "updated_at) VALUES ($1::uuid, $2, 'u', $3, 1, 'nova', $4, 'qcow2', now() - interval '1 hour')",
                     id, t.project_id, "crashed-" + status, status);
    tx.commit();
  }
  std::ofstream(cloud.broken_dir() / ("volume-" + creating_id + ".qcow2.partial")) << "half";
  std::ofstream(cloud.broken_dir() / ("volume-" + deleting_id + ".qcow2")) << "old";

  CHECK(test_support::eventually(
      [&] {
        auto v = t.client.get(creating_id);
        return v.ok() && v.value.status() == v1::VOLUME_STATUS_ERROR;
      },
      std::chrono::seconds(15)));
  auto failed = must(t.client.get(creating_id), "the recovered volume");
  CHECK(failed.fault().message() == "the service stopped while creating the volume");
  CHECK_FALSE(fs::exists(cloud.broken_dir() / ("volume-" + creating_id + ".qcow2.partial")));
  CHECK(test_support::eventually([&] { return t.client.get(deleting_id).code() == StatusCode::NOT_FOUND; },
                                 std::chrono::seconds(15)));
  CHECK_FALSE(fs::exists(cloud.broken_dir() / ("volume-" + deleting_id + ".qcow2")));
  CHECK(t.client.remove(creating_id).ok());
}

#ifdef STRATUS_CLOUDCTL_BIN
namespace {
struct Run {
  int status = -1;
  std::string out;
};
// cloudctl as `t`, with HOME of its own (its token cache) and the identity endpoint: it finds
// block-storage through the catalog, so this also checks the service registered itself.
Run cloudctl(const Tenant& t, const std::string& home, const std::string& args) {
  std::string command = "env -u CLOUD_PROFILE HOME=" + home + " CLOUD_ENDPOINT=" + Cloud::instance().identity_address() +
                        " CLOUD_USERNAME=" + t.user_name + " CLOUD_PROJECT=" + t.project_name +
                        " CLOUD_PASSWORD=" + test_support::kMemberPassword + " " STRATUS_CLOUDCTL_BIN " " + args +
                        " </dev/null 2>&1";
  auto result = stratus::process::run_command(command);
  return Run{result.status, result.output};
}
}  // namespace

TEST_CASE("cloudctl volume create, list, show, set and delete") {
  auto& cloud = Cloud::instance();
  auto t = cloud.tenant("bs-cli");
  fs::path home = fs::temp_directory_path() / unique("bs-cli-home");
  fs::create_directories(home);

  auto created = cloudctl(t, home, "--json volume create cli-vol --size 1 --description 'from the cli'");
  INFO(created.out);
  REQUIRE(created.status == 0);
  auto volume = nlohmann::json::parse(created.out);
  std::string id = volume.at("id");
  CHECK(volume.at("status") == "VOLUME_STATUS_AVAILABLE");
  CHECK(volume.at("size_gib") == 1);
  CHECK(fs::exists(cloud.file_of(id)));

  auto table = cloudctl(t, home, "volume list");
  INFO(table.out);
  CHECK(table.status == 0);
  CHECK(table.out.find("cli-vol") != std::string::npos);
  CHECK(table.out.find("available") != std::string::npos);

  auto list = cloudctl(t, home, "--json volume list");
  REQUIRE(list.status == 0);
  CHECK(nlohmann::json::parse(list.out).size() == 1);

  auto set = cloudctl(t, home, "--json volume set cli-vol --name cli-renamed");
  INFO(set.out);
  REQUIRE(set.status == 0);
  CHECK(nlohmann::json::parse(set.out).at("name") == "cli-renamed");

  auto show = cloudctl(t, home, "volume show " + id);
  INFO(show.out);
  CHECK(show.status == 0);
  CHECK(show.out.find("cli-renamed") != std::string::npos);
  CHECK(show.out.find("from the cli") != std::string::npos);

  auto zero = cloudctl(t, home, "volume create bad --size 0");
  INFO(zero.out);
  CHECK(zero.status == 1);
  CHECK(zero.out.find("size_gib must be at least 1") != std::string::npos);
  auto no_size = cloudctl(t, home, "volume create bad");
  CHECK(no_size.status == 2);

  auto removed = cloudctl(t, home, "volume delete cli-renamed");
  INFO(removed.out);
  CHECK(removed.status == 0);
  CHECK_FALSE(fs::exists(cloud.file_of(id)));
  auto gone = cloudctl(t, home, "volume show " + id);
  CHECK(gone.status == 1);
  CHECK(gone.out.find("NOT_FOUND") != std::string::npos);
  fs::remove_all(home);
}
#endif

// ---------------------------------------------------------------- snapshots

namespace {

Reply<v1::Snapshot> snapshot(const Client& client, const std::string& name, const std::string& volume) {
  v1::CreateSnapshotRequest r;
  r.set_name(name);
  r.set_volume(volume);
  return client.call(&Stub::CreateSnapshot, r);
}

Reply<v1::Volume> volume_from(const Client& client, const std::string& name, const std::string& snap, int size = 0) {
  v1::CreateVolumeRequest r;
  r.set_name(name);
  r.set_snapshot(snap);
  r.set_size_gib(size);
  return client.call(&Stub::CreateVolume, r);
}

Reply<google::protobuf::Empty> remove_snapshot(const Client& client, const std::string& ref) {
  v1::DeleteSnapshotRequest r;
  r.set_snapshot(ref);
  return client.call(&Stub::DeleteSnapshot, r);
}

// qemu-io on a volume's file: writes `pattern` over its first MiB, or checks it is there.
bool qemu_io(const fs::path& file, const std::string& op, int pattern) {
  auto result = process::run({"qemu-io", "-f", "qcow2", "-c",
                              op + " -P " + std::to_string(pattern) + " 0 1M", file.string()});
  return result.status == 0 && result.output.find("failed") == std::string::npos;
}

}  // namespace

TEST_CASE("a snapshot keeps the volume's content; volumes made from it have it; snapshots hold their volume") {
  auto& cloud = Cloud::instance();
  auto t = cloud.tenant("bs-snap");
  auto v = must(t.client.create("source", 1), "create");
  REQUIRE(qemu_io(cloud.file_of(v.id()), "write", 0x5a));

  auto s = must(snapshot(t.client, "before", "source"), "snapshot");
  CHECK(s.status() == v1::SNAPSHOT_STATUS_AVAILABLE);
  CHECK(s.volume_id() == v.id());
  CHECK(s.size_gib() == 1);
  CHECK(process::run({"qemu-img", "snapshot", "-l", cloud.file_of(v.id()).string()}).output.find("snapshot-" + s.id()) !=
        std::string::npos);
  // The volume moves on; the snapshot does not.
  REQUIRE(qemu_io(cloud.file_of(v.id()), "write", 0x11));

  auto copy = must(volume_from(t.client, "copy", "before"), "volume from snapshot");
  CHECK(copy.status() == v1::VOLUME_STATUS_AVAILABLE);
  CHECK(copy.size_gib() == 1);
  CHECK(copy.source_snapshot_id() == s.id());
  CHECK(qemu_io(cloud.file_of(copy.id()), "read", 0x5a));
  CHECK_FALSE(qemu_io(cloud.file_of(copy.id()), "read", 0x11));
  auto bigger = must(volume_from(t.client, "bigger", s.id(), 3), "bigger volume from snapshot");
  CHECK(bigger.size_gib() == 3);
  CHECK(qemu_img_info(cloud.file_of(bigger.id())).find("\"virtual-size\": 3221225472") != std::string::npos);
  CHECK(qemu_io(cloud.file_of(bigger.id()), "read", 0x5a));

  // Listed, shown, and holding the volume.
  v1::ListSnapshotsRequest list;
  list.set_volume("source");
  auto listed = must(t.client.call(&Stub::ListSnapshots, list), "list");
  REQUIRE(listed.snapshots_size() == 1);
  CHECK(listed.snapshots(0).id() == s.id());
  auto held = t.client.remove("source");
  CHECK(held.code() == StatusCode::FAILED_PRECONDITION);
  CHECK(held.message().find("1 snapshot") != std::string::npos);

  // Deleted: out of the file too; then the volume may go. Copies are independent.
  REQUIRE(remove_snapshot(t.client, "before").ok());
  CHECK(remove_snapshot(t.client, "before").code() == StatusCode::NOT_FOUND);
  CHECK(process::run({"qemu-img", "snapshot", "-l", cloud.file_of(v.id()).string()}).output.find("snapshot-") ==
        std::string::npos);
  REQUIRE(t.client.remove("source").ok());
  CHECK(qemu_io(cloud.file_of(copy.id()), "read", 0x5a));
  REQUIRE(t.client.remove("copy").ok());
  REQUIRE(t.client.remove("bigger").ok());
}

TEST_CASE("snapshots: bad requests, quota and tenant walls") {
  auto& cloud = Cloud::instance();
  auto a = cloud.tenant("bs-snap-a");
  auto b = cloud.tenant("bs-snap-b");
  auto v = must(a.client.create("disk", 2), "create");
  auto s = must(snapshot(a.client, "s1", "disk"), "snapshot");

  CHECK(snapshot(a.client, "s1", "disk").code() == StatusCode::ALREADY_EXISTS);
  CHECK(snapshot(a.client, "", "disk").code() == StatusCode::INVALID_ARGUMENT);
  CHECK(snapshot(a.client, "s2", "").code() == StatusCode::INVALID_ARGUMENT);
  CHECK(snapshot(a.client, "s2", "no-such-volume").code() == StatusCode::NOT_FOUND);
  CHECK(volume_from(a.client, "small", "s1", 1).code() == StatusCode::INVALID_ARGUMENT);  // smaller than 2 GiB
  CHECK(volume_from(a.client, "none", "no-such-snapshot").code() == StatusCode::NOT_FOUND);

  // Another project sees nothing of A's snapshots and cannot use them.
  CHECK(snapshot(b.client, "mine", v.id()).code() == StatusCode::NOT_FOUND);
  v1::GetSnapshotRequest get;
  get.set_snapshot(s.id());
  CHECK(b.client.call(&Stub::GetSnapshot, get).code() == StatusCode::NOT_FOUND);
  CHECK(must(b.client.call(&Stub::ListSnapshots, v1::ListSnapshotsRequest()), "list b").snapshots().empty());
  CHECK(volume_from(b.client, "stolen", s.id()).code() == StatusCode::NOT_FOUND);
  CHECK(remove_snapshot(b.client, s.id()).code() == StatusCode::NOT_FOUND);

  // The snapshot quota counts, atomically with creation.
  v1::SetQuotaRequest quota;
  quota.set_project(a.project_id);
  quota.set_snapshots(1);
  must(cloud.admin().call(&Stub::SetQuota, quota), "set quota");
  auto over = snapshot(a.client, "s2", "disk");
  CHECK(over.code() == StatusCode::RESOURCE_EXHAUSTED);
  CHECK(over.message().find("snapshots") != std::string::npos);
  CHECK(must(a.client.call(&Stub::ListSnapshots, v1::ListSnapshotsRequest()), "list a").snapshots_size() == 1);

  REQUIRE(remove_snapshot(a.client, "s1").ok());
  REQUIRE(a.client.remove("disk").ok());
}

TEST_CASE("extend: an available volume grows (file and quota), nothing else does") {
  auto& cloud = Cloud::instance();
  auto t = cloud.tenant("bs-extend");
  auto v = must(t.client.create("grow", 1), "create");
  REQUIRE(qemu_io(cloud.file_of(v.id()), "write", 0x33));
  auto extend = [&](const std::string& ref, int size) {
    v1::ExtendVolumeRequest r;
    r.set_volume(ref);
    r.set_new_size_gib(size);
    return t.client.call(&Stub::ExtendVolume, r);
  };
  auto grown = must(extend("grow", 3), "extend");
  CHECK(grown.status() == v1::VOLUME_STATUS_AVAILABLE);
  CHECK(grown.size_gib() == 3);
  CHECK(qemu_img_info(cloud.file_of(v.id())).find("\"virtual-size\": 3221225472") != std::string::npos);
  CHECK(qemu_io(cloud.file_of(v.id()), "read", 0x33));  // the content stays
  CHECK(cloud.events().saw(v.id(), v1::VOLUME_STATUS_EXTENDING));

  CHECK(extend("grow", 3).code() == StatusCode::INVALID_ARGUMENT);  // equal
  CHECK(extend("grow", 2).code() == StatusCode::INVALID_ARGUMENT);  // smaller
  CHECK(extend("grow", 0).code() == StatusCode::INVALID_ARGUMENT);
  CHECK(extend("grow", 999999).code() == StatusCode::INVALID_ARGUMENT);  // past the largest volume
  CHECK(extend("no-such-volume", 4).code() == StatusCode::NOT_FOUND);
  auto other = cloud.tenant("bs-extend-other");
  v1::ExtendVolumeRequest foreign;
  foreign.set_volume(v.id());
  foreign.set_new_size_gib(4);
  CHECK(other.client.call(&Stub::ExtendVolume, foreign).code() == StatusCode::NOT_FOUND);

  // The growth counts against gigabytes.
  REQUIRE(cloud.admin().set_quota(t.project_id, 10, 4).ok());
  auto over = extend("grow", 5);
  CHECK(over.code() == StatusCode::RESOURCE_EXHAUSTED);
  CHECK(over.message().find("gigabytes") != std::string::npos);
  CHECK(must(t.client.get("grow"), "get").size_gib() == 3);
  REQUIRE(t.client.remove("grow").ok());
}
