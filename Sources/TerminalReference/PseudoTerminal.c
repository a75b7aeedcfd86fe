// See reference_spawn_in_pty in include/TerminalReference.h.
#define _GNU_SOURCE
#include "TerminalReference.h"

#include <pty.h>
#include <signal.h>
#include <stdlib.h>
#include <sys/ioctl.h>
#include <unistd.h>

int reference_spawn_in_pty(const char *path, char *const argv[], char *const envp[], int rows, int columns,
                           int *master) {
    struct winsize size = {.ws_row = (unsigned short)rows, .ws_col = (unsigned short)columns};
    int descriptor = -1;
    pid_t pid = forkpty(&descriptor, NULL, NULL, &size);
    if (pid < 0) return -1;
    if (pid == 0) {
        // forkpty made a new session with the slave as controlling terminal and
        // standard input, output and error.
        signal(SIGPIPE, SIG_DFL);
        execve(path, argv, envp);
        _exit(127);
    }
    *master = descriptor;
    return pid;
}
