// write_config_drive against a real ISO tool (genisoimage or xorrisofs must be installed),
// and against a fake failing tool for the error path.
#include <catch2/catch.hpp>

#include <cstdlib>
#include <fstream>

#include "configdrive.h"

using namespace stratus::configdrive;
namespace fs = std::filesystem;

namespace {

// A private TMPDIR (write_config_drive's scratch space) with PATH optionally replaced;
// both are restored and the directory removed at the end of the test.
class Sandbox {
public:
    Sandbox() {
        std::string pattern = (fs::temp_directory_path() / "configdrive-iso-test-XXXXXX").string();
        REQUIRE(mkdtemp(pattern.data()) != nullptr);
        root_ = pattern;
        fs::create_directories(scratch());
        saved_tmpdir_ = std::getenv("TMPDIR") ? std::getenv("TMPDIR") : "";
        saved_path_ = std::getenv("PATH") ? std::getenv("PATH") : "";
        setenv("TMPDIR", scratch().c_str(), 1);
    }
    ~Sandbox() {
        setenv("PATH", saved_path_.c_str(), 1);
        if (saved_tmpdir_.empty()) unsetenv("TMPDIR"); else setenv("TMPDIR", saved_tmpdir_.c_str(), 1);
        std::error_code ignored;
        fs::remove_all(root_, ignored);
    }
    fs::path root() const { return root_; }
    fs::path scratch() const { return root_ / "tmp"; }
    bool scratch_is_empty() const { return fs::is_empty(scratch()); }

private:
    fs::path root_;
    std::string saved_tmpdir_, saved_path_;
};

ConfigDriveContent minimal_content() {
    ConfigDriveContent content;
    content.uuid = "1b9a1c9e-35f1-4c2b-9a51-0c6f3f6c2a10";
    content.hostname = "iso-test";
    content.user_data = "#!/bin/sh\ntrue\n";
    return content;
}

std::string volume_label(const fs::path& iso) {
    // ISO9660 primary volume descriptor: sector 16, volume identifier at byte 40, 32 bytes.
    std::ifstream in(iso, std::ios::binary);
    in.seekg(16 * 2048 + 40);
    std::string label(32, ' ');
    in.read(label.data(), 32);
    return label.substr(0, label.find_last_not_of(' ') + 1);
}

}  // namespace

TEST_CASE("write_config_drive builds an ISO labelled config-2 and leaves no scratch files") {
    Sandbox sandbox;
    fs::path iso = sandbox.root() / "config.iso";
    write_config_drive(minimal_content(), iso);
    REQUIRE(fs::exists(iso));
    CHECK(volume_label(iso) == "config-2");
    CHECK_FALSE(fs::exists(sandbox.root() / "config.iso.partial"));
    CHECK(sandbox.scratch_is_empty());
}

TEST_CASE("a failing ISO tool raises runtime_error with its output and leaves nothing behind") {
    Sandbox sandbox;
    fs::path fake_bin = sandbox.root() / "bin";
    fs::create_directories(fake_bin);
    {
        std::ofstream script(fake_bin / "genisoimage");
        script << "#!/bin/sh\necho 'disk on fire' >&2\nexit 3\n";
    }
    fs::permissions(fake_bin / "genisoimage", fs::perms::owner_all);
    setenv("PATH", fake_bin.c_str(), 1);

    fs::path iso = sandbox.root() / "config.iso";
    try {
        write_config_drive(minimal_content(), iso);
        FAIL("expected std::runtime_error");
    } catch (const std::runtime_error& error) {
        CHECK_THAT(error.what(), Catch::Contains("exit status 3") && Catch::Contains("disk on fire"));
    }
    CHECK_FALSE(fs::exists(iso));
    CHECK(sandbox.scratch_is_empty());
}

TEST_CASE("invalid content is refused before any file is written") {
    Sandbox sandbox;
    ConfigDriveContent content = minimal_content();
    content.hostname = "no_underscores";
    fs::path iso = sandbox.root() / "config.iso";
    CHECK_THROWS_AS(write_config_drive(content, iso), std::invalid_argument);
    CHECK_FALSE(fs::exists(iso));
    CHECK(sandbox.scratch_is_empty());
}
