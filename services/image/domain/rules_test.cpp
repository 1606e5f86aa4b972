#include <catch2/catch.hpp>

#include "common/error/error.h"
#include "services/image/domain/rules.h"

using namespace stratus;
using namespace stratus::image;

namespace {

const std::string kProjectA = "aaaaaaaa-0000-0000-0000-000000000001";
const std::string kProjectB = "bbbbbbbb-0000-0000-0000-000000000002";
const std::string kProjectC = "cccccccc-0000-0000-0000-000000000003";

ImageRecord image_of(const std::string& owner, Visibility visibility, std::vector<std::string> members = {},
                     MemberStatus status = MemberStatus::Accepted) {
  ImageRecord i;
  i.id = "11111111-2222-3333-4444-555555555555";
  i.name = "debian";
  i.owner = owner;
  i.visibility = visibility;
  for (const auto& m : members) i.members.push_back({m, status});
  i.status = ImageStatus::Active;
  return i;
}

template <typename F>
ErrorCode code_of(F&& f) {
  try {
    f();
  } catch (const Error& e) {
    return e.code();
  }
  FAIL("no error thrown");
  return ErrorCode::Internal;
}

}  // namespace

TEST_CASE("an image goes queued, saving, active and nowhere else") {
  CHECK(can_transition(ImageStatus::Queued, ImageStatus::Saving));
  CHECK(can_transition(ImageStatus::Saving, ImageStatus::Active));
  CHECK(can_transition(ImageStatus::Saving, ImageStatus::Killed));
  CHECK(can_transition(ImageStatus::Active, ImageStatus::Deleted));
  CHECK(can_transition(ImageStatus::Killed, ImageStatus::Deleted));
  CHECK_FALSE(can_transition(ImageStatus::Queued, ImageStatus::Active));
  CHECK_FALSE(can_transition(ImageStatus::Active, ImageStatus::Saving));
  CHECK_FALSE(can_transition(ImageStatus::Killed, ImageStatus::Saving));
  CHECK_FALSE(can_transition(ImageStatus::Deleted, ImageStatus::Deleted));
  CHECK_FALSE(can_transition(ImageStatus::Active, ImageStatus::Queued));
}

TEST_CASE("an upload to an active image is refused with a reason") {
  CHECK(code_of([] { require_transition(ImageStatus::Active, ImageStatus::Saving); }) == ErrorCode::FailedPrecondition);
  CHECK_THROWS_WITH(require_transition(ImageStatus::Active, ImageStatus::Saving), Catch::Contains("cannot be replaced"));
  CHECK_THROWS_WITH(require_transition(ImageStatus::Saving, ImageStatus::Saving), Catch::Contains("already in progress"));
}

TEST_CASE("only active images can be downloaded") {
  require_downloadable(ImageStatus::Active);
  for (auto s : {ImageStatus::Queued, ImageStatus::Saving, ImageStatus::Killed})
    CHECK(code_of([&] { require_downloadable(s); }) == ErrorCode::FailedPrecondition);
}

TEST_CASE("unknown disk and container formats are refused") {
  CHECK(check_formats("raw", "", false, false) == "bare");
  CHECK(check_formats("qcow2", "ovf", false, false) == "ovf");
  CHECK(check_formats("aki", "", false, false) == "aki");
  CHECK(check_formats("ami", "", true, true) == "ami");
  CHECK_THROWS_WITH(check_formats("vmdk", "", false, false), Catch::Contains("unknown disk_format 'vmdk'"));
  CHECK_THROWS_WITH(check_formats("", "", false, false), Catch::Contains("disk_format is required"));
  CHECK_THROWS_WITH(check_formats("raw", "docker", false, false), Catch::Contains("unknown container_format"));
  CHECK(code_of([] { check_formats("ami", "bare", false, false); }) == ErrorCode::InvalidArgument);
  CHECK(code_of([] { check_formats("raw", "aki", false, false); }) == ErrorCode::InvalidArgument);
}

TEST_CASE("only an ami names a kernel and a ramdisk") {
  CHECK_THROWS_WITH(check_formats("qcow2", "", true, false), Catch::Contains("only an ami"));
  CHECK_THROWS_WITH(check_formats("aki", "", false, true), Catch::Contains("only an ami"));
}

