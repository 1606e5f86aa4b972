#include "services/ec2-api/domain/ids.h"

#include <catch2/catch.hpp>

using namespace stratus::ec2;

TEST_CASE("EC2 ids map to UUIDs and back, for every kind") {
  const std::string uuid = "0f1e2d3c-4b5a-6978-8796-a5b4c3d2e1f0";
  for (auto kind : {IdKind::Instance, IdKind::Image, IdKind::Volume, IdKind::SecurityGroup, IdKind::KeyPair,
                    IdKind::Allocation, IdKind::Reservation}) {
    auto id = to_ec2_id(kind, uuid);
    CHECK(id == std::string(id_prefix(kind)) + "-0f1e2d3c4b5a69788796a5b4c3d2e1f0");
    CHECK(uuid_of(kind, id) == uuid);
  }
  CHECK(to_ec2_id(IdKind::Instance, "0F1E2D3C-4B5A-6978-8796-A5B4C3D2E1F0") == "i-0f1e2d3c4b5a69788796a5b4c3d2e1f0");
}

TEST_CASE("an id of another kind, of the wrong length or with other characters is none") {
  CHECK(uuid_of(IdKind::Instance, "sg-0f1e2d3c4b5a69788796a5b4c3d2e1f0").empty());
  CHECK(uuid_of(IdKind::Instance, "i-0f1e2d3c4b5a697").empty());
  CHECK(uuid_of(IdKind::Instance, "i-0f1e2d3c4b5a69788796a5b4c3d2e1fz").empty());
  CHECK(uuid_of(IdKind::Instance, "i-0F1E2D3C4B5A69788796A5B4C3D2E1F0").empty());
  CHECK(uuid_of(IdKind::Instance, "").empty());
  CHECK_THROWS_AS(to_ec2_id(IdKind::Instance, "not-a-uuid"), std::invalid_argument);
}

TEST_CASE("images take ami-, aki- or ari- by their disk format") {
  CHECK(image_kind("aki") == IdKind::Kernel);
  CHECK(image_kind("ari") == IdKind::Ramdisk);
  CHECK(image_kind("raw") == IdKind::Image);
  CHECK(image_uuid_of("aki-0f1e2d3c4b5a69788796a5b4c3d2e1f0") == "0f1e2d3c-4b5a-6978-8796-a5b4c3d2e1f0");
  CHECK(image_uuid_of("vol-0f1e2d3c4b5a69788796a5b4c3d2e1f0").empty());
}
