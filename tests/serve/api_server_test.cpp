// The server in-process, over real sockets on 127.0.0.1 (a port it picks), on
// the demo model: routes, statuses, malformed HTTP and JSON, streaming, a
// client that hangs up mid-stream. Runs under ASan+UBSan too (test_serve_asan).
#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <thread>

#include "serve/api_error.h"
#include "serve/api_server.h"
#include "serve/http_server.h"
#include "support/test_paths.h"

namespace heft::serve {
namespace {

struct Reply {
  int status = 0;
  std::string head, body;
};

int connect_to(uint16_t port) {
  int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_port = htons(port);
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  EXPECT_EQ(::connect(fd, reinterpret_cast<sockaddr*>(&a), sizeof a), 0);
  return fd;
}

void send_all(int fd, const std::string& s) {
  size_t off = 0;
  while (off < s.size()) {
    ssize_t n = ::send(fd, s.data() + off, s.size() - off, MSG_NOSIGNAL);
    if (n <= 0) return;
    off += static_cast<size_t>(n);
  }
}

// Sends raw bytes, reads until the server closes.
Reply round_trip(uint16_t port, const std::string& raw) {
  int fd = connect_to(port);
  send_all(fd, raw);
  std::string all;
  char buf[4096];
  ssize_t n;
  while ((n = ::recv(fd, buf, sizeof buf, 0)) > 0) all.append(buf, static_cast<size_t>(n));
  ::close(fd);
  Reply r;
  const size_t end = all.find("\r\n\r\n");
  r.head = all.substr(0, end);
  r.body = end == std::string::npos ? "" : all.substr(end + 4);
  if (all.starts_with("HTTP/1.1 ")) r.status = std::stoi(all.substr(9, 3));
  return r;
}

Reply call(uint16_t port, const std::string& method, const std::string& path, const std::string& body = {}) {
  return round_trip(port, method + " " + path + " HTTP/1.1\r\nHost: x\r\nConnection: close\r\nContent-Type: application/json\r\n" +
                            "Content-Length: " + std::to_string(body.size()) + "\r\n\r\n" + body);
}

class ServerTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    HttpOptions o;
    o.port = 0;
    o.max_body = 4096;
    o.error_body = [](int status, const std::string& m) { return ApiError{status, m}.body(); };
    auto http = HttpServer::listen(o);
    ASSERT_TRUE(http.has_value()) << http.error().to_string();
    http_ = std::move(*http).release();
    app_ = new ApiServer(ApiOptions{.alias = "demo"});
    thread_ = new std::thread([] { http_->run([](const HttpRequest& r, ResponseWriter& w) { app_->handle(r, w); }); });
    // Before the model is attached: /health says loading, the API 503.
    EXPECT_EQ(call(http_->port(), "GET", "/health").status, 503);
    EXPECT_EQ(call(http_->port(), "POST", "/v1/completions", R"({"prompt":"x"})").status, 503);
    auto m = session::load_model(test::source("models/tinystories-656k-q8_0.gguf"), {}, 2);
    ASSERT_TRUE(m.has_value()) << m.error().to_string();
    model_ = new session::LoadedModel(std::move(*m));
    engine::ContextParams cp;
    cp.n_ctx = 128;
    cp.n_threads = 2;
    ASSERT_TRUE(app_->attach(*model_, cp).has_value());
  }
  static void TearDownTestSuite() {
    http_->stop();
    thread_->join();
    delete thread_;
    delete app_;
    delete http_;
    delete model_;
  }
  static uint16_t port() { return http_->port(); }

  static inline HttpServer* http_ = nullptr;
  static inline ApiServer* app_ = nullptr;
  static inline std::thread* thread_ = nullptr;
  static inline session::LoadedModel* model_ = nullptr;
};

