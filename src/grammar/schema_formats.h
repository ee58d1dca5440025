#pragma once
// The string formats heft enforces, each as an anchored ECMA-262 pattern that
// accepts exactly the strings its definition allows:
//   date       RFC 3339 full-date, with the days of each month (29 February
//              only in leap years)
//   time       RFC 3339 full-time (offset required, t/z in either case); a
//              leap second only as 23:59:60 in UTC (Z or ±00:00), since
//              whether other spellings are one depends on the offset
//   date-time  date "T" time
//   uuid       RFC 4122 8-4-4-4-12 hex digits, either case
//   email      ajv-formats' definition (dot-atom local part, DNS host name)
//   ipv4       dotted quad, octets 0-255 without leading zeros
// Other formats are not enforced (the schema compiler refuses them).
#include <string_view>

namespace heft::grammar {

// nullptr when heft does not know the format.
const char* string_format_pattern(std::string_view format);

}  // namespace heft::grammar
