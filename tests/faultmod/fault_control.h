/* Control and state files of the fault-injecting PKCS#11 module (see README.md). */
#ifndef CABRIDGE_FAULT_CONTROL_H
#define CABRIDGE_FAULT_CONTROL_H

#include <stdbool.h>

#define FAULT_NAME_MAX 512 /* room for a comma-separated list of function names */
#define FAULT_LABEL_MAX 33 /* PKCS#11 token label: 32 bytes + NUL */

/* The faults asked for, as read from $CABRIDGE_FAULT_CONTROL. */
struct fault_control {
    bool valid; /* false: the file has an error; error says which */
    char error[256];
    long pin_max_retries; /* 0 = no retry counter */
    bool unlock;          /* reset the counter to pin_max_retries on every call */
    char remove_before[FAULT_NAME_MAX];
    char device_error_on[FAULT_NAME_MAX];
    char hang_on[FAULT_NAME_MAX];
    long latency_ms;
    char only_label[FAULT_LABEL_MAX];
};

/* The token's own memory: survives process restarts when $CABRIDGE_FAULT_STATE is set. */
struct fault_state {
    long retries_left; /* meaningful only when the control enables the counter */
    bool removed;
};

/* Reads the control file. No env variable or no file = no faults (valid, all zero). */
void fault_control_read(struct fault_control *control);

/* Loads the state (from the state file if configured, else from process memory); a missing
   file or key means a fresh token: retries_left = max_retries, removed = false. */
void fault_state_load(struct fault_state *state, long max_retries);

/* Stores the state (atomically replaces the state file if configured). */
void fault_state_save(const struct fault_state *state);

/* True if NAME is one of the comma-separated names in LIST. */
bool fault_list_has(const char *list, const char *name);

#endif
