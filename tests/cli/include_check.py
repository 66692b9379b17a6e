#!/usr/bin/env python3
"""Include what you use, for the CLI's sources: every `std::NAME` a file uses
must come from a header the file includes itself (not through another
header), for the standard names listed in HEADER_OF. A header that compiles
today only through a transitive include breaks when that include goes away
(examples/replay.hpp used std::variant without <variant>).

usage: include_check.py FILE...     (exit 1 and one line per missing include)
"""
import re
import sys

HEADER_OF = {
    "algorithm": "find find_if sort stable_sort max min max_element min_element any_of all_of none_of count_if copy fill "
                 "remove_if reverse transform clamp lower_bound upper_bound equal",
    "array": "array",
    "charconv": "from_chars to_chars",
    "chrono": "chrono",
    "cstddef": "size_t ptrdiff_t byte",
    "cstdint": "int8_t int16_t int32_t int64_t uint8_t uint16_t uint32_t uint64_t intmax_t uintmax_t",
    "cstdlib": "abort exit getenv",
    "cstring": "memcpy memcmp strlen memset",
    "exception": "exception exception_ptr current_exception rethrow_exception",
    "fstream": "ifstream ofstream fstream",
    "functional": "function",
    "iostream": "cout cerr cin clog",
    "istream": "istream",
    "limits": "numeric_limits",
    "map": "map",
    "memory": "unique_ptr make_unique shared_ptr make_shared",
    "new": "bad_alloc",
    "optional": "optional nullopt",
    "ostream": "ostream flush",
    "set": "set",
    "sstream": "ostringstream istringstream stringstream",
    "stdexcept": "runtime_error logic_error invalid_argument out_of_range",
    "string": "string to_string stoi stol stoll",
    "string_view": "string_view",
    "system_error": "errc error_code",
    "tuple": "tuple tie make_tuple",
    "utility": "pair move forward swap exchange make_pair",
    "variant": "variant get_if holds_alternative visit monostate",
    "vector": "vector",
}
SYMBOL = {name: header for header, names in HEADER_OF.items() for name in names.split()}
# Headers that are allowed to stand in for another (the standard guarantees it).
IMPLIED = {"iostream": {"istream", "ostream"}, "fstream": {"istream", "ostream"}, "sstream": {"istream", "ostream", "string"}}


def code_only(text):
    """The text without comments and string literals (so prose mentioning std:: does not count)."""
    text = re.sub(r"//[^\n]*", "", text)
    text = re.sub(r"/\*.*?\*/", "", text, flags=re.S)
    text = re.sub(r'R"(\w*)\(.*?\)\1"', '""', text, flags=re.S)
    return re.sub(r'"(\\.|[^"\\\n])*"', '""', text)


def missing(path):
    with open(path, encoding="utf-8") as f:
        text = f.read()
    included = set(re.findall(r"^\s*#\s*include\s*<([\w./]+)>", text, re.M))
    for h in list(included):
        included |= IMPLIED.get(h, set())
    need = {}
    for m in re.finditer(r"\bstd::(\w+)", code_only(text)):
        header = SYMBOL.get(m.group(1))
        if header and header not in included:
            need.setdefault(header, m.group(1))
    return sorted(need.items())


def main(files):
    if not files:
        print(__doc__, file=sys.stderr)
        return 2
    bad = 0
    for path in files:
        for header, symbol in missing(path):
            bad += 1
            print(f"{path}: uses std::{symbol} but does not include <{header}>")
    print(f"{len(files)} files checked, {bad} missing includes")
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
