// SPDX-License-Identifier: Apache-2.0
/// \file
/// jsacct's version as macros (usable in `#if`; no names in namespace jsacct,
/// where a `version` parameter would then trip -Wshadow). Kept equal to the
/// project version in meson.build by the meson test `headers-version`.
#pragma once

#include "jsacct/config.hpp"

#define JSACCT_VERSION_MAJOR 0
#define JSACCT_VERSION_MINOR 2
#define JSACCT_VERSION_PATCH 0
/// The version as text, "MAJOR.MINOR.PATCH".
#define JSACCT_VERSION_STRING "0.2.0"
/// One comparable number, MAJOR * 10000 + MINOR * 100 + PATCH (0.2.0 is 200):
/// `#if JSACCT_VERSION >= 200`.
#define JSACCT_VERSION (JSACCT_VERSION_MAJOR * 10000 + JSACCT_VERSION_MINOR * 100 + JSACCT_VERSION_PATCH)

static_assert(JSACCT_VERSION_MINOR < 100 && JSACCT_VERSION_PATCH < 100, "JSACCT_VERSION has two digits per part");
