#pragma once
// The figures of one benchmark row, shared by bench (a program) and kbench
// (a root task): median, minimum and mean of the samples.
#include <cstddef>
#include <cstdint>

namespace bench {

struct RowFigures {
    uint64_t median;
    uint64_t minimum;
    uint64_t mean; // differs from the median where a few operations pay for many
};

// Sorts `values` in place (insertion sort: counts are small); count > 0.
inline RowFigures row_figures(uint64_t* values, size_t count)
{
    uint64_t sum = 0;
    for (size_t i = 0; i < count; ++i) {
        uint64_t v = values[i];
        sum += v;
        size_t j = i;
        for (; j > 0 && values[j - 1] > v; --j)
            values[j] = values[j - 1];
        values[j] = v;
    }
    return RowFigures { values[count / 2], values[0], sum / count };
}

} // namespace bench