TEST_CASE("names longer than 64 characters or shaped like ids are refused") {
  check_image_name("debian-12");
  CHECK(code_of([] { check_image_name(std::string(65, 'x')); }) == ErrorCode::InvalidArgument);
  CHECK(code_of([] { check_image_name(""); }) == ErrorCode::InvalidArgument);
  CHECK(code_of([] { check_image_name("11111111-2222-3333-4444-555555555555"); }) == ErrorCode::InvalidArgument);
}

TEST_CASE("properties with reserved or malformed keys are refused") {
  check_property("os_distro", "debian");
  check_property("default_user", "debian");
  CHECK_THROWS_WITH(check_property("status", "active"), Catch::Contains("reserved"));
  CHECK_THROWS_WITH(check_property("instance_uuid", "x"), Catch::Contains("reserved"));
  CHECK_THROWS_WITH(check_property("bad key", "x"), Catch::Contains("only letters"));
  CHECK(code_of([] { check_property("", "x"); }) == ErrorCode::InvalidArgument);
  CHECK(code_of([] { check_property("k", std::string(1025, 'v')); }) == ErrorCode::InvalidArgument);
}

TEST_CASE("property changes set, unset and are checked as a whole") {
  auto after = apply_property_changes({{"os_distro", "debian"}, {"old", "1"}}, {{"default_user", "admin"}}, {"old"});
  CHECK(after == std::map<std::string, std::string>{{"os_distro", "debian"}, {"default_user", "admin"}});
  CHECK(code_of([] { apply_property_changes({}, {{"size", "1"}}, {}); }) == ErrorCode::InvalidArgument);
  std::map<std::string, std::string> many;
  for (size_t i = 0; i <= kMaxProperties; ++i) many["k" + std::to_string(i)] = "v";
  CHECK(code_of([&] { apply_property_changes({}, many, {}); }) == ErrorCode::InvalidArgument);
}

TEST_CASE("an upload declares a positive size and a hex sha256") {
  std::string digest(64, 'A');
  CHECK(check_upload_declaration(1, digest) == std::string(64, 'a'));
  CHECK(code_of([&] { check_upload_declaration(0, digest); }) == ErrorCode::InvalidArgument);
  CHECK(code_of([] { check_upload_declaration(1, "abc"); }) == ErrorCode::InvalidArgument);
  CHECK(code_of([] { check_upload_declaration(1, std::string(64, 'g')); }) == ErrorCode::InvalidArgument);
}

TEST_CASE("a project sees public images, its own and those shared with it") {
  Viewer b{kProjectB, false};
  CHECK(can_see(image_of(kProjectB, Visibility::Private), b));
  CHECK(can_see(image_of(kProjectA, Visibility::Public), b));
  CHECK(can_see(image_of(kProjectA, Visibility::Shared, {kProjectB}), b));
  CHECK_FALSE(can_see(image_of(kProjectA, Visibility::Private), b));
  CHECK_FALSE(can_see(image_of(kProjectA, Visibility::Shared, {kProjectC}), b));
  CHECK(can_see(image_of(kProjectA, Visibility::Private), Viewer{kProjectC, true}));
}

TEST_CASE("only an admin publishes an image") {
  check_visibility_allowed(Visibility::Public, Viewer{kProjectA, true});
  check_visibility_allowed(Visibility::Private, Viewer{kProjectA, false});
  CHECK(code_of([] { check_visibility_allowed(Visibility::Public, Viewer{kProjectA, false}); }) ==
        ErrorCode::PermissionDenied);
}

TEST_CASE("protected images and other projects' images cannot be deleted") {
  auto own = image_of(kProjectA, Visibility::Private);
  check_deletable(own, Viewer{kProjectA, false});
  own.is_protected = true;
  CHECK(code_of([&] { check_deletable(own, Viewer{kProjectA, false}); }) == ErrorCode::FailedPrecondition);
  CHECK(code_of([&] { check_deletable(own, Viewer{kProjectA, true}); }) == ErrorCode::FailedPrecondition);
  auto theirs = image_of(kProjectA, Visibility::Public);
  CHECK(code_of([&] { check_deletable(theirs, Viewer{kProjectB, false}); }) == ErrorCode::PermissionDenied);
  check_deletable(theirs, Viewer{kProjectB, true});
}

