// Flavors (admins manage them, private ones are seen only by projects given access) and key
// pairs (per user; created with a private key shown once, imported after validation).
#include <catch2/catch.hpp>

#include "tests/compute/compute_test_support.h"

using namespace stratus;
using namespace stratus::compute_test;
using Stub = v1::Compute::Stub;

namespace {

bool lists_flavor(const ComputeClient& client, const std::string& name) {
  auto list = must(client.call(&Stub::ListFlavors, v1::ListFlavorsRequest()), "listing flavors");
  for (const auto& f : list.flavors())
    if (f.name() == name) return true;
  return false;
}

const char* const kEd25519Key =
    "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIPtopE57pMVUjTII9bRW+4XcBgGxHGPt+iLSzNKAZE0N test@example";

}  // namespace

TEST_CASE("only admins create flavors; everyone lists the public ones") {
  auto& cloud = Cloud::instance();
  auto t = cloud.tenant("flavors");
  v1::CreateFlavorRequest request;
  request.set_name(unique("member-flavor"));
  request.set_vcpus(1);
  request.set_ram_mib(128);
  request.set_disk_gib(1);
  CHECK(t.compute.call(&Stub::CreateFlavor, request).code() == StatusCode::PERMISSION_DENIED);
  CHECK_FALSE(lists_flavor(t.compute, request.name()));

  auto flavor = must(cloud.admin().call(&Stub::CreateFlavor, request), "admin creates");
  CHECK(flavor.vcpus() == 1);
  CHECK(lists_flavor(t.compute, request.name()));
  CHECK(cloud.admin().call(&Stub::CreateFlavor, request).code() == StatusCode::ALREADY_EXISTS);

  v1::CreateFlavorRequest bad = request;
  bad.set_name(unique("bad"));
  bad.set_vcpus(0);
  CHECK(cloud.admin().call(&Stub::CreateFlavor, bad).code() == StatusCode::INVALID_ARGUMENT);

  v1::DeleteFlavorRequest del;
  del.set_flavor(request.name());
  CHECK(t.compute.call(&Stub::DeleteFlavor, del).code() == StatusCode::PERMISSION_DENIED);
  must(cloud.admin().call(&Stub::DeleteFlavor, del), "admin deletes");
  CHECK_FALSE(lists_flavor(t.compute, request.name()));
}

TEST_CASE("a private flavor is invisible to projects without access") {
  auto& cloud = Cloud::instance();
  auto insider = cloud.tenant("flavor-insider");
  auto outsider = cloud.tenant("flavor-outsider");
  v1::CreateFlavorRequest request;
  request.set_name(unique("private-flavor"));
  request.set_vcpus(2);
  request.set_ram_mib(256);
  request.set_is_private(true);
  request.add_access_projects(insider.project_id);
  must(cloud.admin().call(&Stub::CreateFlavor, request), "creating the private flavor");

  CHECK(lists_flavor(insider.compute, request.name()));
  CHECK_FALSE(lists_flavor(outsider.compute, request.name()));
  v1::GetFlavorRequest get;
  get.set_flavor(request.name());
  CHECK(insider.compute.call(&Stub::GetFlavor, get).ok());
  CHECK(outsider.compute.call(&Stub::GetFlavor, get).code() == StatusCode::NOT_FOUND);

  v1::FlavorAccessRequest access;
  access.set_flavor(request.name());
  access.set_project_id(outsider.project_id);
  CHECK(outsider.compute.call(&Stub::AddFlavorAccess, access).code() == StatusCode::PERMISSION_DENIED);
  must(cloud.admin().call(&Stub::AddFlavorAccess, access), "granting access");
  CHECK(lists_flavor(outsider.compute, request.name()));
  must(cloud.admin().call(&Stub::RemoveFlavorAccess, access), "revoking access");
  CHECK(outsider.compute.call(&Stub::GetFlavor, get).code() == StatusCode::NOT_FOUND);
}

