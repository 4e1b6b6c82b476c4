/*
 * Process chores shared by the daemons: detaching, the pidfile, and
 * absolute paths (resolved before a daemon changes to /).
 */
#ifndef HAUL_PROC_H
#define HAUL_PROC_H

/* Fork twice, setsid, chdir /, stdio to /dev/null (keep_fd stays open). */
void proc_daemonize(int keep_fd);
/* Write our pid; dies with a message on failure. */
void proc_pidfile(const char *path);
/* path made absolute against the current directory (allocated). */
char *proc_absolute(const char *path);

#endif
