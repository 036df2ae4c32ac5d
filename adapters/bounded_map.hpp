// A map that remembers at most `capacity` entries and forgets the least recently stored first:
// what the adapters and the router keep about recent messages, events and incidents.
#pragma once

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <deque>
#include <unordered_map>
#include <utility>

namespace scribe::adapters {

template <class Key, class Value, class Hash = std::hash<Key>>
class bounded_map {
public:
    explicit bounded_map(std::size_t capacity) : capacity_(std::max<std::size_t>(1, capacity)) {}

    Value* find(const Key& key) {
        const auto it = entries_.find(key);
        return it == entries_.end() ? nullptr : &it->second.value;
    }
    const Value* find(const Key& key) const {
        const auto it = entries_.find(key);
        return it == entries_.end() ? nullptr : &it->second.value;
    }
    bool contains(const Key& key) const { return entries_.contains(key); }

    // Stores the value (replacing one stored under the key) as the most recent entry; the
    // oldest are forgotten beyond the capacity, never the one just stored.
    Value& insert_or_assign(const Key& key, Value value) {
        const std::uint64_t stamp = next_stamp_++;
        entries_.insert_or_assign(key, slot{std::move(value), stamp});
        order_.emplace_back(key, stamp);
        forget_oldest();
        return entries_.find(key)->second.value;
    }

    // Stores the value unless the key is there; true when it was stored.
    bool insert(const Key& key, Value value) {
        if (contains(key)) return false;
        insert_or_assign(key, std::move(value));
        return true;
    }

    // Makes the entry the most recent one, as if stored again.
    void touch(const Key& key) {
        const auto it = entries_.find(key);
        if (it == entries_.end()) return;
        it->second.stamp = next_stamp_++;
        order_.emplace_back(key, it->second.stamp);
        forget_oldest();
    }

    void erase(const Key& key) { entries_.erase(key); }
    void clear() {
        entries_.clear();
        order_.clear();
    }

    std::size_t size() const { return entries_.size(); }
    std::size_t capacity() const { return capacity_; }

private:
    struct slot {
        Value value;
        std::uint64_t stamp = 0;  // which store put it in its place in `order_`
    };

    void forget_oldest() {
        while (entries_.size() > capacity_) {
            const auto& [key, stamp] = order_.front();
            if (const auto it = entries_.find(key);
                it != entries_.end() && it->second.stamp == stamp) {
                entries_.erase(it);
            }
            order_.pop_front();
        }
        // order_ also holds places left behind by keys stored again or erased: drop those
        // before they pile up.
        if (order_.size() > 2 * capacity_) {
            std::erase_if(order_, [this](const auto& place) {
                const auto it = entries_.find(place.first);
                return it == entries_.end() || it->second.stamp != place.second;
            });
        }
    }

    std::size_t capacity_;
    std::uint64_t next_stamp_ = 0;
    std::unordered_map<Key, slot, Hash> entries_;
    std::deque<std::pair<Key, std::uint64_t>> order_;  // oldest first
};

}  // namespace scribe::adapters
