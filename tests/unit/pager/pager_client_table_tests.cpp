// The pager's client table (servers/pager/client_table.cpp): its limit, and
// identities compared in full.

#include "../doctest_ipc_error.h"
#include <pager/clients.h>
#include <vector>

using ipc::Error;

namespace {

void forget_all()
{
    pager::for_each_client([](pager::Client& c) { c.used = false; });
}

} // namespace

TEST_CASE("client table: refused identities")
{
    forget_all();
    CHECK(pager::add_client(0).error() == Error::OutOfRange);
    CHECK(pager::add_client(uint64_t(1) << 32).error() == Error::OutOfRange);
    REQUIRE(pager::add_client(7).has_value());
    CHECK(pager::add_client(7).error() == Error::Busy);
    forget_all();
}

TEST_CASE("client table: pids above 4096 and 65535 are their own clients")
{
    forget_all();
    auto one = pager::add_client(1);
    auto high = pager::add_client(4097);
    auto higher = pager::add_client(65537);
    auto top = pager::add_client(0xffff'ffff);
    REQUIRE(one.has_value());
    REQUIRE(high.has_value());
    REQUIRE(higher.has_value());
    REQUIRE(top.has_value());
    CHECK(pager::find_client(1) == one.value());
    CHECK(pager::find_client(4097) == high.value());
    CHECK(pager::find_client(65537) == higher.value());
    CHECK(pager::find_client(0xffff'ffff) == top.value());
    CHECK(pager::find_client(4097 + (uint64_t(1) << 32)) == nullptr);
    CHECK(high.value()->pid == 4097);
    CHECK(higher.value()->pid == 65537);
    forget_all();
}

TEST_CASE("client table: full at max_clients, with room again after one ends")
{
    forget_all();
    for (unsigned i = 1; i <= pager::max_clients; ++i)
        REQUIRE(pager::add_client(i).has_value());
    CHECK(pager::add_client(1000).error() == Error::NoMemory);
    pager::find_client(3)->used = false; // what remove_client does last
    auto again = pager::add_client(1000);
    REQUIRE(again.has_value());
    CHECK(pager::find_client(1000) == again.value());
    CHECK(pager::find_client(3) == nullptr);
    forget_all();
}
