#pragma once
// doctest prints an ipc::Error by its name (shared by every unit test that
// compares errors).

#include <doctest/doctest.h>
#include <ipc/error.h>

namespace doctest {
template<>
struct StringMaker<ipc::Error> {
    static String convert(ipc::Error error) { return ipc::error_name(error); }
};
} // namespace doctest
