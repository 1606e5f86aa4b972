// stratus-dashboard-bench: what the dashboard's JSON bridge costs on top of the gRPC call it
// makes. Logs in through the dashboard (HTTP, as the browser does), then runs the same unary
// call N times directly over gRPC and N times through POST /api/rpc/..., each at a fixed
// concurrency with one keep-alive connection per worker, and prints p50/p99, requests/s and
// the difference (see docs/dashboard.md).
//
//   stratus-dashboard-bench --password-file /var/lib/stratus/secrets/demo
//       [--dashboard 127.0.0.1:8790] [--compute 127.0.0.1:7500] [--identity 127.0.0.1:7100]
//       [--user demo] [--project demo] [--requests 2000] [--concurrency 16]
#include <atomic>
#include <chrono>
#include <iostream>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include <boost/asio/connect.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <nlohmann/json.hpp>

#include "common/rpc/authenticator.h"
#include "compute/v1/compute.grpc.pb.h"
#include "identity/v1/identity.grpc.pb.h"
#include "tools/bench/bench_support.h"

namespace asio = boost::asio;
namespace beast = boost::beast;
using namespace stratus;

namespace {

struct Options {
  std::string dashboard = "127.0.0.1:8790", compute = "127.0.0.1:7500", identity = "127.0.0.1:7100";
  std::string user = "demo", project = "demo", password;
  int requests = 2000, concurrency = 16;
};

[[noreturn]] void usage(const std::string& why) {
  std::cerr << "stratus-dashboard-bench: " << why
            << "\nusage: stratus-dashboard-bench --password-file FILE [--dashboard H:P] [--compute H:P]"
               " [--identity H:P] [--user U] [--project P] [--requests N] [--concurrency C]\n";
  std::exit(2);
}

Options parse(int argc, char** argv) {
  Options o;
  for (int i = 1; i < argc; ++i) {
    std::string a = argv[i];
    auto value = [&]() -> std::string {
      if (i + 1 >= argc) usage(a + " needs a value");
      return argv[++i];
    };
    if (a == "--dashboard") o.dashboard = value();
    else if (a == "--compute") o.compute = value();
    else if (a == "--identity") o.identity = value();
    else if (a == "--user") o.user = value();
    else if (a == "--project") o.project = value();
    else if (a == "--password-file") o.password = bench::first_line_of_file(value(), usage);
    else if (a == "--requests") o.requests = std::stoi(value());
    else if (a == "--concurrency") o.concurrency = std::stoi(value());
    else usage("unknown option " + a);
  }
  if (o.password.empty()) usage("--password-file is required");
  if (o.requests < 1 || o.concurrency < 1) usage("--requests and --concurrency must be positive");
  return o;
}

// One keep-alive HTTP/1.1 connection to the dashboard.
class HttpConnection {
 public:
  explicit HttpConnection(const std::string& address) : stream_(io_) {
    auto colon = address.rfind(':');
    asio::ip::tcp::resolver resolver(io_);
    stream_.connect(resolver.resolve(address.substr(0, colon), address.substr(colon + 1)));
    host_ = address;
  }
  beast::http::response<beast::http::string_body> post(const std::string& target, const std::string& body,
                                                       const std::string& cookie, const std::string& csrf) {
    beast::http::request<beast::http::string_body> request(beast::http::verb::post, target, 11);
    request.set(beast::http::field::host, host_);
    request.set(beast::http::field::content_type, "application/json");
    if (!cookie.empty()) request.set(beast::http::field::cookie, cookie);
    if (!csrf.empty()) request.set("X-CSRF-Token", csrf);
    request.keep_alive(true);
    request.body() = body;
    request.prepare_payload();
    beast::http::write(stream_, request);
    beast::http::response<beast::http::string_body> response;
    beast::http::read(stream_, buffer_, response);
    return response;
  }

