#include "grammar/schema_formats.h"

namespace heft::grammar {

namespace {

#define YEAR "[0-9]{4}"
#define LEAP_YEAR "(?:[0-9]{2}(?:0[48]|[2468][048]|[13579][26])|(?:[02468][048]|[13579][26])00)"
#define DATE                                                                        \
  "(?:" YEAR "-(?:(?:0[13578]|1[02])-(?:0[1-9]|[12][0-9]|3[01])"                   \
  "|(?:0[469]|11)-(?:0[1-9]|[12][0-9]|30)|02-(?:0[1-9]|1[0-9]|2[0-8]))"            \
  "|" LEAP_YEAR "-02-29)"
#define FRACTION "(?:\\.[0-9]+)?"
#define OFFSET "(?:[zZ]|[+-](?:[01][0-9]|2[0-3]):[0-5][0-9])"
#define TIME                                                                        \
  "(?:(?:[01][0-9]|2[0-3]):[0-5][0-9]:[0-5][0-9]" FRACTION OFFSET                  \
  "|23:59:60" FRACTION "(?:[zZ]|[+-]00:00))"
#define HEX "[0-9a-fA-F]"
#define OCTET "(?:25[0-5]|2[0-4][0-9]|1[0-9][0-9]|[1-9]?[0-9])"
#define ATOM "[a-zA-Z0-9!#$%&'*+/=?^_`{|}~-]+"
#define LABEL "[a-zA-Z0-9](?:[a-zA-Z0-9-]{0,61}[a-zA-Z0-9])?"

struct Format {
  std::string_view name;
  const char* pattern;
};

constexpr Format kFormats[] = {
    {"date", "^" DATE "$"},
    {"time", "^" TIME "$"},
    {"date-time", "^" DATE "[tT]" TIME "$"},
    {"uuid", "^" HEX "{8}-" HEX "{4}-" HEX "{4}-" HEX "{4}-" HEX "{12}$"},
    {"email", "^" ATOM "(?:\\." ATOM ")*@(?:" LABEL "\\.)+" LABEL "$"},
    {"ipv4", "^(?:" OCTET "\\.){3}" OCTET "$"},
};

}  // namespace

const char* string_format_pattern(std::string_view format) {
  for (const Format& f : kFormats)
    if (f.name == format) return f.pattern;
  return nullptr;
}

}  // namespace heft::grammar
