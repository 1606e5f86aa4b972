// CreateKeyPair, ImportKeyPair, DescribeKeyPairs, DeleteKeyPair over compute's key pairs.
#include <sodium.h>

#include "services/ec2-api/app/actions.h"
#include "services/ec2-api/domain/ec2_error.h"
#include "services/ec2-api/domain/ids.h"

namespace stratus::ec2 {
namespace {

namespace v1 = cloud::compute::v1;
const ResourceKind kKeyPair{"InvalidKeyPair", "key pair"};

// As EC2 prints fingerprints: ed25519 keys as base64 SHA-256 (padded), others as MD5 hex pairs.
std::string ec2_fingerprint(const v1::KeyPair& k) {
  if (k.type() == v1::KEY_TYPE_ED25519) {
    std::string fp = k.fingerprint_sha256();
    if (fp.rfind("SHA256:", 0) == 0) fp = fp.substr(7);
    while (fp.size() % 4 != 0) fp += "=";
    return fp;
  }
  std::string fp = k.fingerprint_md5();
  return fp.rfind("MD5:", 0) == 0 ? fp.substr(4) : fp;
}

const char* ec2_key_type(const v1::KeyPair& k) { return k.type() == v1::KEY_TYPE_ED25519 ? "ed25519" : "rsa"; }

void key_fields(pugi::xml_node node, const v1::KeyPair& k) {
  add_text(node, "keyPairId", to_ec2_id(IdKind::KeyPair, k.id()));
  add_text(node, "keyName", k.name());
  add_text(node, "keyFingerprint", ec2_fingerprint(k));
}

std::vector<v1::KeyPair> all_key_pairs(const Backends& b, const std::string& token) {
  return call_all_pages(b, *b.compute, &v1::Compute::Stub::ListKeyPairs, v1::ListKeyPairsRequest(),
                        &v1::ListKeyPairsResponse::key_pairs, token, "listing key pairs");
}

std::string decode_public_key(const std::string& material) {
  std::string decoded(material.size(), '\0');
  size_t length = 0;
  if (sodium_base642bin(reinterpret_cast<unsigned char*>(decoded.data()), decoded.size(), material.data(),
                        material.size(), "\r\n ", &length, nullptr, sodium_base64_VARIANT_ORIGINAL) == 0) {
    decoded.resize(length);
    return decoded;
  }
  if (material.rfind("ssh-", 0) == 0 || material.rfind("ecdsa-", 0) == 0) return material;  // sent unencoded
  throw invalid_parameter_value("Value for parameter PublicKeyMaterial is invalid: not base64 of an OpenSSH public key");
}

}  // namespace

void Actions::create_key_pair(const ActionContext& c) const {
  v1::CreateKeyPairRequest request;
  request.set_name(c.params.require("KeyName"));
  std::string type = c.params.get("KeyType", "rsa");
  if (type == "rsa") {
    request.set_type(v1::KEY_TYPE_RSA);
  } else if (type == "ed25519") {
    request.set_type(v1::KEY_TYPE_ED25519);
  } else {
    throw invalid_parameter_value("Value (" + echo(type) + ") for parameter KeyType is invalid: rsa or ed25519");
  }
  if (c.params.get("KeyFormat", "pem") != "pem")
    throw invalid_parameter_value("Value for parameter KeyFormat is invalid: only pem is supported");
  v1::KeyPair created;
  try {
    created = call(backends_, *backends_.compute, &v1::Compute::Stub::CreateKeyPair, request, c.requester.token,
                   "creating a key pair");
  } catch (const Error& e) {
    if (e.code() == ErrorCode::AlreadyExists)
      throw Ec2Error("InvalidKeyPair.Duplicate", "The keypair '" + echo(request.name()) + "' already exists.");
    throw from_service_error(e, kKeyPair);
  }
  key_fields(c.response, created);
  add_text(c.response, "keyMaterial", created.private_key());
}

void Actions::import_key_pair(const ActionContext& c) const {
  v1::ImportKeyPairRequest request;
  request.set_name(c.params.require("KeyName"));
  request.set_public_key(decode_public_key(c.params.require("PublicKeyMaterial")));
  v1::KeyPair imported;
  try {
    imported = call(backends_, *backends_.compute, &v1::Compute::Stub::ImportKeyPair, request, c.requester.token,
                    "importing a key pair");
  } catch (const Error& e) {
    if (e.code() == ErrorCode::AlreadyExists)
      throw Ec2Error("InvalidKeyPair.Duplicate", "The keypair '" + echo(request.name()) + "' already exists.");
    if (e.code() == ErrorCode::InvalidArgument) throw Ec2Error("InvalidKey.Format", e.what());
    throw from_service_error(e, kKeyPair);
  }
  key_fields(c.response, imported);
}

void Actions::describe_key_pairs(const ActionContext& c) const {
  auto names = c.params.list("KeyName");
  auto ids = c.params.list("KeyPairId");
  for (const auto& id : ids)
    if (uuid_of(IdKind::KeyPair, id).empty())
      throw Ec2Error("InvalidKeyPair.Malformed", "Invalid id: \"" + echo(id) + "\"");
  FilterSet filters(c.params.filters(), {"key-name", "key-pair-id", "fingerprint", "key-type"});
  std::vector<v1::KeyPair> keys;
  try {
    keys = all_key_pairs(backends_, c.requester.token);
  } catch (const Error& e) {
    throw from_service_error(e, kKeyPair);
  }
  for (const auto& n : names)
    if (std::none_of(keys.begin(), keys.end(), [&](const auto& k) { return k.name() == n; }))
      throw Ec2Error("InvalidKeyPair.NotFound", "The key pair '" + echo(n) + "' does not exist");
  for (const auto& id : ids)
    if (std::none_of(keys.begin(), keys.end(), [&](const auto& k) { return to_ec2_id(IdKind::KeyPair, k.id()) == id; }))
      throw Ec2Error("InvalidKeyPair.NotFound", "The key pair '" + echo(id) + "' does not exist");
  auto set = c.response.append_child("keySet");
  for (const auto& k : keys) {
    std::string ec2_id = to_ec2_id(IdKind::KeyPair, k.id());
    if (!names.empty() && std::find(names.begin(), names.end(), k.name()) == names.end()) continue;
    if (!ids.empty() && std::find(ids.begin(), ids.end(), ec2_id) == ids.end()) continue;
    bool match = filters.matches([&](const std::string& name) -> std::vector<std::string> {
      if (name == "key-name") return {k.name()};
      if (name == "key-pair-id") return {ec2_id};
      if (name == "fingerprint") return {ec2_fingerprint(k)};
      return {ec2_key_type(k)};
    });
    if (!match) continue;
    auto item = set.append_child("item");
    key_fields(item, k);
    add_text(item, "keyType", ec2_key_type(k));
    add_text(item, "createTime", iso8601(k.created_at().seconds()));
    add_text(item, "publicKey", k.public_key());
    item.append_child("tagSet");
  }
}

void Actions::delete_key_pair(const ActionContext& c) const {
  std::string name = c.params.get("KeyName", "");
  std::string id = c.params.get("KeyPairId", "");
  if (name.empty() && id.empty()) throw missing_parameter("KeyName");
  try {
    if (name.empty()) {
      if (uuid_of(IdKind::KeyPair, id).empty())
        throw Ec2Error("InvalidKeyPair.Malformed", "Invalid id: \"" + echo(id) + "\"");
      for (const auto& k : all_key_pairs(backends_, c.requester.token))
        if (to_ec2_id(IdKind::KeyPair, k.id()) == id) name = k.name();
    }
    if (!name.empty()) {
      v1::DeleteKeyPairRequest request;
      request.set_key_name(name);
      call(backends_, *backends_.compute, &v1::Compute::Stub::DeleteKeyPair, request, c.requester.token,
           "deleting a key pair");
    }
  } catch (const Error& e) {
    // As EC2: deleting a key pair that does not exist succeeds.
    if (e.code() != ErrorCode::NotFound) throw from_service_error(e, kKeyPair);
  }
  add_bool(c.response, "return", true);
}

}  // namespace stratus::ec2
