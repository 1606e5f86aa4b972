// Commands of the compute service: flavor, keypair, server, server-group, host, service, quota.
// Handlers turn arguments into requests and responses into output; the pure parts (option
// values, user data, when a --wait is over) are in compute_logic.h. A --wait polls the server
// and shows its state on a terminal (stderr), stays quiet otherwise, and ends with exit 1 and
// the fault when the server goes to ERROR.
#include <fcntl.h>
#include <poll.h>
#include <sys/stat.h>
#include <termios.h>
#include <unistd.h>

#include <atomic>
#include <cctype>
#include <cerrno>
#include <chrono>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <functional>
#include <iostream>
#include <map>
#include <mutex>
#include <sstream>
#include <stdexcept>
#include <thread>

#include "compute/v1/compute.grpc.pb.h"
#include "image/v1/image.grpc.pb.h"
#include "tools/cloudctl/commands.h"
#include "tools/cloudctl/handler_support.h"
#include "tools/cloudctl/compute_logic.h"
#include "tools/cloudctl/output.h"
#include "tools/cloudctl/session.h"

namespace stratus::cloudctl {

namespace {

namespace cv1 = cloud::compute::v1;
namespace logic = compute_logic;
using Stub = cv1::Compute::Stub;

int number(CommandContext& ctx, const std::string& name, int minimum, int fallback) {
  auto value = ctx.args.value(name);
  return value ? logic::whole_number(name, *value, minimum) : fallback;
}

int required_number(CommandContext& ctx, const std::string& name, int minimum) {
  auto value = ctx.args.value(name);
  if (!value) throw UsageError("missing --" + name);
  return logic::whole_number(name, *value, minimum);
}

std::string read_file(const std::string& path, const std::string& option) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw UsageError("cannot read --" + option + " " + path);
  std::ostringstream bytes;
  bytes << in.rdbuf();
  return bytes.str();
}

// ---- tables ----

// How a table shows a field instead of its raw text (--json prints the API object as it is).
using Cell = std::function<std::string(const google::protobuf::Message& message, const std::string& text)>;
using Cells = std::map<std::string, Cell>;

std::string cell(const Cells& cells, const google::protobuf::Message& message, const std::string& path,
                 const std::string& text) {
  auto format = cells.find(path);
  return format == cells.end() ? text : format->second(message, text);
}

void print_object(CommandContext& ctx, const google::protobuf::Message& message, const Cells& cells) {
  if (ctx.output.json()) {
    ctx.output.object(message);
    return;
  }
  std::vector<TableRow> rows;
  for (auto& [path, text] : flatten_fields(message)) rows.push_back({path, cell(cells, message, path, text)});
  std::cout << render_table({"FIELD", "VALUE"}, rows);
}

void print_list(CommandContext& ctx, const std::vector<const google::protobuf::Message*>& items,
                const std::vector<std::string>& columns, const Cells& cells) {
  if (ctx.output.json()) {
    ctx.output.list(items, columns);
    return;
  }
  TableRow header;
  for (const auto& column : columns) header.push_back(column_header(column));
  std::vector<TableRow> rows;
  for (const auto* item : items) {
    TableRow row;
    for (const auto& column : columns) row.push_back(cell(cells, *item, column, field_text(*item, column)));
    rows.push_back(std::move(row));
  }
  std::cout << render_table(header, rows);
}

template <typename T>
void print_list(CommandContext& ctx, const google::protobuf::RepeatedPtrField<T>& items,
                const std::vector<std::string>& columns, const Cells& cells) {
  std::vector<const google::protobuf::Message*> messages;
  for (const T& item : items) messages.push_back(&item);
  print_list(ctx, messages, columns, cells);
}

// ---- waiting ----

int64_t now_seconds() {
  return std::chrono::duration_cast<std::chrono::seconds>(std::chrono::system_clock::now().time_since_epoch()).count();
}

constexpr auto kPollInterval = std::chrono::seconds(1);

// Polls until every server reaches `want`; throws CloudError with the fault of the first one
// that fails. Returns the servers as last seen.
std::vector<cv1::Server> wait_for(CommandContext& ctx, std::vector<cv1::Server> servers, cv1::VmState want,
                                  int64_t since) {
  StatusLine line(show_progress(ctx));
  auto started = std::chrono::steady_clock::now();
  while (true) {
    bool pending = false;
    std::string status;
    for (auto& server : servers) {
      cv1::GetServerRequest request;
      request.set_server(server.id());
      server = call_service(ctx, "compute", &Stub::GetServer, request);
      switch (logic::wait_for_state(server, want, since)) {
        case logic::Wait::kFailed: throw CloudError("ERROR", logic::failure_message(server));
        case logic::Wait::kPending: pending = true; break;
        case logic::Wait::kDone: break;
      }
      status += (status.empty() ? "" : ", ") + server.name() + " " + logic::state_text(server);
    }
    auto seconds = std::chrono::duration_cast<std::chrono::seconds>(std::chrono::steady_clock::now() - started);
    line.show(status + " (" + std::to_string(seconds.count()) + " s)");
    if (!pending) return servers;
    std::this_thread::sleep_for(kPollInterval);
  }
}

// Polls until the server is gone (NOT_FOUND) or DELETED.
void wait_deleted(CommandContext& ctx, const cv1::Server& server) {
  StatusLine line(show_progress(ctx));
  auto started = std::chrono::steady_clock::now();
  while (true) {
    cv1::GetServerRequest request;
    request.set_server(server.id());
    try {
      auto seen = call_service(ctx, "compute", &Stub::GetServer, request);
      if (seen.vm_state() == cv1::VM_STATE_DELETED) return;
      auto seconds = std::chrono::duration_cast<std::chrono::seconds>(std::chrono::steady_clock::now() - started);
      line.show(seen.name() + " " + logic::state_text(seen) + " (" + std::to_string(seconds.count()) + " s)");
    } catch (const CloudError& e) {
      if (e.status_name() == "NOT_FOUND") return;
      throw;
    }
    std::this_thread::sleep_for(kPollInterval);
  }
}

// ---- flavors ----

const std::vector<std::string> kFlavorColumns{"id", "name", "vcpus", "ram_mib", "disk_gib", "ephemeral_gib", "swap_mib",
                                              "is_public"};

void flavor_create(CommandContext& ctx) {
  cv1::CreateFlavorRequest request;
  request.set_name(argument(ctx, 0));
  request.set_vcpus(required_number(ctx, "vcpus", 1));
  request.set_ram_mib(required_number(ctx, "ram", 1));
  request.set_disk_gib(required_number(ctx, "disk", 0));
  request.set_ephemeral_gib(number(ctx, "ephemeral", 0, 0));
  request.set_swap_mib(number(ctx, "swap", 0, 0));
  request.set_is_private(ctx.args.flag("private"));
  for (const auto& project : ctx.args.values("project")) request.add_access_projects(project);
  request.set_description(ctx.args.value_or("description", ""));
  request.set_id(ctx.args.value_or("id", ""));
  ctx.output.object(call_service(ctx, "compute", &Stub::CreateFlavor, request));
}

void flavor_list(CommandContext& ctx) {
  cv1::ListFlavorsRequest request;
  request.set_include_private(ctx.args.flag("all"));
  std::vector<cv1::Flavor> flavors;
  do {
    auto page = call_service(ctx, "compute", &Stub::ListFlavors, request);
    flavors.insert(flavors.end(), page.flavors().begin(), page.flavors().end());
    request.set_page_token(page.next_page_token());
  } while (!request.page_token().empty());
  std::vector<const google::protobuf::Message*> items;
  for (const auto& f : flavors) items.push_back(&f);
  ctx.output.list(items, kFlavorColumns);
}

void flavor_show(CommandContext& ctx) {
  cv1::GetFlavorRequest request;
  request.set_flavor(argument(ctx, 0));
  ctx.output.object(call_service(ctx, "compute", &Stub::GetFlavor, request));
}

void flavor_delete(CommandContext& ctx) {
  cv1::DeleteFlavorRequest request;
  request.set_flavor(argument(ctx, 0));
  call_service(ctx, "compute", &Stub::DeleteFlavor, request);
}

// ---- key pairs ----

const std::vector<std::string> kKeyPairFields{"id", "name", "type", "bits", "fingerprint_sha256", "fingerprint_md5",
                                              "public_key", "created_at"};

// Writes the private key to a new file of mode 0600; refuses to replace an existing one.
void write_private_key(const std::string& path, const std::string& key) {
  int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
  if (fd < 0) throw std::runtime_error("cannot create " + path + ": " + std::strerror(errno));
  ::fchmod(fd, 0600);  // whatever the umask
  size_t done = 0;
  while (done < key.size()) {
    ssize_t n = ::write(fd, key.data() + done, key.size() - done);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) {
      int error = errno;
      ::close(fd);
      throw std::runtime_error("cannot write " + path + ": " + std::strerror(error));
    }
    done += static_cast<size_t>(n);
  }
  if (::close(fd) != 0) throw std::runtime_error("cannot write " + path + ": " + std::strerror(errno));
}

