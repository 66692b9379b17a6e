// Prelude of the README's facade fragment: the facade, <cstdio> and a store dir.
#include <cstdio>
#include <string>

#include <jsacct/facade/server.hpp>

using namespace jsacct;
extern std::string dir;
