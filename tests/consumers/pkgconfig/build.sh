#!/bin/sh
# Consumer test: jsacct through pkg-config, no build system.
# Usage: PKG_CONFIG_PATH=<prefix>/share/pkgconfig build.sh <output>
set -eu
c++ $(pkg-config --cflags jsacct) -Wall -Wextra -Werror -o "$1" "$(dirname "$0")/main.cpp" $(pkg-config --libs jsacct)