TEST_CASE("sharing a private image makes it shared and a public one cannot be shared") {
  CHECK(visibility_after_sharing(Visibility::Private, true) == Visibility::Shared);
  CHECK(visibility_after_sharing(Visibility::Private, false) == Visibility::Private);
  CHECK(code_of([] { visibility_after_sharing(Visibility::Public, true); }) == ErrorCode::InvalidArgument);
}

TEST_CASE("a name picks the caller's own image, then a live one, else asks for the id") {
  Viewer b{kProjectB, false};
  auto theirs = image_of(kProjectA, Visibility::Public);
  auto mine = image_of(kProjectB, Visibility::Private);
  mine.id = "mine";
  CHECK(choose_by_name({theirs, mine}, b, "debian").id == "mine");

  auto killed = image_of(kProjectB, Visibility::Private);
  killed.id = "killed";
  killed.status = ImageStatus::Killed;
  killed.created_at_us = 10;
  CHECK(choose_by_name({killed, mine}, b, "debian").id == "mine");

  auto other_public = image_of(kProjectC, Visibility::Public);
  CHECK(code_of([&] { choose_by_name({theirs, other_public}, b, "debian"); }) == ErrorCode::InvalidArgument);
  CHECK(code_of([&] { choose_by_name({}, b, "debian"); }) == ErrorCode::NotFound);
}

TEST_CASE("quotas refuse the image or the bytes that would go over") {
  Quota q{2, 1000};
  check_image_count(1, q);
  CHECK(code_of([&] { check_image_count(2, q); }) == ErrorCode::ResourceExhausted);
  check_bytes(400, 600, q);
  CHECK(code_of([&] { check_bytes(401, 600, q); }) == ErrorCode::ResourceExhausted);
  CHECK(code_of([&] { check_bytes(0, 1001, q); }) == ErrorCode::ResourceExhausted);
}

TEST_CASE("list filters check their values and cap the page size") {
  Viewer member{kProjectA, false};
  auto f = make_list_filter("shared", kProjectB, "active", "debian", 5000, false, member);
  CHECK(f.visibility == Visibility::Shared);
  CHECK(f.status == ImageStatus::Active);
  CHECK(f.page_size == kMaxPageSize);
  CHECK(make_list_filter("", "", "", "", 0, false, member).page_size == kDefaultPageSize);
  CHECK(code_of([&] { make_list_filter("secret", "", "", "", 0, false, member); }) == ErrorCode::InvalidArgument);
  CHECK(code_of([&] { make_list_filter("", "", "gone", "", 0, false, member); }) == ErrorCode::InvalidArgument);
  CHECK(code_of([&] { make_list_filter("", "someone", "", "", 0, false, member); }) == ErrorCode::InvalidArgument);
  CHECK(code_of([&] { make_list_filter("", "", "", "", 0, true, member); }) == ErrorCode::PermissionDenied);
}

TEST_CASE("a list shows what the caller sees and what the filters ask for") {
  Viewer b{kProjectB, false};
  auto f = make_list_filter("", "", "", "", 0, false, b);
  CHECK(matches(image_of(kProjectA, Visibility::Public), f, b));
  CHECK_FALSE(matches(image_of(kProjectA, Visibility::Private), f, b));
  auto deleted = image_of(kProjectB, Visibility::Private);
  deleted.status = ImageStatus::Deleted;
  CHECK_FALSE(matches(deleted, f, b));
  auto only_private = make_list_filter("private", "", "", "", 0, false, b);
  CHECK_FALSE(matches(image_of(kProjectA, Visibility::Public), only_private, b));
  CHECK(matches(image_of(kProjectB, Visibility::Private), only_private, b));

  Viewer admin{kProjectC, true};
  CHECK_FALSE(matches(image_of(kProjectA, Visibility::Private), make_list_filter("", "", "", "", 0, false, admin), admin));
  CHECK(matches(image_of(kProjectA, Visibility::Private), make_list_filter("", "", "", "", 0, true, admin), admin));
}

