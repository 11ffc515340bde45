// text_fault: a large function in .text, called only at the end. It starts
// on its own page and runs through three pages of `nop` before it returns a
// constant, so executing it faults in text pages that nothing touched
// before, each filled from the program's file. The program checks the value
// it returns and that its bytes read back as the file holds them, prints the
// text region's resident pages before and after, then `text_fault: ok`.
#include "common.h"

extern "C" uint32_t late_function();
extern "C" const uint8_t late_function_end[];

// A top-level asm block: the compiler cannot shrink or move the nop slide.
asm(R"(
    .pushsection .text.late, "ax", @progbits
    .balign 4096
    .globl late_function
    .type late_function, @function
late_function:
    .fill 3 * 4096, 1, 0x90
    mov $0x7e57fa17, %eax
    ret
    .globl late_function_end
late_function_end:
    .size late_function, . - late_function
    .popsection
)");

namespace {

constexpr size_t slide_bytes = 3 * 4096;
constexpr uint32_t expected_value = 0x7e57fa17;

uint64_t text_resident(uint64_t address)
{
    auto region = programs::region_of(address);
    return region.is_error() ? 0 : region.value().resident_pages;
}

} // namespace

int main(int, char**)
{
    auto function = reinterpret_cast<uint64_t>(&late_function);
    programs::say("text_fault: late_function at {:x}, {} bytes\n", function,
                  reinterpret_cast<uint64_t>(late_function_end) - function);
    uint64_t before = text_resident(function);
    uint32_t value = late_function();
    uint64_t after = text_resident(function);
    programs::say("text_fault: late_function returned {:x}; text resident pages {} -> {}\n", value, before,
                  after);
    if (value != expected_value)
        programs::fail("text_fault", "late_function returned the wrong value");
    const volatile uint8_t* bytes = reinterpret_cast<const volatile uint8_t*>(function);
    for (size_t i = 0; i < slide_bytes; ++i) {
        if (bytes[i] != 0x90)
            programs::fail("text_fault", "a text byte differs from the file");
    }
    if (bytes[slide_bytes] != 0xb8) // mov $imm32, %eax
        programs::fail("text_fault", "the instruction after the slide differs from the file");
    programs::say("text_fault: ok\n");
    return 0;
}
