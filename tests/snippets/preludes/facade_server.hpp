// Prelude of the facade fragment (docs/facade.md): the facade, <cstdio> and a store dir.
#include <cstdio>
#include <string>

#include <jsacct/facade/server.hpp>

using namespace jsacct;
extern std::string dir;