TEST_CASE("page tokens round-trip and malformed ones are refused") {
  PagePosition p{1700000000123456, "11111111-2222-3333-4444-555555555555"};
  auto back = decode_page_token(encode_page_token(p));
  CHECK(back.created_at_us == p.created_at_us);
  CHECK(back.id == p.id);
  for (std::string bad : {"", "abc", "12_notauuid", "_11111111-2222-3333-4444-555555555555", "1x_11111111-2222-3333-4444-555555555555"})
    CHECK(code_of([&] { decode_page_token(bad); }) == ErrorCode::InvalidArgument);
}

TEST_CASE("only an admin may list deleted images") {
  Viewer member{"p1", false};
  CHECK_THROWS_WITH(make_list_filter("", "", "deleted", "", 0, false, member), Catch::Contains("deleted images"));
  Viewer admin{"ops", true};
  CHECK_NOTHROW(make_list_filter("", "", "deleted", "", 0, false, admin));
}

TEST_CASE("a share is an offer: only accepted shares are in the default view and names") {
  Viewer b{kProjectB, false};
  auto pending = image_of(kProjectA, Visibility::Shared, {kProjectB}, MemberStatus::Pending);
  auto rejected = image_of(kProjectA, Visibility::Shared, {kProjectB}, MemberStatus::Rejected);
  auto accepted = image_of(kProjectA, Visibility::Shared, {kProjectB}, MemberStatus::Accepted);
  CHECK(can_see(pending, b));  // so that it can be accepted by id
  CHECK_FALSE(in_default_view(pending, b));
  CHECK_FALSE(in_default_view(rejected, b));
  CHECK(in_default_view(accepted, b));
  auto f = make_list_filter("", "", "", "", 0, false, b);
  CHECK_FALSE(matches(pending, f, b));
  CHECK(matches(accepted, f, b));
  CHECK(matches(pending, make_list_filter("", "", "", "", 0, false, b, "pending"), b));
  CHECK(matches(rejected, make_list_filter("", "", "", "", 0, false, b, "all"), b));
  CHECK(code_of([&] { choose_by_name({pending}, b, "debian"); }) == ErrorCode::NotFound);
}

TEST_CASE("a name picks own over public over shared, and lists the ids of a tie") {
  Viewer b{kProjectB, false};
  auto shared = image_of(kProjectA, Visibility::Shared, {kProjectB});
  shared.id = "shared";
  auto pub = image_of(kProjectC, Visibility::Public);
  pub.id = "public";
  CHECK(choose_by_name({shared, pub}, b, "debian").id == "public");
  auto mine = image_of(kProjectB, Visibility::Private);
  mine.id = "mine";
  CHECK(choose_by_name({shared, pub, mine}, b, "debian").id == "mine");
  auto pub2 = image_of(kProjectA, Visibility::Public);
  pub2.id = "public-2";
  CHECK_THROWS_WITH(choose_by_name({pub, pub2, shared}, b, "debian"), Catch::Contains("public") &&
                                                                          Catch::Contains("public-2"));
}

TEST_CASE("members are UUIDs, lower-cased, never the owner, at most 128") {
  CHECK(check_member_ids({"BBBBBBBB-0000-0000-0000-000000000002"}, kProjectA, true) ==
        std::vector<std::string>{kProjectB});
  CHECK(code_of([] { check_member_ids({kProjectA}, kProjectA, true); }) == ErrorCode::InvalidArgument);
  CHECK(code_of([] { check_member_ids({"nope"}, kProjectA, true); }) == ErrorCode::InvalidArgument);
  CHECK_NOTHROW(check_member_count(128));
  CHECK(code_of([] { check_member_count(129); }) == ErrorCode::InvalidArgument);
}

TEST_CASE("reserved property keys are refused in any letter case, and sizes stay in range") {
  CHECK(is_reserved_property("OWNER"));
  CHECK(is_reserved_property("Image_Type"));
  CHECK(code_of([] { apply_property_changes({}, {{"OWNER", "x"}}, {}); }) == ErrorCode::InvalidArgument);
  CHECK_NOTHROW(check_min_disk(kMaxMinDiskGiB));
  CHECK(code_of([] { check_min_disk(4294967295u); }) == ErrorCode::InvalidArgument);
  CHECK(code_of([] { check_min_ram(2147483648u); }) == ErrorCode::InvalidArgument);
}
