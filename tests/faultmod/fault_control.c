/* Reading the control file and reading/writing the state file; see README.md for formats. */
#define _POSIX_C_SOURCE 200809L
#include "fault_control.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static struct fault_state memory_state = {-1, false}; /* used when no state file is set */

static void trim(char *s)
{
    size_t n = strlen(s);
    while (n > 0 && (s[n - 1] == ' ' || s[n - 1] == '\t' || s[n - 1] == '\r' || s[n - 1] == '\n'))
        s[--n] = '\0';
    size_t start = strspn(s, " \t");
    memmove(s, s + start, n - start + 1);
}

static bool parse_long(const char *text, long min, long *out)
{
    char *end = NULL;
    errno = 0;
    long value = strtol(text, &end, 10);
    if (errno != 0 || end == text || *end != '\0' || value < min)
        return false;
    *out = value;
    return true;
}

static bool copy_value(char *dst, size_t size, const char *value)
{
    if (strlen(value) >= size)
        return false;
    memcpy(dst, value, strlen(value) + 1);
    return true;
}

static void set_error(struct fault_control *c, const char *path, int line, const char *what, const char *key)
{
    c->valid = false;
    snprintf(c->error, sizeof c->error, "%s line %d: %s '%.64s'", path, line, what, key);
}

void fault_control_read(struct fault_control *c)
{
    memset(c, 0, sizeof *c);
    c->valid = true;
    const char *path = getenv("CABRIDGE_FAULT_CONTROL");
    if (path == NULL || *path == '\0')
        return;
    FILE *f = fopen(path, "r");
    if (f == NULL)
        return; /* no file yet: no faults */
    char line[1024];
    int number = 0;
    while (fgets(line, sizeof line, f) != NULL) {
        number++;
        trim(line);
        if (line[0] == '\0' || line[0] == '#')
            continue;
        char *eq = strchr(line, '=');
        if (eq == NULL) {
            set_error(c, path, number, "expected key=value, got", line);
            break;
        }
        *eq = '\0';
        char *key = line, *value = eq + 1;
        trim(key);
        trim(value);
        long unlock = 0;
        bool ok;
        if (strcmp(key, "pin_max_retries") == 0)
            ok = parse_long(value, 1, &c->pin_max_retries);
        else if (strcmp(key, "unlock") == 0) {
            ok = parse_long(value, 0, &unlock) && unlock <= 1;
            c->unlock = unlock == 1;
        } else if (strcmp(key, "latency_ms") == 0)
            ok = parse_long(value, 0, &c->latency_ms) && c->latency_ms <= 600000;
        else if (strcmp(key, "remove_before") == 0)
            ok = copy_value(c->remove_before, sizeof c->remove_before, value);
        else if (strcmp(key, "device_error_on") == 0)
            ok = copy_value(c->device_error_on, sizeof c->device_error_on, value);
        else if (strcmp(key, "hang_on") == 0)
            ok = copy_value(c->hang_on, sizeof c->hang_on, value);
        else if (strcmp(key, "only_label") == 0)
            ok = copy_value(c->only_label, sizeof c->only_label, value);
        else {
            set_error(c, path, number, "unknown key", key);
            break;
        }
        if (!ok) {
            set_error(c, path, number, "bad value for", key);
            break;
        }
    }
    fclose(f);
}

void fault_state_load(struct fault_state *s, long max_retries)
{
    const char *path = getenv("CABRIDGE_FAULT_STATE");
    if (path == NULL || *path == '\0') {
        if (memory_state.retries_left < 0)
            memory_state.retries_left = max_retries;
        *s = memory_state;
    } else {
        s->retries_left = max_retries;
        s->removed = false;
        FILE *f = fopen(path, "r");
        if (f != NULL) {
            char line[256];
            while (fgets(line, sizeof line, f) != NULL) {
                trim(line);
                long value;
                if (strncmp(line, "retries_left=", 13) == 0 && parse_long(line + 13, 0, &value))
                    s->retries_left = value;
                else if (strncmp(line, "removed=", 8) == 0 && parse_long(line + 8, 0, &value))
                    s->removed = value != 0;
            }
            fclose(f);
        }
    }
    /* A counter above the configured maximum (the maximum was lowered) is clamped. */
    if (s->retries_left > max_retries)
        s->retries_left = max_retries;
}

void fault_state_save(const struct fault_state *s)
{
    const char *path = getenv("CABRIDGE_FAULT_STATE");
    if (path == NULL || *path == '\0') {
        memory_state = *s;
        return;
    }
    char tmp[4096];
    if ((size_t)snprintf(tmp, sizeof tmp, "%s.tmp.%ld", path, (long)getpid()) >= sizeof tmp)
        return;
    FILE *f = fopen(tmp, "w");
    if (f == NULL) {
        fprintf(stderr, "cabridge-faultp11: cannot write state file %s\n", tmp);
        return;
    }
    fprintf(f, "retries_left=%ld\nremoved=%d\n", s->retries_left, s->removed ? 1 : 0);
    if (fclose(f) != 0 || rename(tmp, path) != 0) {
        fprintf(stderr, "cabridge-faultp11: cannot replace state file %s\n", path);
        unlink(tmp);
    }
}

bool fault_list_has(const char *list, const char *name)
{
    size_t n = strlen(name);
    for (const char *p = list; *p != '\0';) {
        p += strspn(p, " ,");
        size_t len = strcspn(p, " ,");
        if (len == n && strncmp(p, name, n) == 0)
            return true;
        p += len;
    }
    return false;
}
