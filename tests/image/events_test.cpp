// Image events reach RabbitMQ through the outbox: a server-named queue bound to `image.#` on
// stratus.events sees an image's created, active, killed and deleted events.
#include <mutex>
#include <set>

#include "common/bus/consumer.h"
#include "common/bus/topology.h"
#include "tests/image/image_test_support.h"

using namespace stratus;
using namespace stratus::image_test;

namespace {

// The routing keys of the image events seen, per image id (from the ImageEvent payload).
class ImageEvents {
 public:
  ImageEvents() {
    bus::ConsumerOptions options;
    options.exchange = bus::kEventsExchange;
    options.routing_keys = {"image.#"};
    options.connection_name = "image-events-test";
    consumer_ = std::make_unique<bus::Consumer>(
        bus::BusUrl::parse(test_support::test_amqp_url()), options,
        [this](const bus::Delivery& d) {
          record(d);
          return true;
        },
        log::Logger("test", log::Level::Warn, log::Format::Text, std::make_shared<log::Sink>(std::cerr)));
    REQUIRE(consumer_->wait_until_connected(std::chrono::seconds(10)));
  }

  bool saw(const std::string& image_id, const std::string& routing_key) {
    return test_support::eventually(
        [&] {
          std::lock_guard<std::mutex> lock(mutex_);
          return seen_.count({image_id, routing_key}) > 0;
        },
        std::chrono::seconds(10));
  }

 private:
  void record(const bus::Delivery& d) {
    v1::ImageEvent event;
    if (d.type != "cloud.image.v1.ImageEvent" || !event.ParseFromString(d.body)) return;
    std::lock_guard<std::mutex> lock(mutex_);
    seen_.insert({event.image_id(), d.routing_key});
  }

  std::mutex mutex_;
  std::set<std::pair<std::string, std::string>> seen_;
  std::unique_ptr<bus::Consumer> consumer_;
};

}  // namespace

TEST_CASE("image events are published on the bus through the outbox") {
  auto& cloud = ImageCloud::shared();
  ImageEvents events;  // bound before anything happens, so no event is missed
  auto alice = cloud.project_member("events");

  auto image = must(alice.create("evented"), "create");
  CHECK(events.saw(image.id(), "image.image.created"));
  std::string bytes = pattern_bytes(5000);
  must(alice.upload(image.id(), bytes), "upload");
  CHECK(events.saw(image.id(), "image.image.active"));
  must(alice.remove(image.id()), "delete");
  CHECK(events.saw(image.id(), "image.image.deleted"));

  auto bad = must(alice.create("evented-bad"), "create");
  CHECK(alice.upload_chunks(bad.id(), bytes.size(), sha256_hex(bytes + "x"), {bytes}).code() ==
        StatusCode::INVALID_ARGUMENT);
  CHECK(events.saw(bad.id(), "image.image.killed"));
}
