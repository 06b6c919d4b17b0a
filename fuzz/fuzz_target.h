// The one entry point every fuzz target defines. Built two ways from the same
// source: with libFuzzer's main (clang, -fsanitize=fuzzer) for fuzzing, and with
// replay_main.cpp (any compiler) as a CTest test that replays the corpus and the
// regression inputs.
#pragma once

#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size);

namespace cabridge::fuzz {

// A broken promise of the code under test (not a crash by itself) must still stop
// the fuzzer, so that it saves the input. abort() works with and without NDEBUG.
[[noreturn]] inline void invariantFailed(const char* what)
{
    std::fprintf(stderr, "fuzz invariant violated: %s\n", what);
    std::abort();
}

inline void require(bool condition, const char* what)
{
    if (!condition) {
        invariantFailed(what);
    }
}

}  // namespace cabridge::fuzz