void keypair_create(CommandContext& ctx) {
  auto public_key_file = ctx.args.value("public-key");
  auto file = ctx.args.value("file");
  if (public_key_file && (file || ctx.args.value("type")))
    throw UsageError("--public-key imports a key: --type and --file are for generated keys");
  if (public_key_file) {
    cv1::ImportKeyPairRequest request;
    request.set_name(argument(ctx, 0));
    std::string line = read_file(*public_key_file, "public-key");
    while (!line.empty() && (line.back() == '\n' || line.back() == '\r')) line.pop_back();
    request.set_public_key(line);
    ctx.output.object(call_service(ctx, "compute", &Stub::ImportKeyPair, request), kKeyPairFields);
    return;
  }
  // Checked before the call, so a key is never made that cannot be saved.
  if (file && ::access(file->c_str(), F_OK) == 0) throw UsageError("--file " + *file + " exists already");
  cv1::CreateKeyPairRequest request;
  request.set_name(argument(ctx, 0));
  if (auto type = ctx.args.value("type")) request.set_type(logic::key_type(*type));
  cv1::KeyPair pair = call_service(ctx, "compute", &Stub::CreateKeyPair, request);
  if (file) {
    write_private_key(*file, pair.private_key());
    pair.clear_private_key();
    ctx.output.object(pair, kKeyPairFields);
    if (!ctx.output.json()) ctx.output.note("Private key saved to " + *file + " (mode 0600).");
    return;
  }
  if (ctx.output.json()) {
    ctx.output.object(pair);  // private_key included: the only time it exists
    return;
  }
  std::string key = pair.private_key();
  if (!key.empty() && key.back() != '\n') key += '\n';
  std::fwrite(key.data(), 1, key.size(), stdout);
  std::fflush(stdout);
  ctx.output.note("Key pair " + pair.name() + " (" + pair.fingerprint_sha256() +
                  "): the private key above is shown only now.");
}

