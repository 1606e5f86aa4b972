// What a hostile or careless caller sends the image service, through the real process:
// shares as offers (pending, accepted, rejected), names that hide characters or take another
// image's name away, values that must not come back unbounded or raw, numbers out of range,
// reserved property keys in another letter case. Each case works in projects of its own.
#include <algorithm>
#include <cctype>
#include <cstdint>
#include <cstdio>
#include <functional>
#include <random>

#include "tests/image/image_test_support.h"

using namespace stratus::image_test;

namespace {

v1::UpdateImageRequest update_of(const std::string& image) {
  v1::UpdateImageRequest request;
  request.set_image(image);
  return request;
}

std::string upper(std::string text) {
  for (auto& c : text) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  return text;
}

std::string random_uuid() {
  static std::mt19937_64 random(std::random_device{}());
  char text[37];
  std::snprintf(text, sizeof text, "%08x-%04x-4%03x-8%03x-%012llx", static_cast<unsigned>(random()),
                static_cast<unsigned>(random() & 0xffff), static_cast<unsigned>(random() & 0xfff),
                static_cast<unsigned>(random() & 0xfff),
                static_cast<unsigned long long>(random() & 0xffffffffffffULL));
  return text;
}

std::vector<std::string> ids_of(const v1::ListImagesResponse& list) {
  std::vector<std::string> ids;
  for (const auto& i : list.images()) ids.push_back(i.id());
  return ids;
}

bool lists(const ImageClient& client, const std::string& image_id, const std::string& member_status = "") {
  v1::ListImagesRequest request;
  request.set_member_status(member_status);
  request.set_page_size(1000);
  auto ids = ids_of(must(client.list(request), "list"));
  return std::find(ids.begin(), ids.end(), image_id) != ids.end();
}

Reply<v1::Image> answer(const ImageClient& client, const std::string& image, bool accept) {
  v1::ImageOfferRequest request;
  request.set_image(image);
  return client.call(accept ? &Stub::AcceptImage : &Stub::RejectImage, request);
}

// An answer a person (and gRPC) can carry: never a crash code, never the metadata limit, a
// message of bounded size without raw control characters.
void check_sane(const grpc::Status& status, const std::string& what) {
  INFO(what << " -> " << describe(status).substr(0, 300));
  CHECK(status.error_code() != StatusCode::INTERNAL);
  CHECK(status.error_code() != StatusCode::UNKNOWN);
  if (status.error_code() == StatusCode::RESOURCE_EXHAUSTED)
    CHECK(status.error_message().find("metadata") == std::string::npos);
  CHECK(status.error_message().size() <= 600);
  for (unsigned char c : status.error_message()) {
    CHECK(c != 0x1b);
    CHECK(c != 0);
  }
}

const std::vector<int64_t> kExtremes = {0, -1, INT64_C(1) << 31, INT64_C(1) << 32, INT64_MAX, INT64_MIN};

// (Invalid UTF-8 is not among them: proto3 string fields must be UTF-8, and gRPC refuses such
// a request before it reaches the service.)
std::vector<std::pair<std::string, std::string>> hostile_strings() {
  return {{"100 KB", std::string(100 * 1024, 'x')},
          {"NUL", std::string("a\0b", 3)},
          {"ESC", "\x1b[2J\x1b[31mred\x1b]0;title\x07"}};
}

}  // namespace

TEST_CASE("a share is an offer: pending until the member accepts, out of its list when rejected") {
  auto& cloud = ImageCloud::shared();
  auto alice = cloud.project_member("offer-a");
  auto bob = cloud.project_member("offer-b");
  auto image = alice.create_active("offered", pattern_bytes(100));

  auto share = update_of(image.id());
  share.add_add_members(upper(bob.project_id()));  // ids are case-insensitive
  auto shared = must(alice.update(share), "share");
  REQUIRE(shared.memberships_size() == 1);
  CHECK(shared.memberships(0).project_id() == bob.project_id());
  CHECK(shared.memberships(0).status() == "pending");

  // Pending: not in bob's list, not his by name; visible by id so that he can answer it.
  CHECK_FALSE(lists(bob, image.id()));
  CHECK(lists(bob, image.id(), "pending"));
  CHECK(bob.get("offered").code() == StatusCode::NOT_FOUND);
  auto seen = must(bob.get(image.id()), "get by id");
  CHECK(seen.member_status() == "pending");
  CHECK(seen.memberships_size() == 0);  // who else it is offered to is the owner's business

  // The owner cannot answer for bob; a stranger has nothing to answer.
  CHECK(answer(alice, image.id(), true).code() == StatusCode::NOT_FOUND);
  auto carol = cloud.project_member("offer-c");
  CHECK(answer(carol, image.id(), true).code() == StatusCode::NOT_FOUND);

  auto accepted = must(answer(bob, "offered", true), "accept by name");
  CHECK(accepted.member_status() == "accepted");
  CHECK(lists(bob, image.id()));
  CHECK(must(bob.get("offered"), "get by name").id() == image.id());
  CHECK(must(alice.get(image.id()), "owner's view").memberships(0).status() == "accepted");

  must(answer(bob, image.id(), false), "reject");
  CHECK_FALSE(lists(bob, image.id()));
  CHECK(lists(bob, image.id(), "rejected"));
  CHECK(bob.get("offered").code() == StatusCode::NOT_FOUND);
  // Adding bob again does not turn his rejection back into an offer.
  must(alice.update(share), "share again");
  CHECK(must(alice.get(image.id()), "owner's view").memberships(0).status() == "rejected");
}

