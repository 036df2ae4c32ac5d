// The one bounded map: capacity, least recently stored forgotten first, and no growth from
// keys stored again or erased.
#include "adapters/bounded_map.hpp"

#include <doctest/doctest.h>

#include <string>

using scribe::adapters::bounded_map;

TEST_CASE("the oldest entry goes when the capacity is passed, never the newest") {
    bounded_map<std::string, int> m(2);
    m.insert_or_assign("a", 1);
    m.insert_or_assign("b", 2);
    m.insert_or_assign("c", 3);
    CHECK_FALSE(m.contains("a"));
    CHECK(*m.find("b") == 2);
    CHECK(*m.find("c") == 3);
    CHECK(m.size() == 2);
}

TEST_CASE("storing again or touching makes an entry the most recent") {
    bounded_map<std::string, int> m(2);
    m.insert_or_assign("a", 1);
    m.insert_or_assign("b", 2);
    m.touch("a");
    m.insert_or_assign("c", 3);
    CHECK(m.contains("a"));
    CHECK_FALSE(m.contains("b"));
    m.insert_or_assign("a", 10);
    m.insert_or_assign("d", 4);
    CHECK(*m.find("a") == 10);
    CHECK_FALSE(m.contains("c"));
}

TEST_CASE("insert keeps what is there, erase forgets") {
    bounded_map<int, std::string> m(3);
    CHECK(m.insert(1, "one"));
    CHECK_FALSE(m.insert(1, "uno"));
    CHECK(*m.find(1) == "one");
    m.erase(1);
    CHECK(m.find(1) == nullptr);
    CHECK(m.size() == 0);
}

TEST_CASE("many stores of few keys keep every key and bounded bookkeeping") {
    bounded_map<int, int> m(4);
    for (int i = 0; i < 10'000; ++i) {
        m.insert_or_assign(i % 4, i);
        if (i % 3 == 0) m.erase((i + 1) % 4);
    }
    CHECK(m.size() <= 4);
    for (int i = 0; i < 4; ++i) m.insert_or_assign(i, i);
    CHECK(m.size() == 4);
    for (int i = 0; i < 4; ++i) CHECK(*m.find(i) == i);
}