void keypair_list(CommandContext& ctx) {
  cv1::ListKeyPairsRequest request;
  std::vector<cv1::KeyPair> pairs;
  do {
    auto page = call_service(ctx, "compute", &Stub::ListKeyPairs, request);
    pairs.insert(pairs.end(), page.key_pairs().begin(), page.key_pairs().end());
    request.set_page_token(page.next_page_token());
  } while (!request.page_token().empty());
  std::vector<const google::protobuf::Message*> items;
  for (const auto& p : pairs) items.push_back(&p);
  ctx.output.list(items, {"name", "type", "bits", "fingerprint_sha256"});
}

void keypair_show(CommandContext& ctx) {
  cv1::GetKeyPairRequest request;
  request.set_key_name(argument(ctx, 0));
  ctx.output.object(call_service(ctx, "compute", &Stub::GetKeyPair, request), kKeyPairFields);
}

void keypair_delete(CommandContext& ctx) {
  cv1::DeleteKeyPairRequest request;
  request.set_key_name(argument(ctx, 0));
  call_service(ctx, "compute", &Stub::DeleteKeyPair, request);
}

// ---- servers ----

const std::vector<std::string> kServerColumns{"id", "name", "vm_state", "task_state", "power_state", "addresses",
                                              "flavor.name", "key_name"};

// "demo-net=10.0.0.5, 203.0.113.12; other=..." from the addresses map.
std::string addresses_text(const cv1::Server& server) {
  std::map<std::string, std::string> sorted;
  for (const auto& [network, addresses] : server.addresses()) {
    std::string ips;
    for (const auto& a : addresses.addresses()) ips += (ips.empty() ? "" : ", ") + a.ip_address();
    sorted[network] = ips;
  }
  std::string text;
  for (const auto& [network, ips] : sorted) text += (text.empty() ? "" : "; ") + network + "=" + ips;
  return text;
}

Cells server_formats() {
  auto addresses = [](const google::protobuf::Message& m, const std::string&) {
    return addresses_text(static_cast<const cv1::Server&>(m));
  };
  auto vm_state = [](const google::protobuf::Message&, const std::string& text) {
    return text.rfind("VM_STATE_", 0) == 0 ? text.substr(9) : text;
  };
  auto task = [](const google::protobuf::Message& m, const std::string&) {
    return logic::task_state_name(static_cast<const cv1::Server&>(m).task_state());
  };
  auto power = [](const google::protobuf::Message&, const std::string& text) {
    return text.rfind("POWER_STATE_", 0) == 0 ? text.substr(12) : text;
  };
  return {{"addresses", addresses}, {"vm_state", vm_state}, {"task_state", task}, {"power_state", power}};
}

// `server show`: every field, with the fault spelled out (a person reads why it failed).
void print_server(CommandContext& ctx, const cv1::Server& server) {
  if (ctx.output.json()) {
    ctx.output.object(server);
    return;
  }
  print_object(ctx, server, server_formats());
  if (!server.fault().message().empty()) ctx.output.note("fault: " + server.fault().message());
}

void print_servers(CommandContext& ctx, const google::protobuf::RepeatedPtrField<cv1::Server>& servers) {
  print_list(ctx, servers, kServerColumns, server_formats());
}

