// Ollama's routes on the ApiServer: generation goes through the same
// completions() as the OpenAI API (serve/ollama_api.h translates both ways);
// the model descriptions come from the loaded model's metadata.
#include <sys/stat.h>

#include <filesystem>

#include <fmt/format.h>

#include "convert/quant_policy.h"
#include "serve/api_server.h"
#include "serve/ollama_api.h"
#include "store/digest.h"

namespace heft::serve {

using util::Json;

namespace {

constexpr const char* kJson = "application/json";

// 135000000 → "135.0M", as Ollama's parameter_size.
std::string parameter_size(uint64_t n) {
  if (n >= 1000000000) return fmt::format("{:.1f}B", static_cast<double>(n) / 1e9);
  if (n >= 1000000) return fmt::format("{:.1f}M", static_cast<double>(n) / 1e6);
  return fmt::format("{:.1f}K", static_cast<double>(n) / 1e3);
}

std::string tagged(const std::string& alias) { return alias.find(':') == std::string::npos ? alias + ":latest" : alias; }

std::string file_time(const std::string& path) {
  struct stat st{};
  if (::stat(path.c_str(), &st) != 0) return "1970-01-01T00:00:00Z";
  std::tm tm{};
  gmtime_r(&st.st_mtime, &tm);
  return fmt::format("{:04}-{:02}-{:02}T{:02}:{:02}:{:02}Z", tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec);
}

}  // namespace

Json ApiServer::ollama_details() const {
  const auto& md = model_->model->file.metadata;
  const std::string arch = md.get_string("general.architecture").value_or("");
  std::string level = "unknown";
  if (auto ft = md.get_int("general.file_type"))
    for (auto name : convert::file_type_names())
      if (auto t = convert::file_type_from_name(name); t && t->id == static_cast<uint32_t>(*ft)) level = std::string(name);
  Json d = Json::object();
  d.set("parent_model", Json(""));
  d.set("format", Json(model_->model->file.format == formats::FileFormat::Gguf ? "gguf" : "safetensors"));
  d.set("family", Json(arch));
  Json fams = Json::array();
  fams.push_back(Json(arch));
  d.set("families", std::move(fams));
  d.set("parameter_size", Json(parameter_size(model_->model->file.parameter_count())));
  d.set("quantization_level", Json(level));
  return d;
}

void ApiServer::ollama(const HttpRequest& req, ResponseWriter& w, Outcome& o) {
  auto fail = [&](int status, const std::string& message) {
    o.status = status;
    w.send(status, kJson, ollama_error_body(message));
  };
  if (req.path == "/api/version") {
    Json v = Json::object();
    v.set("version", Json(HEFT_VERSION));
    return w.send(200, kJson, v.dump());
  }
  std::error_code ec;
  const uint64_t size = std::filesystem::is_regular_file(model_->path, ec) ? std::filesystem::file_size(model_->path, ec) : 0;
  if (req.path == "/api/tags") {
    Json m = Json::object();
    m.set("name", Json(tagged(alias_)));
    m.set("model", Json(tagged(alias_)));
    m.set("modified_at", Json(file_time(model_->path)));
    m.set("size", Json(size));
    // An identifier as Ollama's manifest digest is: of the file's path, size and time, not its bytes.
    store::Sha256 h;
    h.update(fmt::format("{}\n{}\n{}", model_->path, size, file_time(model_->path)));
    m.set("digest", Json(h.hex_digest()));
    m.set("details", ollama_details());
    Json models = Json::array();
    models.push_back(std::move(m));
    Json doc = Json::object();
    doc.set("models", std::move(models));
    return w.send(200, kJson, doc.dump());
  }
  auto body = Json::parse(req.body, "request body");
  if (!body || !body->is_object()) return fail(400, "the request body must be a JSON object");
  if (req.path == "/api/show") {
    std::string name = body->get_string("model", body->get_string("name"));
    if (name.ends_with(":latest")) name.resize(name.size() - 7);
    if (!name.empty() && name != alias_) return fail(404, fmt::format("model '{}' not found (this server runs '{}')", name, tagged(alias_)));
    const auto& md = model_->model->file.metadata;
    const std::string arch = md.get_string("general.architecture").value_or("");
    Json info = Json::object();
    info.set("general.architecture", Json(arch));
    info.set("general.parameter_count", Json(model_->model->file.parameter_count()));
    for (const char* key : {"context_length", "embedding_length", "block_count", "feed_forward_length",
                            "attention.head_count", "attention.head_count_kv"})
      if (auto v = md.get_int(arch + "." + key)) info.set(arch + "." + key, Json(*v));
    Json caps = Json::array();
    caps.push_back(Json("completion"));
    if (tool_format_ != chat::ToolFormat::None) caps.push_back(Json("tools"));
    if (reasoning_) caps.push_back(Json("thinking"));
    Json doc = Json::object();
    doc.set("license", Json(md.get_string("general.license").value_or("")));
    doc.set("modelfile", Json(fmt::format("FROM {}\n", model_->path)));
    doc.set("parameters", Json(""));
    doc.set("template", Json(chat_ ? chat_->source() : ""));
    doc.set("details", ollama_details());
    doc.set("model_info", std::move(info));
    doc.set("capabilities", std::move(caps));
    doc.set("modified_at", Json(file_time(model_->path)));
    return w.send(200, kJson, doc.dump());
  }
  // /api/chat, /api/generate
  const bool chat = req.path == "/api/chat";
  OllamaRequest oreq;
  if (auto e = translate_ollama_request(*body, chat, oreq)) return fail(e->status, e->message);
  // An empty prompt (or no messages) only loads the model, which is loaded.
  const Json* msgs = oreq.openai.find("messages");
  const bool empty = oreq.chat ? (!msgs || msgs->as_array().empty() ||
                                  (!chat && msgs->as_array().back().get_string("content").empty()))
                               : oreq.openai.get_string("prompt").empty();
  if (empty) {
    Json d = Json::object();
    d.set("model", Json(oreq.model));
    d.set("created_at", Json(rfc3339_now()));
    if (chat) {
      Json m = Json::object();
      m.set("role", Json("assistant"));
      m.set("content", Json(""));
      d.set("message", std::move(m));
    } else {
      d.set("response", Json(""));
    }
    d.set("done", Json(true));
    d.set("done_reason", Json("load"));
    o.status = 200;
    return w.send(200, kJson, d.dump());
  }
  HttpRequest inner = req;
  inner.body = oreq.openai.dump();
  OllamaWriter ow(w, oreq);
  completions(inner, ow, o, oreq.chat);
}

}  // namespace heft::serve