 private:
  asio::io_context io_;
  beast::tcp_stream stream_;
  beast::flat_buffer buffer_;
  std::string host_;
};

struct Cell {
  std::vector<double> ms;
  int errors = 0;
  double seconds = 0;
};

// `call(worker)` once per request, spread over `concurrency` workers; each worker sets itself
// up first (its connection), outside the clock.
template <typename Setup>
Cell run(int requests, int concurrency, Setup setup) {
  Cell cell;
  std::mutex mutex;
  std::atomic<int> next{0};
  std::atomic<int> ready{0};
  std::atomic<bool> go{false};
  std::vector<std::thread> workers;
  for (int w = 0; w < concurrency; ++w)
    workers.emplace_back([&] {
      auto call = setup();
      ready++;
      while (!go) std::this_thread::yield();
      std::vector<double> mine;
      int errors = 0;
      while (next++ < requests) {
        auto t0 = std::chrono::steady_clock::now();
        bool ok = call();
        mine.push_back(std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - t0).count());
        if (!ok) errors++;
      }
      std::lock_guard lock(mutex);
      cell.ms.insert(cell.ms.end(), mine.begin(), mine.end());
      cell.errors += errors;
    });
  while (ready < concurrency) std::this_thread::yield();
  auto t0 = std::chrono::steady_clock::now();
  go = true;
  for (auto& t : workers) t.join();
  cell.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  std::sort(cell.ms.begin(), cell.ms.end());
  return cell;
}

void print(const std::string& name, const Cell& c) {
  char line[200];
  std::snprintf(line, sizeof line, "%-28s %10.0f %10s %10s %8zu %7d", name.c_str(), c.ms.size() / c.seconds,
                bench::format_ms(bench::percentile(c.ms, 0.5)).c_str(),
                bench::format_ms(bench::percentile(c.ms, 0.99)).c_str(), c.ms.size(), c.errors);
  std::cout << line << "\n";
}

}  // namespace

int main(int argc, char** argv) {
  Options o = parse(argc, argv);
  try {
    // The browser's login, and a token of the same user for the direct calls.
    HttpConnection login(o.dashboard);
    nlohmann::json credentials = {{"username", o.user}, {"password", o.password}, {"project", o.project}};
    auto answer = login.post("/api/session", credentials.dump(), "", "");
    if (answer.result_int() != 200) usage("login through the dashboard failed: " + answer.body());
    std::string set_cookie(answer[beast::http::field::set_cookie]);
    std::string cookie = set_cookie.substr(0, set_cookie.find(';'));
    std::string csrf = nlohmann::json::parse(answer.body())["csrf_token"];
    std::string token = cookie.substr(cookie.find('=') + 1);

    std::cout << "load average: " << bench::load_average() << " (before the run)\n";
    std::cout << "call:         compute ListFlavors, " << o.requests << " requests at concurrency " << o.concurrency
              << ", one connection per worker\n";
    char header[200];
    std::snprintf(header, sizeof header, "%-28s %10s %10s %10s %8s %7s", "path", "req/s", "p50", "p99", "requests",
                  "errors");
    std::cout << header << "\n";

    Cell direct = run(o.requests, o.concurrency, [&] {
      auto stub = cloud::compute::v1::Compute::NewStub(
          grpc::CreateCustomChannel(o.compute, grpc::InsecureChannelCredentials(), [] {
            grpc::ChannelArguments args;
            args.SetInt("grpc.use_local_subchannel_pool", 1);  // a connection of its own
            return args;
          }()));
      return [stub = std::shared_ptr<cloud::compute::v1::Compute::Stub>(std::move(stub)), &token] {
        grpc::ClientContext context;
        rpc::attach_token(context, token);
        cloud::compute::v1::ListFlavorsRequest request;
        cloud::compute::v1::ListFlavorsResponse response;
        return stub->ListFlavors(&context, request, &response).ok();
      };
    });
    print("gRPC compute/ListFlavors", direct);

    Cell bridged = run(o.requests, o.concurrency, [&] {
      auto connection = std::make_shared<HttpConnection>(o.dashboard);
      return [connection, &cookie, &csrf] {
        return connection->post("/api/rpc/compute/ListFlavors", "{}", cookie, csrf).result_int() == 200;
      };
    });
    print("dashboard /api/rpc (JSON)", bridged);

    double overhead_p50 = bench::percentile(bridged.ms, 0.5) - bench::percentile(direct.ms, 0.5);
    double overhead_p99 = bench::percentile(bridged.ms, 0.99) - bench::percentile(direct.ms, 0.99);
    std::cout << "bridge overhead: p50 +" << bench::format_ms(std::max(0.0, overhead_p50)) << ", p99 +"
              << bench::format_ms(std::max(0.0, overhead_p99)) << "\n";
    return direct.errors + bridged.errors == 0 ? 0 : 1;
  } catch (const std::exception& e) {
    std::cerr << "stratus-dashboard-bench: " << e.what() << "\n";
    return 1;
  }
}