void print_servers(CommandContext& ctx, const std::vector<cv1::Server>& servers) {
  if (servers.size() == 1) return print_server(ctx, servers.front());
  std::vector<const google::protobuf::Message*> items;
  for (const auto& s : servers) items.push_back(&s);
  print_list(ctx, items, kServerColumns, server_formats());
}

void server_create(CommandContext& ctx) {
  cv1::CreateServerRequest request;
  request.set_name(argument(ctx, 0));
  auto image = ctx.args.value("image");
  if (!image || image->empty()) throw UsageError("missing --image");
  request.set_image(*image);
  auto flavor = ctx.args.value("flavor");
  if (!flavor || flavor->empty()) throw UsageError("missing --flavor");
  request.set_flavor(*flavor);
  request.set_key_name(ctx.args.value_or("key-name", ""));
  for (const auto& group : ctx.args.values("security-group")) request.add_security_groups(group);
  for (const auto& network : ctx.args.values("network")) request.add_networks()->set_network(network);
  for (const auto& port : ctx.args.values("port")) request.add_networks()->set_port(port);
  if (auto file = ctx.args.value("user-data")) request.set_user_data(logic::base64(read_file(*file, "user-data")));
  for (const auto& [key, value] : logic::key_values(ctx.args.values("property"), "property"))
    (*request.mutable_metadata())[key] = value;
  for (const auto& [key, value] : logic::key_values(ctx.args.values("hint"), "hint"))
    (*request.mutable_scheduler_hints())[key] = value;
  if (ctx.args.value("count")) request.set_count(number(ctx, "count", 1, 1));
  request.set_server_group(ctx.args.value_or("server-group", ""));
  request.set_availability_zone(ctx.args.value_or("availability-zone", ""));
  int64_t since = now_seconds();
  auto response = call_service(ctx, "compute", &Stub::CreateServer, request);
  std::vector<cv1::Server> servers(response.servers().begin(), response.servers().end());
  if (ctx.args.flag("wait")) servers = wait_for(ctx, servers, cv1::VM_STATE_ACTIVE, since);
  print_servers(ctx, servers);
}

void server_list(CommandContext& ctx) {
  cv1::ListServersRequest request;
  request.set_name(ctx.args.value_or("name", ""));
  if (auto status = ctx.args.value("status")) {
    cv1::VmState state;
    std::string upper;
    for (unsigned char c : *status) upper += static_cast<char>(std::toupper(c));
    if (!cv1::VmState_Parse("VM_STATE_" + upper, &state)) throw UsageError("--status: no state '" + *status + "'");
    request.set_vm_state(state);
  }
  request.set_image(ctx.args.value_or("image", ""));
  request.set_all_projects(ctx.args.flag("all-projects"));
  request.set_host(ctx.args.value_or("host", ""));
  cv1::ListServersResponse all;
  do {
    auto page = call_service(ctx, "compute", &Stub::ListServers, request);
    for (auto& s : *page.mutable_servers()) *all.add_servers() = std::move(s);
    request.set_page_token(page.next_page_token());
  } while (!request.page_token().empty());
  print_servers(ctx, all.servers());
}

void server_show(CommandContext& ctx) {
  cv1::GetServerRequest request;
  request.set_server(argument(ctx, 0));
  print_server(ctx, call_service(ctx, "compute", &Stub::GetServer, request));
}

void server_delete(CommandContext& ctx) {
  cv1::ServerActionRequest request;
  request.set_server(argument(ctx, 0));
  auto server = call_service(ctx, "compute", &Stub::DeleteServer, request);
  if (ctx.args.flag("wait")) wait_deleted(ctx, server);
}

// start/stop/reboot: the action, then with --wait until the server is `want` again.
template <typename Request>
void power_action(CommandContext& ctx, grpc::Status (Stub::*method)(grpc::ClientContext*, const Request&, cv1::Server*),
                  Request request, cv1::VmState want) {
  int64_t since = now_seconds();
  cv1::Server server = call_service(ctx, "compute", method, request);
  if (ctx.args.flag("wait")) server = wait_for(ctx, {server}, want, since).front();
  print_server(ctx, server);
}

void server_start(CommandContext& ctx) {
  cv1::ServerActionRequest request;
  request.set_server(argument(ctx, 0));
  power_action(ctx, &Stub::StartServer, request, cv1::VM_STATE_ACTIVE);
}

void server_stop(CommandContext& ctx) {
  cv1::ServerActionRequest request;
  request.set_server(argument(ctx, 0));
  power_action(ctx, &Stub::StopServer, request, cv1::VM_STATE_SHUTOFF);
}

void server_reboot(CommandContext& ctx) {
  cv1::RebootServerRequest request;
  request.set_server(argument(ctx, 0));
  request.set_hard(ctx.args.flag("hard"));
  power_action(ctx, &Stub::RebootServer, request, cv1::VM_STATE_ACTIVE);
}

