// Beast's string_view as std::string_view, set here because this is the only file that includes Boost
// (scripts/aarch64-kernels compiles every source without the CMake target's definitions).
#define BOOST_BEAST_USE_STD_STRING_VIEW 1
#define BOOST_ASIO_NO_DEPRECATED 1
#include "serve/http_server.h"

#include <poll.h>
#include <sys/socket.h>

#include <atomic>
#include <chrono>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/write.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/http.hpp>
#include <mutex>
#include <condition_variable>
#include <map>
#include <thread>

namespace heft::serve {

namespace {

namespace net = boost::asio;
namespace http = boost::beast::http;
using tcp = net::ip::tcp;

class Connection;

class Writer final : public ResponseWriter {
 public:
  Writer(tcp::socket& sock, bool keep_alive, unsigned version) : sock_(sock), keep_alive_(keep_alive), version_(version) {}

  void send(int status, std::string_view content_type, std::string body, const Headers& extra = {}) override {
    if (sent_) return;
    sent_ = true;
    http::response<http::string_body> res{static_cast<http::status>(status), version_};
    res.set(http::field::server, "heft");
    res.set(http::field::content_type, content_type);
    for (const auto& [k, v] : extra) res.set(k, v);
    res.keep_alive(keep_alive_);
    res.body() = std::move(body);
    res.prepare_payload();
    boost::system::error_code ec;
    http::write(sock_, res, ec);
    if (ec) failed_ = true;
  }

  bool start_stream(int status, std::string_view content_type, const Headers& extra = {}) override {
    if (sent_) return false;
    sent_ = streaming_ = true;
    http::response<http::empty_body> res{static_cast<http::status>(status), version_};
    res.set(http::field::server, "heft");
    res.set(http::field::content_type, content_type);
    res.set(http::field::cache_control, "no-cache");
    for (const auto& [k, v] : extra) res.set(k, v);
    res.keep_alive(keep_alive_);
    res.chunked(true);
    http::response_serializer<http::empty_body> sr{res};
    boost::system::error_code ec;
    http::write_header(sock_, sr, ec);
    if (ec) failed_ = true;
    return !failed_;
  }

  bool write(std::string_view piece) override {
    if (failed_ || !streaming_ || piece.empty()) return !failed_;
    boost::system::error_code ec;
    net::write(sock_, http::make_chunk(net::const_buffer(piece.data(), piece.size())), ec);
    if (ec) failed_ = true;
    return !failed_;
  }

  void end_stream() override {
    if (failed_ || !streaming_) return;
    boost::system::error_code ec;
    net::write(sock_, http::make_chunk_last(), ec);
    if (ec) failed_ = true;
    streaming_ = false;
  }

  bool client_gone() override {
    if (failed_) return true;
    pollfd p{sock_.native_handle(), POLLIN | POLLRDHUP, 0};
    if (::poll(&p, 1, 0) <= 0) return false;
    if (p.revents & (POLLRDHUP | POLLHUP | POLLERR)) return true;
    // Readable: either a pipelined request (the client is there) or EOF.
    char c;
    return ::recv(sock_.native_handle(), &c, 1, MSG_PEEK | MSG_DONTWAIT) == 0;
  }

  bool sent() const override { return sent_; }
  bool failed() const { return failed_; }

 private:
  tcp::socket& sock_;
  bool keep_alive_;
  unsigned version_;
  bool sent_ = false, streaming_ = false, failed_ = false;
};

class Server final : public HttpServer {
 public:
  Server(const HttpOptions& o, net::io_context& io) : opts_(o), io_(io), acceptor_(io) {}

  util::Result<void> open() {
    boost::system::error_code ec;
    auto addr = net::ip::make_address(opts_.host, ec);
    if (ec) return util::fail("--host '" + opts_.host + "' is not an IP address");
    tcp::endpoint ep(addr, opts_.port);
    acceptor_.open(ep.protocol(), ec);
    if (!ec) acceptor_.set_option(net::socket_base::reuse_address(true), ec);
    if (!ec) acceptor_.bind(ep, ec);
    if (!ec) acceptor_.listen(net::socket_base::max_listen_connections, ec);
    if (ec) return util::fail("cannot listen on " + opts_.host + ":" + std::to_string(opts_.port) + ": " + ec.message());
    port_ = acceptor_.local_endpoint().port();
    return {};
  }

  uint16_t port() const override { return port_; }
  size_t busy() const override { return busy_.load(); }

  void run(Handler handler) override {
    handler_ = std::move(handler);
    std::thread reaper([this] { reap(); });
    while (!stopping_.load()) {
      tcp::socket sock(io_);
      boost::system::error_code ec;
      acceptor_.accept(sock, ec);
      if (ec) {
        if (stopping_.load()) break;
        continue;  // a connection that failed while being accepted
      }
      if (open_.load() >= opts_.max_connections) {
        reject(sock);
        continue;
      }
      ++open_;
      std::thread([this, s = std::move(sock)]() mutable { serve(std::move(s)); }).detach();
    }
    {
      std::lock_guard lock(mu_);
      reaper_cv_.notify_all();
    }
    reaper.join();
    // Wait for the connection threads: they end on their own once idle sockets are shut.
    while (open_.load() > 0) std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }

  void stop() override {
    if (stopping_.exchange(true)) return;
    boost::system::error_code ec;
    ::shutdown(acceptor_.native_handle(), SHUT_RDWR);  // wakes the blocked accept
    acceptor_.close(ec);
    std::lock_guard lock(mu_);
    for (const auto& [fd, since] : idle_) ::shutdown(fd, SHUT_RD);
    reaper_cv_.notify_all();
  }

