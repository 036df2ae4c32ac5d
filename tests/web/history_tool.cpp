// scribe-history N YEARS: a generated history of N incidents declared over the last YEARS
// years, as the JSON lines `scribe import` reads, for the browser tests and by hand.
#include <chrono>
#include <cstdlib>
#include <iostream>
#include <nlohmann/json.hpp>

#include "bot/model/codec.hpp"
#include "tests/support/history.hpp"

int main(int argc, char** argv) {
    if (argc != 3) {
        std::cerr << "usage: scribe-history <incidents> <years>\n";
        return 2;
    }
    const auto now =
        std::chrono::time_point_cast<std::chrono::milliseconds>(std::chrono::system_clock::now());
    scribe::testing::history_options options;
    options.incidents = std::strtoul(argv[1], nullptr, 10);
    options.to = now - std::chrono::days{2};
    options.from = options.to - std::chrono::days{365} * std::strtol(argv[2], nullptr, 10);
    for (const auto& e : scribe::testing::generated_history(options)) {
        std::cout << scribe::model::event_to_json(e).dump() << '\n';
    }
    return std::cout ? 0 : 1;
}