TEST_F(ServerTest, HealthAndModels) {
  EXPECT_EQ(call(port(), "GET", "/health").status, 200);
  Reply r = call(port(), "GET", "/v1/models");
  EXPECT_EQ(r.status, 200);
  EXPECT_NE(r.body.find("\"id\":\"demo\""), std::string::npos) << r.body;
}

TEST_F(ServerTest, CompletionAndItsStream) {
  Reply r = call(port(), "POST", "/v1/completions", R"({"prompt":"Once upon a time","max_tokens":8,"temperature":0})");
  ASSERT_EQ(r.status, 200) << r.body;
  auto j = util::Json::parse(r.body);
  ASSERT_TRUE(j.has_value());
  const std::string text = j->find("choices")->as_array()[0].get_string("text");
  EXPECT_FALSE(text.empty());
  EXPECT_EQ(j->find("usage")->get_int("completion_tokens", -1), 8);

  Reply s = call(port(), "POST", "/v1/completions",
                 R"({"prompt":"Once upon a time","max_tokens":8,"temperature":0,"stream":true})");
  ASSERT_EQ(s.status, 200);
  EXPECT_NE(s.head.find("text/event-stream"), std::string::npos) << s.head;
  EXPECT_NE(s.head.find("chunked"), std::string::npos) << s.head;
  EXPECT_NE(s.body.find("data: [DONE]\n\n"), std::string::npos) << s.body;
  // The streamed pieces, taken out of their chunks, add up to the same text.
  std::string joined;
  for (size_t at = 0; (at = s.body.find("data: {", at)) != std::string::npos; ++at) {
    const size_t end = s.body.find("\n\n", at);
    auto c = util::Json::parse(s.body.substr(at + 6, end - at - 6));
    ASSERT_TRUE(c.has_value()) << s.body.substr(at, end - at);
    joined += c->find("choices")->as_array()[0].get_string("text");
  }
  EXPECT_EQ(joined, text);
}

// Continuous batching in one process (so ASan sees the pool, the block tables
// and the passes): requests at once, each its text alone; a shared prompt is
// found in the prefix cache; embeddings between the passes.
TEST_F(ServerTest, ConcurrentRequestsPrefixCacheAndEmbeddings) {
  const std::vector<std::string> prompts = {"Once upon a time", "The little dog", "Lily wanted to play with her friends in the park, but it was raining, so she stayed home and read a book with her mom and dad",
                                            "One day"};
  auto body = [](const std::string& p) { return R"({"prompt":")" + p + R"(","max_tokens":12,"temperature":0})"; };
  auto text_of = [](const Reply& r) {
    auto j = util::Json::parse(r.body);
    return j ? j->find("choices")->as_array()[0].get_string("text") : std::string("(bad reply)");
  };
  std::vector<std::string> solo;
  for (const auto& p : prompts) solo.push_back(text_of(call(port(), "POST", "/v1/completions", body(p))));
  std::vector<Reply> replies(12);
  std::vector<std::thread> clients;
  for (size_t i = 0; i < replies.size(); ++i)
    clients.emplace_back([&, i] {
      replies[i] = i % 4 == 3 ? call(port(), "POST", "/v1/embeddings", R"({"input":["Once upon a time","One day"]})")
                              : call(port(), "POST", "/v1/completions", body(prompts[i % prompts.size()]));
    });
  for (auto& c : clients) c.join();
  for (size_t i = 0; i < replies.size(); ++i) {
    ASSERT_EQ(replies[i].status, 200) << i << ": " << replies[i].body;
    if (i % 4 == 3) {
      auto j = util::Json::parse(replies[i].body);
      ASSERT_TRUE(j.has_value());
      EXPECT_EQ(j->find("data")->as_array().size(), 2u);
    } else {
      EXPECT_EQ(text_of(replies[i]), solo[i % prompts.size()]) << "request " << i;
    }
  }
  // The long prompt was asked for more than once: its first block came from the cache.
  Reply again = call(port(), "POST", "/v1/completions", body(prompts[2]));
  auto j = util::Json::parse(again.body);
  ASSERT_TRUE(j.has_value());
  EXPECT_EQ(j->find("usage")->find("prompt_tokens_details")->get_int("cached_tokens", -1) % 16, 0);
  EXPECT_GT(j->find("usage")->find("prompt_tokens_details")->get_int("cached_tokens", -1), 0);
  EXPECT_EQ(text_of(again), solo[2]);
}