 private:
  void reject(tcp::socket& sock) {
    http::response<http::string_body> res{http::status::service_unavailable, 11};
    res.set(http::field::content_type, "application/json");
    res.set(http::field::retry_after, "1");
    res.body() = opts_.error_body ? opts_.error_body(503, "too many open connections") : "";
    res.keep_alive(false);
    res.prepare_payload();
    boost::system::error_code ec;
    http::write(sock, res, ec);
  }

  // A connection waiting for (the header of) its next request. Asio's blocking
  // reads ignore SO_RCVTIMEO, so the reaper shuts down the read side of those
  // idle too long, and stop() of all of them.
  void set_idle(int fd, bool idle) {
    std::lock_guard lock(mu_);
    if (idle) {
      idle_[fd] = std::chrono::steady_clock::now();
      if (stopping_.load()) ::shutdown(fd, SHUT_RD);
    } else {
      idle_.erase(fd);
    }
  }

  void reap() {
    std::unique_lock lock(mu_);
    while (!stopping_.load()) {
      reaper_cv_.wait_for(lock, std::chrono::seconds(1));
      const auto now = std::chrono::steady_clock::now();
      for (const auto& [fd, since] : idle_)
        if (now - since > std::chrono::seconds(opts_.idle_timeout_s)) ::shutdown(fd, SHUT_RD);
    }
  }

  void serve(tcp::socket sock) {
    const int fd = sock.native_handle();
    boost::beast::flat_buffer buf;
    while (true) {
      set_idle(fd, true);
      http::request_parser<http::string_body> parser;
      parser.body_limit(opts_.max_body);
      parser.header_limit(64 * 1024);
      boost::system::error_code ec;
      http::read_header(sock, buf, parser, ec);
      set_idle(fd, false);
      if (ec) {
        // Malformed HTTP gets a 400; a closed, timed-out or shut-down connection nothing.
        if (ec.category() == http::make_error_code(http::error::bad_method).category() &&
            ec != http::error::end_of_stream && ec != http::error::partial_message) {
          Writer w(sock, false, 11);
          if (ec == http::error::body_limit)  // the parser checks Content-Length against the limit with the header
            error(w, 413, "the request body is larger than " + std::to_string(opts_.max_body) + " bytes (--max-body)");
          else
            error(w, ec == http::error::header_limit ? 431 : 400, "malformed HTTP request: " + ec.message());
        }
        break;
      }
      ++busy_;
      const unsigned version = parser.get().version();
      // Refused before its body is read: the body limit from the header, then while reading.
      const auto length = parser.content_length();
      if (length && *length > opts_.max_body) {
        Writer w(sock, false, version);
        error(w, 413, "the request body is larger than " + std::to_string(opts_.max_body) + " bytes (--max-body)");
        --busy_;
        break;
      }
      http::read(sock, buf, parser, ec);
      if (ec) {
        Writer w(sock, false, version);
        if (ec == http::error::body_limit)
          error(w, 413, "the request body is larger than " + std::to_string(opts_.max_body) + " bytes (--max-body)");
        else if (ec != http::error::end_of_stream && ec != net::error::eof)
          error(w, 400, "malformed HTTP request: " + ec.message());
        --busy_;
        break;
      }
      auto& msg = parser.get();
      HttpRequest req;
      req.method = std::string(msg.method_string());
      std::string target(msg.target());
      req.path = target.substr(0, target.find('?'));
      for (const auto& f : msg) {
        std::string name(f.name_string());
        for (char& c : name) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
        req.headers[name] = std::string(f.value());
      }
      req.body = std::move(msg.body());
      const bool keep_alive = msg.keep_alive() && !stopping_.load();
      Writer w(sock, keep_alive, version);
      handler_(req, w);
      if (!w.sent()) error(w, 500, "the server gave no answer");
      --busy_;
      if (!keep_alive || w.failed()) break;
    }
    // Closing with unread request bytes would reset the connection and could lose the answer
    // (a 413 before its body): end our side, then read what is left for a moment.
    boost::system::error_code ec;
    sock.shutdown(tcp::socket::shutdown_send, ec);
    char sink[16384];
    size_t drained = 0;
    for (pollfd p{fd, POLLIN, 0}; drained < (8u << 20) && ::poll(&p, 1, 200) > 0;) {
      const ssize_t n = ::recv(fd, sink, sizeof sink, MSG_DONTWAIT);
      if (n <= 0) break;
      drained += static_cast<size_t>(n);
    }
    sock.close(ec);
    --open_;
  }

  void error(Writer& w, int status, const std::string& message) {
    w.send(status, "application/json", opts_.error_body ? opts_.error_body(status, message) : message);
  }

  HttpOptions opts_;
  net::io_context& io_;
  tcp::acceptor acceptor_;
  uint16_t port_ = 0;
  Handler handler_;
  std::atomic<bool> stopping_{false};
  std::atomic<size_t> open_{0}, busy_{0};
  std::mutex mu_;
  std::condition_variable reaper_cv_;
  std::map<int, std::chrono::steady_clock::time_point> idle_;  // fd → idle since
};

// The io_context outlives the server that uses it.
struct Owned final : HttpServer {
  std::unique_ptr<net::io_context> io = std::make_unique<net::io_context>();
  std::unique_ptr<Server> server;
  uint16_t port() const override { return server->port(); }
  void run(Handler h) override { server->run(std::move(h)); }
  void stop() override { server->stop(); }
  size_t busy() const override { return server->busy(); }
};

}  // namespace

util::Result<std::unique_ptr<HttpServer>> HttpServer::listen(const HttpOptions& options) {
  auto owned = std::make_unique<Owned>();
  owned->server = std::make_unique<Server>(options, *owned->io);
  HEFT_TRY(owned->server->open());
  return std::unique_ptr<HttpServer>(std::move(owned));
}

}  // namespace heft::serve
