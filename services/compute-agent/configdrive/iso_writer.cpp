// Builds the config drive ISO with an external mastering tool, as Nova does: genisoimage
// (or mkisofs) when installed, else xorrisofs.
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <sstream>
#include <stdexcept>

#include "common/process/run.h"
#include "configdrive.h"

namespace stratus::configdrive {
namespace {

namespace fs = std::filesystem;

// A mkdtemp directory removed on every exit path.
class TemporaryDirectory {
public:
    TemporaryDirectory() {
        std::string pattern = (fs::temp_directory_path() / "stratus-configdrive-XXXXXX").string();
        if (mkdtemp(pattern.data()) == nullptr) {
            throw std::runtime_error("config drive: cannot create a temporary directory: " +
                                     std::string(std::strerror(errno)));
        }
        path_ = pattern;
    }
    ~TemporaryDirectory() {
        std::error_code ignored;
        fs::remove_all(path_, ignored);
    }
    TemporaryDirectory(const TemporaryDirectory&) = delete;
    TemporaryDirectory& operator=(const TemporaryDirectory&) = delete;
    const fs::path& path() const { return path_; }

private:
    fs::path path_;
};

void write_file(const fs::path& path, const std::string& content) {
    fs::create_directories(path.parent_path());
    std::ofstream out(path, std::ios::binary | std::ios::trunc);
    out << content;
    out.close();
    if (!out) throw std::runtime_error("config drive: cannot write " + path.string());
}

std::optional<fs::path> find_on_path(const std::string& program) {
    const char* path_variable = std::getenv("PATH");
    std::stringstream directories(path_variable ? path_variable : "/usr/bin:/bin");
    std::string directory;
    while (std::getline(directories, directory, ':')) {
        fs::path candidate = fs::path(directory.empty() ? "." : directory) / program;
        if (access(candidate.c_str(), X_OK) == 0) return candidate;
    }
    return std::nullopt;
}

fs::path find_iso_builder() {
    for (const char* program : {"genisoimage", "mkisofs", "xorrisofs"}) {
        if (auto found = find_on_path(program)) return *found;
    }
    throw std::runtime_error("config drive: no ISO9660 tool on PATH (install genisoimage or xorriso)");
}


// Runs the ISO tool; throws with (the end of) what it printed on failure.
void run_iso_builder(const std::vector<std::string>& command) {
    const auto result = stratus::process::run(command);
    if (result.status != 0) {
        const std::string& out = result.output;
        throw std::runtime_error("config drive: " + command[0] + " failed (exit status " + std::to_string(result.status) +
                                 "): " + (out.size() > 2000 ? out.substr(out.size() - 2000) : out));
    }
}

}  // namespace

std::vector<std::string> iso_builder_command(const fs::path& tool, const fs::path& source_dir,
                                             const fs::path& iso_out) {
    std::vector<std::string> command = {tool.string(), "-o", iso_out.string()};
    if (tool.filename() != "xorrisofs") {
        // Nova's genisoimage flags; xorrisofs allows these names without being asked.
        command.insert(command.end(), {"-ldots", "-allow-lowercase", "-allow-multidot"});
    }
    command.insert(command.end(), {"-l", "-publisher", "Stratus", "-quiet", "-J", "-r", "-V", "config-2",
                                   source_dir.string()});
    return command;
}

void write_config_drive(const ConfigDriveContent& content, const fs::path& iso_out) {
    const auto files = render_config_drive_files(content);  // validates before touching disk
    const fs::path tool = find_iso_builder();
    TemporaryDirectory workspace;
    const fs::path source_dir = workspace.path() / "drive";
    for (const auto& [relative_path, data] : files) write_file(source_dir / relative_path, data);

    // Build next to the destination, then rename: readers never see half an ISO.
    fs::path partial = iso_out;
    partial += ".partial";
    try {
        run_iso_builder(iso_builder_command(tool, source_dir, partial));
        fs::rename(partial, iso_out);
    } catch (...) {
        std::error_code ignored;
        fs::remove(partial, ignored);
        throw;
    }
}

}  // namespace stratus::configdrive