TEST_F(ServerTest, Statuses) {
  EXPECT_EQ(call(port(), "GET", "/nothing").status, 404);
  EXPECT_EQ(call(port(), "GET", "/v1/completions").status, 405);
  EXPECT_EQ(call(port(), "POST", "/v1/completions", "{not json").status, 400);
  EXPECT_EQ(call(port(), "POST", "/v1/completions", "[1,2]").status, 400);
  EXPECT_EQ(call(port(), "POST", "/v1/completions", R"({"prompt":"x","temperature":-1})").status, 400);
  EXPECT_EQ(call(port(), "POST", "/v1/completions", R"({"prompt":"x","model":"other"})").status, 404);
  Reply big = call(port(), "POST", "/v1/completions", std::string(5000, ' '));
  EXPECT_EQ(big.status, 413) << big.head;
  EXPECT_NE(big.body.find("\"error\""), std::string::npos);
  Reply fit = call(port(), "POST", "/v1/completions", R"({"prompt":"Once upon a time","max_tokens":500})");
  EXPECT_EQ(fit.status, 400);
  EXPECT_NE(fit.body.find("128"), std::string::npos) << fit.body;  // the context size is named
  EXPECT_EQ(call(port(), "POST", "/v1/chat/completions", R"({"messages":[{"role":"user","content":"x"}]})").status, 400);
  EXPECT_EQ(call(port(), "POST", "/tokenize", R"({"content":5})").status, 400);
  EXPECT_EQ(call(port(), "POST", "/detokenize", R"({"tokens":[-1]})").status, 400);
}

TEST_F(ServerTest, MalformedHttpGetsNoCrash) {
  Reply r = round_trip(port(), "GARBAGE\r\n\r\n");
  EXPECT_TRUE(r.status == 400 || r.status == 0) << r.head;
  r = round_trip(port(), "POST /v1/completions HTTP/1.1\r\nContent-Length: 99999999999999999999\r\n\r\n");
  EXPECT_TRUE(r.status == 400 || r.status == 413 || r.status == 0) << r.head;
  r = round_trip(port(), "POST /v1/completions HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n");
  EXPECT_TRUE(r.status == 400 || r.status == 0) << r.head;
  EXPECT_EQ(call(port(), "GET", "/health").status, 200);  // still serving
}

TEST_F(ServerTest, HangingUpMidStreamFreesTheServer) {
  int fd = connect_to(port());
  const std::string body = R"({"prompt":"Once upon a time","max_tokens":120,"temperature":0,"stream":true})";
  send_all(fd, "POST /v1/completions HTTP/1.1\r\nHost: x\r\nContent-Length: " + std::to_string(body.size()) +
                   "\r\n\r\n" + body);
  char buf[512];
  ASSERT_GT(::recv(fd, buf, sizeof buf, 0), 0);
  ::close(fd);
  Reply r = call(port(), "POST", "/v1/completions", R"({"prompt":"Lily","max_tokens":4,"temperature":0})");
  EXPECT_EQ(r.status, 200);
  // The hang-up is seen when a chunk cannot be sent; the sequence then leaves the next pass.
  Reply m;
  for (int i = 0; i < 250; ++i) {
    m = call(port(), "GET", "/metrics");
    if (m.body.find("heft_sequences_running{model=\"demo\"} 0") != std::string::npos) break;
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  EXPECT_NE(m.body.find("heft_sequences_running{model=\"demo\"} 0"), std::string::npos) << m.body;
}

}  // namespace
}  // namespace heft::serve
