/* lxsd's log: one line per event, "lxsd: <what>: <why>", with a timestamp, appended to
 * <state>/lxsd.log (and stderr when running in the foreground). The only place lxsd prints. */
#ifndef LXSD_LOG_H
#define LXSD_LOG_H

int lxsd_log_open(const char *path, int also_stderr);
void lxsd_log(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

#endif
