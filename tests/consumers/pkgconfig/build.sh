#!/bin/sh
# Consumer test: jsacct through pkg-config, no build system, with a strict
# consumer's warnings as errors. jsacct.pc sets no -std=: the consumer picks
# C++20 (or later) itself.
# Usage: PKG_CONFIG_PATH=<prefix>/share/pkgconfig build.sh <output>
set -eu
c++ -std=c++20 $(pkg-config --cflags jsacct) -Wall -Wextra -Wpedantic -Wshadow -Wconversion -Wsign-conversion \
  -Wold-style-cast -Werror -o "$1" "$(dirname "$0")/main.cpp" $(pkg-config --libs jsacct)