TEST_CASE("an image is shared only with existing projects other than its owner, at most 128") {
  auto& cloud = ImageCloud::shared();
  auto alice = cloud.project_member("share-limits");
  auto image = must(alice.create("limited"), "create");

  auto unknown = update_of(image.id());
  unknown.add_add_members(random_uuid());
  auto refused = alice.update(unknown);
  CHECK(refused.code() == StatusCode::INVALID_ARGUMENT);
  CHECK_THAT(refused.message(), Catch::Contains("does not exist"));

  auto self = update_of(image.id());
  self.add_add_members(alice.project_id());
  CHECK(alice.update(self).code() == StatusCode::INVALID_ARGUMENT);

  auto many = update_of(image.id());
  for (int i = 0; i < 129; ++i) many.add_add_members(random_uuid());
  auto too_many = alice.update(many);
  CHECK(too_many.code() == StatusCode::INVALID_ARGUMENT);
  CHECK_THAT(too_many.message(), Catch::Contains("128"));

  auto after = must(alice.get(image.id()), "get");
  CHECK(after.memberships_size() == 0);
  CHECK(after.visibility() == "private");
}

TEST_CASE("a shared image cannot take the name of a public one, nor of the project's own") {
  auto& cloud = ImageCloud::shared();
  auto admin = cloud.admin();
  auto alice = cloud.project_member("name-a");
  auto carol = cloud.project_member("name-c");
  auto bob = cloud.project_member("name-b");
  std::string name = "guest-" + std::to_string(std::random_device{}());
  auto pub = admin.create_active(name, pattern_bytes(10), "public");
  auto offer = [&](const ImageClient& owner) {
    auto image = must(owner.create(name), "create");
    auto share = update_of(image.id());
    share.add_add_members(bob.project_id());
    must(owner.update(share), "share");
    must(answer(bob, image.id(), true), "accept");
    return image;
  };
  auto from_alice = offer(alice);
  CHECK(must(bob.get(name), "public wins over shared").id() == pub.id());

  // Two accepted shares of one name, once the public image is gone: refused, naming both ids.
  auto from_carol = offer(carol);
  must(admin.remove(pub.id()), "delete public");
  auto tie = bob.get(name);
  CHECK(tie.code() == StatusCode::INVALID_ARGUMENT);
  CHECK_THAT(tie.message(), Catch::Contains(from_alice.id()) && Catch::Contains(from_carol.id()));

  auto own = must(bob.create(name), "own image");
  CHECK(must(bob.get(name), "own wins").id() == own.id());
}

TEST_CASE("image names are NFC and may not hide characters") {
  auto& cloud = ImageCloud::shared();
  auto alice = cloud.project_member("unicode");
  auto zero_width = alice.create("stratus-guest\xe2\x80\x8b");
  CHECK(zero_width.code() == StatusCode::INVALID_ARGUMENT);
  CHECK_THAT(zero_width.message(), Catch::Contains("U+200B"));
  CHECK(alice.create("evil\xe2\x80\xaegpj.exe").code() == StatusCode::INVALID_ARGUMENT);

  auto cafe = must(alice.create("cafe\xcc\x81"), "decomposed name");  // e + combining acute
  CHECK(cafe.name() == "caf\xc3\xa9");
  CHECK(must(alice.get("cafe\xcc\x81"), "by decomposed name").id() == cafe.id());
  CHECK(alice.create("caf\xc3\xa9").code() == StatusCode::ALREADY_EXISTS);  // one name, two spellings
}