void server_console_log(CommandContext& ctx) {
  cv1::GetConsoleLogRequest request;
  request.set_server(argument(ctx, 0));
  request.set_lines(number(ctx, "lines", 0, 0));
  auto log = call_service(ctx, "compute", &Stub::GetConsoleLog, request);
  if (ctx.output.json()) {
    ctx.output.object(log);
    return;
  }
  std::fwrite(log.output().data(), 1, log.output().size(), stdout);
  if (!log.output().empty() && log.output().back() != '\n') std::fputc('\n', stdout);
}

// The terminal in raw mode for as long as it lives (keys go to the guest as typed, Ctrl-C
// included); restored on every way out.
class RawTerminal {
 public:
  explicit RawTerminal(bool enable) {
    if (!enable || tcgetattr(STDIN_FILENO, &saved_) != 0) return;
    termios raw = saved_;
    cfmakeraw(&raw);
    active_ = tcsetattr(STDIN_FILENO, TCSANOW, &raw) == 0;
  }
  ~RawTerminal() {
    if (active_) tcsetattr(STDIN_FILENO, TCSANOW, &saved_);
  }
  RawTerminal(const RawTerminal&) = delete;
  RawTerminal& operator=(const RawTerminal&) = delete;

 private:
  termios saved_{};
  bool active_ = false;
};

// `server console SERVER`: the serial console, interactive, as `virsh console`. On a terminal
// the keys go raw to the guest and Ctrl-] ends the session; from a pipe, stdin is sent as it
// comes and the console's output is shown until --linger seconds after stdin ended.
void server_console(CommandContext& ctx) {
  constexpr char kEscape = 0x1d;  // Ctrl-]
  const bool terminal = isatty(STDIN_FILENO) == 1;
  const auto linger = std::chrono::seconds(number(ctx, "linger", 0, 2));
  auto stub = cv1::Compute::NewStub(ctx.session.channel_for("compute"));
  grpc::ClientContext context;
  context.AddMetadata("authorization", "Bearer " + ctx.session.bearer());
  auto stream = stub->OpenConsole(&context);
  cv1::ConsoleInput first;
  first.set_server(argument(ctx, 0));
  stream->Write(first);

  std::atomic<bool> ended{false};
  std::mutex ending;  // a cancel after the server's own end would hide its status (NOT_FOUND...)
  auto cancel = [&] {
    std::lock_guard<std::mutex> lock(ending);
    if (!ended) context.TryCancel();
  };
  grpc::Status status;
  {
    RawTerminal raw(terminal);
    if (terminal) std::fprintf(stderr, "Connected to the console of %s (escape character is ^])\r\n", argument(ctx, 0).c_str());
    std::thread keyboard([&] {
      char buffer[1024];
      while (!ended) {
        pollfd ready{STDIN_FILENO, POLLIN, 0};
        if (poll(&ready, 1, 200) <= 0) continue;
        ssize_t n = read(STDIN_FILENO, buffer, sizeof buffer);
        if (n <= 0) break;
        std::string typed(buffer, static_cast<size_t>(n));
        size_t escape = terminal ? typed.find(kEscape) : std::string::npos;
        if (escape != std::string::npos) typed.resize(escape);
        cv1::ConsoleInput input;
        input.set_data(typed);
        if ((!typed.empty() && !stream->Write(input)) || escape != std::string::npos) {
          cancel();
          return;
        }
      }
      // stdin ended (a pipe): show what the console answers for a little longer.
      for (auto until = std::chrono::steady_clock::now() + linger; !ended && std::chrono::steady_clock::now() < until;)
        std::this_thread::sleep_for(std::chrono::milliseconds(50));
      cancel();
    });
    cv1::ConsoleData output;
    while (stream->Read(&output)) {
      std::fwrite(output.data().data(), 1, output.data().size(), stdout);
      std::fflush(stdout);
    }
    {
      std::lock_guard<std::mutex> lock(ending);
      ended = true;
    }
    keyboard.join();
    status = stream->Finish();
  }
  if (terminal) std::fputs("\nConsole closed.\n", stderr);
  if (!status.ok() && status.error_code() != grpc::StatusCode::CANCELLED)
    throw CloudError(status_code_name(status.error_code()), status.error_message());
}

// Polls the image service until the snapshot image is active; killed or deleted fails.
void wait_image_active(CommandContext& ctx, const std::string& image_id) {
  namespace im = cloud::image::v1;
  auto stub = im::Images::NewStub(ctx.session.channel_for("image"));
  StatusLine line(show_progress(ctx));
  auto started = std::chrono::steady_clock::now();
  while (true) {
    im::GetImageRequest request;
    request.set_image(image_id);
    auto image = ctx.session.call("image", *stub, &im::Images::Stub::GetImage, request);
    if (image.status() == "active") return;
    if (image.status() == "killed" || image.status() == "deleted")
      throw CloudError("ERROR", "snapshot image " + image_id + " is " + image.status());
    auto seconds = std::chrono::duration_cast<std::chrono::seconds>(std::chrono::steady_clock::now() - started);
    line.show("snapshot " + image.name() + " " + image.status() + " (" + std::to_string(seconds.count()) + " s)");
    std::this_thread::sleep_for(kPollInterval);
  }
}