TEST_CASE("key pairs: created with a private key once, imported after validation, per user") {
  auto& cloud = Cloud::instance();
  auto alice = cloud.tenant("keys-alice", false);
  auto bob = cloud.tenant("keys-bob", false);

  v1::CreateKeyPairRequest create;
  create.set_name("KeypairOne");
  auto created = must(alice.compute.call(&Stub::CreateKeyPair, create), "creating a key pair");
  CHECK(created.private_key().rfind("-----BEGIN OPENSSH PRIVATE KEY-----", 0) == 0);
  CHECK(created.public_key().rfind("ssh-ed25519 ", 0) == 0);
  CHECK(created.fingerprint_sha256().rfind("SHA256:", 0) == 0);
  CHECK(created.fingerprint_md5().rfind("MD5:", 0) == 0);
  CHECK(created.type() == v1::KEY_TYPE_ED25519);

  // Shown once: reading it back carries no private key.
  v1::GetKeyPairRequest get;
  get.set_key_name("KeypairOne");
  auto read = must(alice.compute.call(&Stub::GetKeyPair, get), "reading the key pair");
  CHECK(read.private_key().empty());
  CHECK(read.public_key() == created.public_key());

  CHECK(alice.compute.call(&Stub::CreateKeyPair, create).code() == StatusCode::ALREADY_EXISTS);

  // Another user neither sees it nor collides with it.
  CHECK(bob.compute.call(&Stub::GetKeyPair, get).code() == StatusCode::NOT_FOUND);
  v1::DeleteKeyPairRequest del;
  del.set_key_name("KeypairOne");
  CHECK(bob.compute.call(&Stub::DeleteKeyPair, del).code() == StatusCode::NOT_FOUND);

  v1::ImportKeyPairRequest import;
  import.set_name("KeypairOne");
  import.set_public_key(kEd25519Key);
  auto imported = must(bob.compute.call(&Stub::ImportKeyPair, import), "bob imports under the same name");
  CHECK(imported.private_key().empty());
  CHECK(imported.fingerprint_sha256().rfind("SHA256:", 0) == 0);

  v1::ImportKeyPairRequest broken;
  broken.set_name("broken");
  broken.set_public_key("ssh-ed25519 AAAAnot-base64!!");
  auto refused = bob.compute.call(&Stub::ImportKeyPair, broken);
  CHECK(refused.code() == StatusCode::INVALID_ARGUMENT);
  broken.set_public_key("ssh-rsa AAAAC3NzaC1lZDI1NTE5AAAAIPtopE57pMVUjTII9bRW+4XcBgGxHGPt+iLSzNKAZE0N");  // type mismatch
  CHECK(bob.compute.call(&Stub::ImportKeyPair, broken).code() == StatusCode::INVALID_ARGUMENT);
  v1::GetKeyPairRequest get_broken;
  get_broken.set_key_name("broken");
  CHECK(bob.compute.call(&Stub::GetKeyPair, get_broken).code() == StatusCode::NOT_FOUND);

  v1::CreateKeyPairRequest rsa;
  rsa.set_name("rsa-key");
  rsa.set_type(v1::KEY_TYPE_RSA);
  auto rsa_key = must(alice.compute.call(&Stub::CreateKeyPair, rsa), "creating an RSA key pair");
  CHECK(rsa_key.bits() == 3072);

  must(alice.compute.call(&Stub::DeleteKeyPair, del), "alice deletes hers");
  CHECK(alice.compute.call(&Stub::GetKeyPair, get).code() == StatusCode::NOT_FOUND);
  CHECK(bob.compute.call(&Stub::GetKeyPair, get).ok());
}

TEST_CASE("a repeated request_id returns the first key pair instead of failing or creating again") {
  auto& cloud = Cloud::instance();
  auto t = cloud.tenant("keys-idempotent", false);
  v1::ImportKeyPairRequest import;
  import.set_name("retried");
  import.set_public_key(kEd25519Key);
  import.set_request_id("req-1");
  auto first = must(t.compute.call(&Stub::ImportKeyPair, import), "first");
  auto again = must(t.compute.call(&Stub::ImportKeyPair, import), "retry");
  CHECK(again.id() == first.id());
}