TEST_CASE("reserved property keys are refused in any letter case") {
  auto& cloud = ImageCloud::shared();
  auto alice = cloud.project_member("reserved");
  v1::CreateImageRequest create;
  create.set_name("props");
  create.set_disk_format("raw");
  (*create.mutable_properties())["OWNER"] = "someone-else";
  CHECK(alice.call(&Stub::CreateImage, create).code() == StatusCode::INVALID_ARGUMENT);
  auto image = must(alice.create("props"), "create");
  auto set = update_of(image.id());
  (*set.mutable_set_properties())["Instance_UUID"] = "forged";
  CHECK(alice.update(set).code() == StatusCode::INVALID_ARGUMENT);
}

TEST_CASE("errors quote at most 64 characters of a value and never raw control characters") {
  auto& cloud = ImageCloud::shared();
  auto alice = cloud.project_member("echo");
  auto huge = alice.get(std::string(100 * 1024, 'x'));
  CHECK((huge.code() == StatusCode::INVALID_ARGUMENT || huge.code() == StatusCode::NOT_FOUND));
  CHECK(huge.message().size() < 200);
  auto escape = alice.get("\x1b[31mred");
  CHECK(escape.code() == StatusCode::NOT_FOUND);
  CHECK(escape.message().find('\x1b') == std::string::npos);
  CHECK_THAT(escape.message(), Catch::Contains("\\x1b"));
  v1::CreateImageRequest bad_format;
  bad_format.set_name("fmt");
  bad_format.set_disk_format(std::string(100 * 1024, 'q'));
  auto format = alice.call(&Stub::CreateImage, bad_format);
  CHECK(format.code() == StatusCode::INVALID_ARGUMENT);
  CHECK(format.message().size() < 300);
}

TEST_CASE("every numeric field of the image API at its extremes answers without INTERNAL") {
  auto& cloud = ImageCloud::shared();
  auto alice = cloud.project_member("fuzz-numbers");
  auto admin = cloud.admin();
  auto active = alice.create_active("fuzz-active", pattern_bytes(100));
  int n = 0;
  for (int64_t value : kExtremes) {
    std::string label = std::to_string(value);
    auto as32 = static_cast<uint32_t>(value);
    auto as64 = static_cast<uint64_t>(value);
    v1::CreateImageRequest create;
    create.set_name("n" + std::to_string(++n));
    create.set_disk_format("raw");
    create.set_min_disk(as32);
    create.set_min_ram(as32);
    auto created = alice.call(&Stub::CreateImage, create);
    check_sane(created.status, "CreateImage min_disk/min_ram " + label);

    auto update = update_of(active.id());
    update.set_min_disk(as32);
    check_sane(alice.update(update).status, "UpdateImage min_disk " + label);
    auto update_ram = update_of(active.id());
    update_ram.set_min_ram(as32);
    check_sane(alice.update(update_ram).status, "UpdateImage min_ram " + label);

    v1::ListImagesRequest list;
    list.set_page_size(as32);
    check_sane(alice.list(list).status, "ListImages page_size " + label);

    check_sane(alice.download(active.id(), as64).status, "Download offset " + label);
    auto queued = must(alice.create("u" + std::to_string(n)), "queued");
    check_sane(alice.upload_chunks(queued.id(), as64, std::string(64, 'a'), {"abc"}).status,
               "Upload size " + label);

    v1::RegisterSnapshotRequest snapshot;
    snapshot.set_project_id(alice.project_id());
    snapshot.set_name("s" + std::to_string(n));
    snapshot.set_instance_id(random_uuid());
    snapshot.set_min_disk(as32);
    snapshot.set_min_ram(as32);
    check_sane(admin.call(&Stub::RegisterSnapshot, snapshot).status, "RegisterSnapshot min_disk " + label);
  }
  v1::CreateImageRequest too_big;
  too_big.set_name("too-big");
  too_big.set_disk_format("raw");
  too_big.set_min_disk(4294967295u);
  CHECK(alice.call(&Stub::CreateImage, too_big).code() == StatusCode::INVALID_ARGUMENT);
  auto ram = update_of(active.id());
  ram.set_min_ram(2147483648u);
  CHECK(alice.update(ram).code() == StatusCode::INVALID_ARGUMENT);
}

