// cpuid and xgetbv for the BLAS kernel check (Tensor/Kernels/CPUFeatures.swift). Header-only:
// static inline functions that Swift's clang importer compiles; nothing to link.
#ifndef REIDKD_CCPUID_H
#define REIDKD_CCPUID_H
#include <stdint.h>

/// Fills regs[0..3] with eax, ebx, ecx, edx of cpuid(leaf, subleaf); all zero off x86.
static inline void reidkd_cpuid(uint32_t leaf, uint32_t subleaf, uint32_t regs[4]) {
#if defined(__x86_64__) || defined(__i386__)
    uint32_t a, b, c, d;
    __asm__ volatile("cpuid" : "=a"(a), "=b"(b), "=c"(c), "=d"(d) : "a"(leaf), "c"(subleaf));
    regs[0] = a; regs[1] = b; regs[2] = c; regs[3] = d;
#else
    regs[0] = regs[1] = regs[2] = regs[3] = 0;
#endif
}

/// XCR0: which register states the OS saves (bits 1–2 SSE/AVX, 5–7 AVX-512). Call only when
/// cpuid(1).ecx has OSXSAVE (bit 27); 0 off x86.
static inline uint64_t reidkd_xgetbv0(void) {
#if defined(__x86_64__) || defined(__i386__)
    uint32_t lo, hi;
    __asm__ volatile("xgetbv" : "=a"(lo), "=d"(hi) : "c"(0));
    return ((uint64_t)hi << 32) | lo;
#else
    return 0;
#endif
}
#endif
