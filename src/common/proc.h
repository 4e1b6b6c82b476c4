/*
 * Process chores shared by the daemons: detaching, the pidfile, and
 * absolute paths (resolved before a daemon changes to /).
 */
#ifndef HAUL_PROC_H
#define HAUL_PROC_H

/* Fork twice, setsid, chdir /, stdio to /dev/null (keep_fd stays open). */
void proc_daemonize(int keep_fd);
/*
 * The pidfile is opened (created) before detaching, so a bad path is a
 * startup error on the terminal, and written after, with the final pid.
 * open returns the descriptor or -1 with errno; write dies on failure.
 */
int proc_pidfile_open(const char *path);
void proc_pidfile_write(int fd, const char *path);
/* path made absolute against the current directory (allocated). */
char *proc_absolute(const char *path);

#endif