TEST_CASE("every string field of the image API with 100 KB, NUL or ESC answers boundedly") {
  auto& cloud = ImageCloud::shared();
  auto alice = cloud.project_member("fuzz-strings");
  auto admin = cloud.admin();
  auto active = alice.create_active("fuzz-target", pattern_bytes(100));
  using Setter = std::function<grpc::Status(const std::string&)>;
  std::vector<std::pair<std::string, Setter>> fields = {
      {"CreateImage.name", [&](const std::string& v) { return alice.create(v).status; }},
      {"CreateImage.disk_format", [&](const std::string& v) { return alice.create("f1", v).status; }},
      {"CreateImage.visibility", [&](const std::string& v) { return alice.create("f2", "raw", v).status; }},
      {"CreateImage.container_format",
       [&](const std::string& v) {
         v1::CreateImageRequest r;
         r.set_name("f3");
         r.set_disk_format("raw");
         r.set_container_format(v);
         return alice.call(&Stub::CreateImage, r).status;
       }},
      {"CreateImage.kernel_id",
       [&](const std::string& v) {
         v1::CreateImageRequest r;
         r.set_name("f4");
         r.set_disk_format("ami");
         r.set_kernel_id(v);
         r.set_ramdisk_id(v);
         return alice.call(&Stub::CreateImage, r).status;
       }},
      {"CreateImage.properties",
       [&](const std::string& v) {
         v1::CreateImageRequest r;
         r.set_name("f5");
         r.set_disk_format("raw");
         (*r.mutable_properties())[v] = v;
         return alice.call(&Stub::CreateImage, r).status;
       }},
      {"GetImage.image", [&](const std::string& v) { return alice.get(v).status; }},
      {"DeleteImage.image", [&](const std::string& v) { return alice.remove(v).status; }},
      {"ListImages filters",
       [&](const std::string& v) {
         grpc::Status worst;
         for (int field = 0; field < 6; ++field) {
           v1::ListImagesRequest r;
           if (field == 0) r.set_visibility(v);
           if (field == 1) r.set_owner(v);
           if (field == 2) r.set_status(v);
           if (field == 3) r.set_name(v);
           if (field == 4) r.set_page_token(v);
           if (field == 5) r.set_member_status(v);
           auto s = alice.list(r).status;
           if (!s.ok()) worst = s;
           check_sane(s, "ListImages field " + std::to_string(field));
         }
         return worst;
       }},
      {"UpdateImage.image", [&](const std::string& v) { return alice.update(update_of(v)).status; }},
      {"UpdateImage.name",
       [&](const std::string& v) {
         auto r = update_of(active.id());
         r.set_name(v);
         return alice.update(r).status;
       }},
      {"UpdateImage.visibility",
       [&](const std::string& v) {
         auto r = update_of(active.id());
         r.set_visibility(v);
         return alice.update(r).status;
       }},
      {"UpdateImage.set_properties",
       [&](const std::string& v) {
         auto r = update_of(active.id());
         (*r.mutable_set_properties())["k"] = v;
         return alice.update(r).status;
       }},
      {"UpdateImage.unset_properties",
       [&](const std::string& v) {
         auto r = update_of(active.id());
         r.add_unset_properties(v);
         return alice.update(r).status;
       }},
      {"UpdateImage.add_members",
       [&](const std::string& v) {
         auto r = update_of(active.id());
         r.add_add_members(v);
         return alice.update(r).status;
       }},
      {"UpdateImage.remove_members",
       [&](const std::string& v) {
         auto r = update_of(active.id());
         r.add_remove_members(v);
         return alice.update(r).status;
       }},
      {"AcceptImage.image", [&](const std::string& v) { return answer(alice, v, true).status; }},
      {"RejectImage.image", [&](const std::string& v) { return answer(alice, v, false).status; }},
      {"Upload.start.image", [&](const std::string& v) { return alice.upload_chunks(v, 3, std::string(64, 'a'), {"abc"}).status; }},
      {"Upload.start.sha256",
       [&](const std::string& v) {
         auto queued = must(alice.create("q" + std::to_string(std::random_device{}())), "queued");
         return alice.upload_chunks(queued.id(), 3, v, {"abc"}).status;
       }},
      {"Download.image", [&](const std::string& v) { return alice.download(v).status; }},
      {"RegisterSnapshot strings",
       [&](const std::string& v) {
         grpc::Status worst;
         for (int field = 0; field < 5; ++field) {
           v1::RegisterSnapshotRequest r;
           r.set_project_id(field == 0 ? v : alice.project_id());
           r.set_name(field == 1 ? v : "snap");
           r.set_instance_id(field == 2 ? v : random_uuid());
           r.set_disk_format(field == 3 ? v : "");
           r.set_container_format(field == 4 ? v : "");
           auto s = admin.call(&Stub::RegisterSnapshot, r).status;
           if (!s.ok()) worst = s;
           check_sane(s, "RegisterSnapshot field " + std::to_string(field));
         }
         return worst;
       }},
  };
  for (const auto& [field, send] : fields)
    for (const auto& [label, value] : hostile_strings()) check_sane(send(value), field + " with " + label);
}