void server_snapshot(CommandContext& ctx) {
  cv1::CreateServerSnapshotRequest request;
  request.set_server(argument(ctx, 0));
  request.set_image_name(argument(ctx, 1));
  for (const auto& [key, value] : logic::key_values(ctx.args.values("property"), "property"))
    (*request.mutable_metadata())[key] = value;
  auto snapshot = call_service(ctx, "compute", &Stub::CreateServerSnapshot, request);
  if (ctx.args.flag("wait")) wait_image_active(ctx, snapshot.image_id());
  ctx.output.object(snapshot, {"image_id", "server.id", "server.name"});
}

void server_add_group(CommandContext& ctx) {
  cv1::ServerSecurityGroupRequest request;
  request.set_server(argument(ctx, 0));
  request.set_security_group(argument(ctx, 1));
  print_server(ctx, call_service(ctx, "compute", &Stub::AddSecurityGroup, request));
}

void server_remove_group(CommandContext& ctx) {
  cv1::ServerSecurityGroupRequest request;
  request.set_server(argument(ctx, 0));
  request.set_security_group(argument(ctx, 1));
  print_server(ctx, call_service(ctx, "compute", &Stub::RemoveSecurityGroup, request));
}

void server_actions(CommandContext& ctx) {
  cv1::ListServerActionsRequest request;
  request.set_server(argument(ctx, 0));
  ctx.output.list(call_service(ctx, "compute", &Stub::ListServerActions, request).actions(),
                  {"request_id", "action", "user_id", "started_at", "finished_at", "result", "message"});
}

// ---- server groups ----

Cells group_formats() {
  return {{"policy", [](const google::protobuf::Message& m, const std::string&) {
             return logic::policy_name(static_cast<const cv1::ServerGroup&>(m).policy());
           }}};
}

void group_create(CommandContext& ctx) {
  auto policy = ctx.args.value("policy");
  if (!policy) throw UsageError("missing --policy");
  cv1::CreateServerGroupRequest request;
  request.set_name(argument(ctx, 0));
  request.set_policy(logic::group_policy(*policy));
  print_object(ctx, call_service(ctx, "compute", &Stub::CreateServerGroup, request), group_formats());
}

void group_list(CommandContext& ctx) {
  cv1::ListServerGroupsRequest request;
  request.set_all_projects(ctx.args.flag("all-projects"));
  cv1::ListServerGroupsResponse all;
  do {
    auto page = call_service(ctx, "compute", &Stub::ListServerGroups, request);
    for (auto& g : *page.mutable_server_groups()) *all.add_server_groups() = std::move(g);
    request.set_page_token(page.next_page_token());
  } while (!request.page_token().empty());
  print_list(ctx, all.server_groups(), {"id", "name", "policy", "member_ids"}, group_formats());
}

void group_show(CommandContext& ctx) {
  cv1::GetServerGroupRequest request;
  request.set_server_group(argument(ctx, 0));
  print_object(ctx, call_service(ctx, "compute", &Stub::GetServerGroup, request), group_formats());
}

void group_delete(CommandContext& ctx) {
  cv1::DeleteServerGroupRequest request;
  request.set_server_group(argument(ctx, 0));
  call_service(ctx, "compute", &Stub::DeleteServerGroup, request);
}

// ---- hosts, services, quotas ----

Cells status_formats(const std::string& field) {
  return {{field, [](const google::protobuf::Message&, const std::string& text) {
             return text.rfind("HOST_STATUS_", 0) == 0 ? text.substr(12) : text;
           }}};
}

void host_list(CommandContext& ctx) {
  cv1::ListHostsRequest request;
  cv1::ListHostsResponse all;
  do {
    auto page = call_service(ctx, "compute", &Stub::ListHosts, request);
    for (auto& h : *page.mutable_hosts()) *all.add_hosts() = std::move(h);
    request.set_page_token(page.next_page_token());
  } while (!request.page_token().empty());
  print_list(ctx, all.hosts(),
                  {"name", "status", "enabled", "availability_zone", "hypervisor_type", "vcpus_used", "vcpus",
                   "ram_mib_used", "ram_mib", "disk_gib_used", "disk_gib", "instances"},
                  status_formats("status"));
}

void host_show(CommandContext& ctx) {
  cv1::GetHostRequest request;
  request.set_host(argument(ctx, 0));
  print_object(ctx, call_service(ctx, "compute", &Stub::GetHost, request), status_formats("status"));
}

