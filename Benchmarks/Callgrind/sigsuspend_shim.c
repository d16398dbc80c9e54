// valgrind 3.19 writes into rt_sigsuspend's mask in place; libdispatch's _dispatch_sig_thread
// passes a mask in read-only memory, so valgrind SEGVs. Copy the mask to the stack first.
#define _GNU_SOURCE
#include <signal.h>
#include <sys/syscall.h>
#include <unistd.h>
int sigsuspend(const sigset_t *mask) {
    sigset_t copy = *mask;
    return (int)syscall(SYS_rt_sigsuspend, &copy, 8);
}
