#include "formats/model_card.h"

namespace heft::formats {

namespace {

std::string_view trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t' || s.front() == '\r')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t' || s.back() == '\r')) s.remove_suffix(1);
  return s;
}

std::string unquote(std::string_view s) {
  s = trim(s);
  if (s.size() >= 2 && ((s.front() == '"' && s.back() == '"') || (s.front() == '\'' && s.back() == '\'')))
    s = s.substr(1, s.size() - 2);
  return std::string(s);
}

std::string_view strip_comment(std::string_view s) {
  // A " #" outside quotes starts a comment.
  char quote = 0;
  for (size_t i = 0; i < s.size(); ++i) {
    if (quote) {
      if (s[i] == quote) quote = 0;
    } else if (s[i] == '"' || s[i] == '\'') {
      quote = s[i];
    } else if (s[i] == '#' && (i == 0 || s[i - 1] == ' ')) {
      return s.substr(0, i);
    }
  }
  return s;
}

std::vector<std::string> inline_list(std::string_view s) {
  std::vector<std::string> out;
  s = trim(s);
  s = s.substr(1, s.size() - 2);  // drop [ ]
  size_t start = 0;
  char quote = 0;
  for (size_t i = 0; i <= s.size(); ++i) {
    if (i < s.size() && quote) {
      if (s[i] == quote) quote = 0;
      continue;
    }
    if (i < s.size() && (s[i] == '"' || s[i] == '\'')) {
      quote = s[i];
      continue;
    }
    if (i == s.size() || s[i] == ',') {
      std::string item = unquote(s.substr(start, i - start));
      if (!item.empty()) out.push_back(std::move(item));
      start = i + 1;
    }
  }
  return out;
}

}  // namespace

std::string ModelCard::first(const std::string& key) const {
  auto it = fields.find(key);
  return it == fields.end() || it->second.empty() ? std::string() : it->second.front();
}

const std::vector<std::string>* ModelCard::list(const std::string& key) const {
  auto it = fields.find(key);
  return it == fields.end() ? nullptr : &it->second;
}

ModelCard parse_model_card(std::string_view text) {
  ModelCard card;
  if (text.starts_with("\xef\xbb\xbf")) text.remove_prefix(3);
  if (!text.starts_with("---")) return card;
  size_t pos = text.find('\n');
  if (pos == std::string_view::npos) return card;
  pos += 1;
  std::string current_key;
  while (pos < text.size()) {
    size_t end = text.find('\n', pos);
    if (end == std::string_view::npos) end = text.size();
    std::string_view raw = text.substr(pos, end - pos);
    pos = end + 1;
    if (trim(raw) == "---" || trim(raw) == "...") break;
    std::string_view line = strip_comment(raw);
    if (trim(line).empty()) continue;
    bool indented = line.front() == ' ' || line.front() == '\t';
    std::string_view t = trim(line);
    if (t.starts_with("- ") || t == "-") {
      if (!current_key.empty()) {
        std::string item = unquote(t.substr(1));
        if (!item.empty() && item.find(": ") == std::string::npos) card.fields[current_key].push_back(item);
      }
      continue;
    }
    if (indented) continue;  // nested mapping under the current key: skipped
    size_t colon = t.find(':');
    if (colon == std::string_view::npos) continue;
    current_key = std::string(trim(t.substr(0, colon)));
    std::string_view value = trim(t.substr(colon + 1));
    auto& slot = card.fields[current_key];
    if (value.empty()) continue;  // a list follows on the next lines
    if (value.front() == '[' && value.back() == ']') slot = inline_list(value);
    else slot.push_back(unquote(value));
  }
  return card;
}

}  // namespace heft::formats
