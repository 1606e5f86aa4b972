// Builds the config drive ISO with an external mastering tool, as Nova does: genisoimage
// (or mkisofs) when installed, else xorrisofs.
#include <fcntl.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <sstream>
#include <stdexcept>

#include "configdrive.h"

extern char** environ;

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

std::string read_tail(const fs::path& path, std::size_t max_bytes) {
    std::ifstream in(path, std::ios::binary);
    std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    return text.size() > max_bytes ? text.substr(text.size() - max_bytes) : text;
}

// Runs the command with its output in `log_file`; throws with that output on failure.
void run_command(const std::vector<std::string>& command, const fs::path& log_file) {
    posix_spawn_file_actions_t actions;
    posix_spawn_file_actions_init(&actions);
    posix_spawn_file_actions_addopen(&actions, STDIN_FILENO, "/dev/null", O_RDONLY, 0);
    posix_spawn_file_actions_addopen(&actions, STDOUT_FILENO, log_file.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0600);
    posix_spawn_file_actions_adddup2(&actions, STDOUT_FILENO, STDERR_FILENO);
    std::vector<char*> argv;
    for (const auto& argument : command) argv.push_back(const_cast<char*>(argument.c_str()));
    argv.push_back(nullptr);
    pid_t pid = 0;
    int spawn_error = posix_spawn(&pid, argv[0], &actions, nullptr, argv.data(), environ);
    posix_spawn_file_actions_destroy(&actions);
    if (spawn_error != 0) {
        throw std::runtime_error("config drive: cannot run " + command[0] + ": " + std::strerror(spawn_error));
    }
    int status = 0;
    while (waitpid(pid, &status, 0) < 0 && errno == EINTR) {
    }
    if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) {
        std::string how = WIFEXITED(status) ? "exit status " + std::to_string(WEXITSTATUS(status))
                                            : "signal " + std::to_string(WTERMSIG(status));
        throw std::runtime_error("config drive: " + command[0] + " failed (" + how + "): " + read_tail(log_file, 2000));
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
        run_command(iso_builder_command(tool, source_dir, partial), workspace.path() / "tool.log");
        fs::rename(partial, iso_out);
    } catch (...) {
        std::error_code ignored;
        fs::remove(partial, ignored);
        throw;
    }
}

}  // namespace stratus::configdrive