void host_set(CommandContext& ctx) {
  bool enable = ctx.args.flag("enable");
  bool disable = ctx.args.flag("disable");
  if (enable == disable) throw UsageError("give --enable or --disable");
  cv1::SetHostEnabledRequest request;
  request.set_host(argument(ctx, 0));
  request.set_enabled(enable);
  request.set_reason(ctx.args.value_or("reason", ""));
  print_object(ctx, call_service(ctx, "compute", &Stub::SetHostEnabled, request), status_formats("status"));
}

void service_list(CommandContext& ctx) {
  auto response = call_service(ctx, "compute", &Stub::ListServices, cv1::ListServicesRequest());
  print_list(ctx, response.services(), {"binary", "host", "zone", "enabled", "state", "disabled_reason", "updated_at"},
                  status_formats("state"));
}

// Quota as a table of limit and use per resource (an object of two nested messages reads badly).
void print_quota(CommandContext& ctx, const cv1::Quota& quota) {
  if (ctx.output.json()) {
    ctx.output.object(quota);
    return;
  }
  auto limit = [](int32_t value) { return value < 0 ? std::string("unlimited") : std::to_string(value); };
  const auto& l = quota.limits();
  const auto& u = quota.in_use();
  std::vector<TableRow> rows{{"instances", limit(l.instances()), std::to_string(u.instances())},
                             {"cores", limit(l.cores()), std::to_string(u.cores())},
                             {"ram_mib", limit(l.ram_mib()), std::to_string(u.ram_mib())},
                             {"key_pairs", limit(l.key_pairs()), std::to_string(u.key_pairs())},
                             {"server_groups", limit(l.server_groups()), std::to_string(u.server_groups())}};
  ctx.output.text("project " + quota.project_id());
  std::cout << render_table({"RESOURCE", "LIMIT", "IN_USE"}, rows);
}

void quota_show(CommandContext& ctx) {
  cv1::GetQuotaRequest request;
  request.set_project(ctx.args.value_or("project", ""));
  print_quota(ctx, call_service(ctx, "compute", &Stub::GetQuota, request));
}

void quota_set(CommandContext& ctx) {
  auto project = ctx.args.value("project");
  if (!project || project->empty()) throw UsageError("missing --project");
  cv1::SetQuotaRequest request;
  request.set_project(*project);
  // -1 is unlimited.
  auto limit = [&](const std::string& name, void (cv1::SetQuotaRequest::*set)(int32_t)) {
    auto value = ctx.args.value(name);
    if (!value) return false;
    (request.*set)(*value == "-1" ? -1 : logic::whole_number(name, *value, 0));
    return true;
  };
  bool any = limit("instances", &cv1::SetQuotaRequest::set_instances);
  any = limit("cores", &cv1::SetQuotaRequest::set_cores) || any;
  any = limit("ram", &cv1::SetQuotaRequest::set_ram_mib) || any;
  any = limit("key-pairs", &cv1::SetQuotaRequest::set_key_pairs) || any;
  any = limit("server-groups", &cv1::SetQuotaRequest::set_server_groups) || any;
  if (!any) throw UsageError("give at least one of --instances, --cores, --ram, --key-pairs, --server-groups");
  print_quota(ctx, call_service(ctx, "compute", &Stub::SetQuota, request));
}

}  // namespace

