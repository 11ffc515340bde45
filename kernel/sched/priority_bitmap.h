#pragma once
// Which run queues hold a thread: one bit per priority, so that the highest
// ready priority, and whether any thread is ready in a range of priorities,
// cost a few word operations. Pure logic, tested on the host.

#include <cstdint>

namespace kernel::sched {

template<unsigned Priorities>
class PriorityBitmap {
    static_assert(Priorities > 0 && Priorities % 64 == 0);

public:
    void set(unsigned priority) { m_words[priority / 64] |= bit(priority); }
    void clear(unsigned priority) { m_words[priority / 64] &= ~bit(priority); }
    bool test(unsigned priority) const { return m_words[priority / 64] & bit(priority); }

    // The highest priority whose bit is set, or -1 if none is.
    int highest() const
    {
        for (unsigned word = words; word-- > 0;) {
            if (m_words[word])
                return int(word * 64 + 63 - unsigned(__builtin_clzll(m_words[word])));
        }
        return -1;
    }

    // Whether a bit is set in [low, high). Walks down from `high`, so a set
    // bit just below it (the common case when the answer is yes) ends the
    // walk at once; the words between the two ends are tested whole.
    bool any_in(unsigned low, unsigned high) const
    {
        if (low >= high)
            return false;
        unsigned last = high - 1;
        unsigned word = last / 64;
        uint64_t bits = m_words[word] & (~0ull >> (63 - last % 64));
        for (unsigned low_word = low / 64; word > low_word;) {
            if (bits)
                return true;
            bits = m_words[--word];
        }
        return (bits & (~0ull << (low % 64))) != 0;
    }

private:
    static constexpr unsigned words = Priorities / 64;
    static constexpr uint64_t bit(unsigned priority) { return 1ull << (priority % 64); }
    uint64_t m_words[words] {};
};

} // namespace kernel::sched
