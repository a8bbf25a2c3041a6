// Process plumbing Swift cannot call directly (prctl is variadic) for the sweep supervisor's
// workers (Distill/Sweep/ChildProcess.swift). Header-only: nothing to link.
#ifndef REIDKD_CPROCESS_H
#define REIDKD_CPROCESS_H
#ifdef __linux__
#include <sys/prctl.h>
#endif
#include <signal.h>

/// Asks the kernel to send `sig` to this process when its parent thread dies (Linux); returns
/// 0 on success, -1 where unsupported.
static inline int reidkd_set_parent_death_signal(int sig) {
#ifdef __linux__
    return prctl(PR_SET_PDEATHSIG, (unsigned long)sig, 0UL, 0UL, 0UL);
#else
    (void)sig;
    return -1;
#endif
}
#endif
