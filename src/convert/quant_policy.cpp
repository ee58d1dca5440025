#include "convert/quant_policy.h"

#include <array>
#include <cctype>

namespace heft::convert {

using formats::GgmlType;

namespace {

constexpr std::array kFileTypes = {
    FileType{"F32", 0, GgmlType::F32},      FileType{"F16", 1, GgmlType::F16},
    FileType{"BF16", 32, GgmlType::BF16},   FileType{"Q4_0", 2, GgmlType::Q4_0},
    FileType{"Q4_1", 3, GgmlType::Q4_1},    FileType{"Q8_0", 7, GgmlType::Q8_0},
    FileType{"Q5_0", 8, GgmlType::Q5_0},    FileType{"Q5_1", 9, GgmlType::Q5_1},
    FileType{"Q2_K", 10, GgmlType::Q2_K},   FileType{"Q3_K_S", 11, GgmlType::Q3_K},
    FileType{"Q3_K_M", 12, GgmlType::Q3_K}, FileType{"Q3_K_L", 13, GgmlType::Q3_K},
    FileType{"Q4_K_S", 14, GgmlType::Q4_K}, FileType{"Q4_K_M", 15, GgmlType::Q4_K},
    FileType{"Q5_K_S", 16, GgmlType::Q5_K}, FileType{"Q5_K_M", 17, GgmlType::Q5_K},
    FileType{"Q6_K", 18, GgmlType::Q6_K},   FileType{"Q2_K_S", 21, GgmlType::Q2_K},
};

enum class Category { TokenEmbd, Output, AttnQ, AttnK, AttnV, AttnQkv, AttnOutput, FfnUp, FfnGate, FfnDown, Other };

bool contains(const std::string& s, std::string_view part) { return s.find(part) != std::string::npos; }

Category category_of(const std::string& name) {
  if (name == "output.weight") return Category::Output;
  if (name == "token_embd.weight") return Category::TokenEmbd;
  if (contains(name, "attn_qkv.weight")) return Category::AttnQkv;
  if (contains(name, "attn_v.weight")) return Category::AttnV;
  if (contains(name, "attn_k.weight")) return Category::AttnK;
  if (contains(name, "attn_q.weight")) return Category::AttnQ;
  if (contains(name, "attn_output.weight")) return Category::AttnOutput;
  if (contains(name, "ffn_up")) return Category::FfnUp;
  if (contains(name, "ffn_gate")) return Category::FfnGate;
  if (contains(name, "ffn_down")) return Category::FfnDown;
  return Category::Other;
}

// Only matrices named *weight are quantized; norms, positional embeddings and 1-D tensors keep their type.
bool may_quantize(const TensorDesc& t) {
  if (t.shape.size() < 2) return false;
  const std::string& n = t.name;
  if (!n.ends_with("weight")) return false;
  if (contains(n, "_norm.weight") || contains(n, "ffn_gate_inp.weight") || n == "position_embd.weight" ||
      n == "token_types.weight")
    return false;
  return true;
}

bool use_more_bits(int i, int n) { return i < n / 8 || i >= 7 * n / 8 || (i - n / 8) % 3 == 2; }

// A tensor whose rows do not divide into the chosen type's blocks falls back as llama.cpp does.
GgmlType fallback(GgmlType chosen, uint64_t ncols) {
  auto fits = [&](GgmlType t) { return ncols % formats::type_traits(t)->block_size == 0; };
  if (fits(chosen)) return chosen;
  GgmlType alt = GgmlType::F16;
  switch (chosen) {
    case GgmlType::Q2_K: case GgmlType::Q3_K: alt = GgmlType::Q4_0; break;
    case GgmlType::Q4_K: alt = GgmlType::Q5_0; break;
    case GgmlType::Q5_K: alt = GgmlType::Q5_1; break;
    case GgmlType::Q6_K: alt = GgmlType::Q8_0; break;
    default: break;
  }
  return fits(alt) ? alt : GgmlType::F16;
}

}  // namespace

std::optional<FileType> file_type_from_name(std::string_view name) {
  for (const auto& ft : kFileTypes) {
    if (ft.name.size() != name.size()) continue;
    bool same = true;
    for (size_t i = 0; i < name.size() && same; ++i)
      same = std::toupper(static_cast<unsigned char>(name[i])) == ft.name[i];
    if (same) return ft;
  }
  return std::nullopt;
}

std::vector<std::string_view> file_type_names() {
  std::vector<std::string_view> out;
  for (const auto& ft : kFileTypes) out.push_back(ft.name);
  return out;
}

std::vector<GgmlType> choose_tensor_types(const FileType& ft, const std::vector<TensorDesc>& tensors,
                                          const PolicyOptions& opt) {
  const std::string_view f = ft.name;
  const bool quantized = formats::type_traits(ft.base)->quantized;
  const int n_gqa = opt.n_head_kv ? static_cast<int>(opt.n_head / opt.n_head_kv) : 1;
  bool tied = true;
  int n_attn_v = 0, n_ffn_down = 0;
  for (const auto& t : tensors) {
    Category c = category_of(t.name);
    if (c == Category::Output) tied = false;
    if (c == Category::AttnV || c == Category::AttnQkv) ++n_attn_v;
    if (c == Category::FfnDown) ++n_ffn_down;
  }
  int i_attn_v = 0, i_ffn_down = 0;
  std::vector<GgmlType> out;
  out.reserve(tensors.size());
  for (const auto& t : tensors) {
    if (!may_quantize(t)) {
      out.push_back(t.source_type);
      continue;
    }
    GgmlType type = ft.base;
    if (!quantized) {
      out.push_back(type);
      continue;
    }
    const Category c = category_of(t.name);
    if (c == Category::Output || (tied && c == Category::TokenEmbd)) {
      if (t.shape[0] % formats::type_traits(type)->block_size != 0) type = GgmlType::Q8_0;
      else if (type != GgmlType::Q8_0) type = GgmlType::Q6_K;
    } else if (c == Category::TokenEmbd) {
      // untied embeddings keep the base type for these file types
    } else if (c == Category::AttnV || c == Category::AttnQkv) {
      if (c == Category::AttnQkv) {
        if (f == "Q3_K_M" || f == "Q3_K_L") type = GgmlType::Q4_K;
        else if (f == "Q4_K_M") type = GgmlType::Q5_K;
        else if (f == "Q5_K_M") type = GgmlType::Q6_K;
      } else if (f == "Q2_K") type = n_gqa >= 4 ? GgmlType::Q4_K : GgmlType::Q3_K;
      else if (f == "Q2_K_S" && n_gqa >= 4) type = GgmlType::Q4_K;
      else if (f == "Q3_K_M") type = i_attn_v < 2 ? GgmlType::Q5_K : GgmlType::Q4_K;
      else if (f == "Q3_K_L") type = GgmlType::Q5_K;
      else if ((f == "Q4_K_M" || f == "Q5_K_M") && use_more_bits(i_attn_v, n_attn_v)) type = GgmlType::Q6_K;
      else if (f == "Q4_K_S" && i_attn_v < 4) type = GgmlType::Q5_K;
      ++i_attn_v;
    } else if (c == Category::FfnDown) {
      const int i = i_ffn_down, n = n_ffn_down;
      if (f == "Q2_K") type = GgmlType::Q3_K;
      else if (f == "Q2_K_S") { if (i < n / 8) type = GgmlType::Q4_K; }
      else if (f == "Q3_K_M") type = i < n / 16 ? GgmlType::Q5_K : GgmlType::Q4_K;
      else if (f == "Q3_K_L") type = GgmlType::Q5_K;
      else if (f == "Q4_K_M") { if (use_more_bits(i, n)) type = GgmlType::Q6_K; }
      else if (f == "Q5_K_M" && use_more_bits(i, n)) type = GgmlType::Q6_K;
      else if (f == "Q4_K_S" && i < n / 8) type = GgmlType::Q5_K;
      else if ((f == "Q4_0" || f == "Q5_0") && opt.has_imatrix && i < n / 8)
        type = f == "Q4_0" ? GgmlType::Q4_1 : GgmlType::Q5_1;
      ++i_ffn_down;
    } else if (c == Category::AttnOutput) {
      if (f == "Q2_K") type = GgmlType::Q3_K;
      else if (f == "Q3_K_M") type = GgmlType::Q4_K;
      else if (f == "Q3_K_L") type = GgmlType::Q5_K;
    }
    out.push_back(fallback(type, t.shape[0]));
  }
  return out;
}

}  // namespace heft::convert
