#pragma once
// The chat page `heft serve` answers at / (src/serve/webui/index.html, compiled
// in): one static file, no build step, nothing loaded from elsewhere.
#include <string_view>

namespace heft::serve {

std::string_view webui_page();

}  // namespace heft::serve
