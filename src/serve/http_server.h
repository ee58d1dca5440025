#pragma once
// HTTP/1.1 on Boost.Beast (docs/dependencies.md says why): one thread per
// connection, keep-alive, a cap on the body size (413) and on open
// connections (503 past it), chunked responses for streaming. Knows nothing
// of the API: each request goes to the handler with a writer for its answer.
// Boost stays inside http_server.cpp.
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "util/error.h"

namespace heft::serve {

struct HttpRequest {
  std::string method;                        // "GET", "POST", ...
  std::string path;                          // the target without its query
  std::map<std::string, std::string> headers;  // names in lower case
  std::string body;
  std::string header(const std::string& lower_name) const {
    auto it = headers.find(lower_name);
    return it == headers.end() ? std::string() : it->second;
  }
};

using Headers = std::vector<std::pair<std::string, std::string>>;

class ResponseWriter {
 public:
  virtual ~ResponseWriter() = default;
  // A whole response.
  virtual void send(int status, std::string_view content_type, std::string body, const Headers& extra = {}) = 0;
  // A chunked response: the head, then pieces; false once the client is gone.
  virtual bool start_stream(int status, std::string_view content_type, const Headers& extra = {}) = 0;
  virtual bool write(std::string_view piece) = 0;
  virtual void end_stream() = 0;
  // True when the peer closed its side (checked without blocking).
  virtual bool client_gone() = 0;
  virtual bool sent() const = 0;
};

using Handler = std::function<void(const HttpRequest&, ResponseWriter&)>;

struct HttpOptions {
  std::string host = "127.0.0.1";
  uint16_t port = 8080;                     // 0: any free port
  size_t max_body = 8 << 20;                // bytes; larger bodies get 413
  size_t max_connections = 256;             // open at once; more get 503
  int idle_timeout_s = 60;                  // a keep-alive connection idle this long is closed
  // The body of the errors the server itself answers (400 malformed HTTP, 413, 503).
  std::function<std::string(int status, const std::string& message)> error_body;
};

class HttpServer {
 public:
  static util::Result<std::unique_ptr<HttpServer>> listen(const HttpOptions& options);
  virtual ~HttpServer() = default;
  virtual uint16_t port() const = 0;
  // Accepts and serves until stop(); returns after the accept loop ended.
  virtual void run(Handler handler) = 0;
  // Stops accepting and closes idle connections (callable from any thread).
  virtual void stop() = 0;
  // Connections still serving a request.
  virtual size_t busy() const = 0;
};

}  // namespace heft::serve