void add_compute_commands(CommandTable& table) {
  // words, arguments, optional arguments, options, options usage, summary, handler
  table.add({{"flavor", "create"}, {"NAME"}, {},
             {value_option("vcpus"), value_option("ram"), value_option("disk"), value_option("ephemeral"),
              value_option("swap"), flag_option("private"), repeated_option("project"), value_option("description"),
              value_option("id")},
             "--vcpus N --ram MIB --disk GIB [--ephemeral GIB] [--swap MIB] [--private [--project PROJECT_ID]...] "
             "[--description D]",
             "create a flavor (admin)", flavor_create});
  table.add({{"flavor", "list"}, {}, {}, {flag_option("all")}, "[--all]",
             "list the flavors you may use (--all: every private one too, admin)", flavor_list});
  table.add({{"flavor", "show"}, {"FLAVOR"}, {}, {}, "", "show a flavor", flavor_show});
  table.add({{"flavor", "delete"}, {"FLAVOR"}, {}, {}, "", "delete a flavor (admin)", flavor_delete});

  table.add({{"keypair", "create"}, {"NAME"}, {},
             {value_option("type"), value_option("file"), value_option("public-key")},
             "[--type ed25519|rsa] [--file F] | --public-key FILE",
             "make a key pair (prints the private key, or saves it 0600 to F), or import a public key",
             keypair_create});
  table.add({{"keypair", "list"}, {}, {}, {}, "", "list your key pairs", keypair_list});
  table.add({{"keypair", "show"}, {"NAME"}, {}, {}, "", "show a key pair", keypair_show});
  table.add({{"keypair", "delete"}, {"NAME"}, {}, {}, "", "delete a key pair", keypair_delete});

  table.add({{"server", "create"}, {"NAME"}, {},
             {value_option("image"), value_option("flavor"), value_option("key-name"), repeated_option("security-group"),
              repeated_option("network"), repeated_option("port"), value_option("user-data"), value_option("count"),
              value_option("server-group"), value_option("availability-zone"), repeated_option("property"),
              repeated_option("hint"), flag_option("wait")},
             "--image IMG --flavor F [--key-name K] [--security-group SG]... [--network N]... [--port P]... "
             "[--user-data FILE] [--count N] [--server-group G] [--availability-zone AZ] [--property K=V]... "
             "[--hint K=V]... [--wait]",
             "boot servers (--count N: NAME-1..NAME-N); --wait until ACTIVE", server_create});
  table.add({{"server", "list"}, {}, {},
             {value_option("name"), value_option("status"), value_option("image"), flag_option("all-projects"),
              value_option("host")},
             "[--name N] [--status S] [--image IMAGE_ID] [--all-projects] [--host H]", "list servers", server_list});
  table.add({{"server", "show"}, {"SERVER"}, {}, {}, "", "show a server (and its fault)", server_show});
  table.add({{"server", "delete"}, {"SERVER"}, {}, {flag_option("wait")}, "[--wait]",
             "delete a server; --wait until it is gone", server_delete});
  table.add({{"server", "start"}, {"SERVER"}, {}, {flag_option("wait")}, "[--wait]", "start a stopped server",
             server_start});
  table.add({{"server", "stop"}, {"SERVER"}, {}, {flag_option("wait")}, "[--wait]", "stop a server", server_stop});
  table.add({{"server", "reboot"}, {"SERVER"}, {}, {flag_option("hard"), flag_option("wait")}, "[--hard] [--wait]",
             "reboot a server (soft: ACPI, hard after a timeout)", server_reboot});
  table.add({{"server", "console-log"}, {"SERVER"}, {}, {value_option("lines")}, "[--lines N]",
             "the last lines of the server's serial console", server_console_log});
  table.add({{"server", "console"}, {"SERVER"}, {}, {value_option("linger")}, "[--linger SECONDS]",
             "the serial console, interactive (Ctrl-] ends it); from a pipe, sends stdin and shows the answer",
             server_console});
  table.add({{"server", "snapshot"}, {"SERVER", "IMAGE_NAME"}, {}, {repeated_option("property"), flag_option("wait")},
             "[--property K=V]... [--wait]", "save the server's disk as an image; --wait until it is active",
             server_snapshot});
  table.add({{"server", "add-security-group"}, {"SERVER", "SG"}, {}, {}, "", "add a security group to a server",
             server_add_group});
  table.add({{"server", "remove-security-group"}, {"SERVER", "SG"}, {}, {}, "",
             "remove a security group from a server", server_remove_group});
  table.add({{"server", "actions"}, {"SERVER"}, {}, {}, "", "the server's action log", server_actions});

  table.add({{"server-group", "create"}, {"NAME"}, {}, {value_option("policy")},
             "--policy affinity|anti-affinity|soft-affinity|soft-anti-affinity", "create a server group",
             group_create});
  table.add({{"server-group", "list"}, {}, {}, {flag_option("all-projects")}, "[--all-projects]",
             "list server groups", group_list});
  table.add({{"server-group", "show"}, {"GROUP"}, {}, {}, "", "show a server group", group_show});
  table.add({{"server-group", "delete"}, {"GROUP"}, {}, {}, "", "delete a server group without members",
             group_delete});

  table.add({{"host", "list"}, {}, {}, {}, "", "hypervisor hosts, capacity and use, up/down (admin)", host_list});
  table.add({{"host", "show"}, {"HOST"}, {}, {}, "", "show a hypervisor host (admin)", host_show});
  table.add({{"host", "set"}, {"HOST"}, {}, {flag_option("enable"), flag_option("disable"), value_option("reason")},
             "--enable | --disable [--reason R]", "let a host take new servers, or not (admin)", host_set});
  table.add({{"service", "list"}, {}, {}, {}, "", "compute services per host, up/down (admin)", service_list});

  table.add({{"quota", "show"}, {}, {}, {value_option("project")}, "[--project P]",
             "compute quotas and use of a project (yours by default)", quota_show});
  table.add({{"quota", "set"}, {}, {},
             {value_option("project"), value_option("instances"), value_option("cores"), value_option("ram"),
              value_option("key-pairs"), value_option("server-groups")},
             "--project P [--instances N] [--cores N] [--ram MIB] [--key-pairs N] [--server-groups N] (-1: unlimited)",
             "set a project's compute quotas (admin)", quota_set});
}

}  // namespace stratus::cloudctl
