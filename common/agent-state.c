/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

#include "agent-state.h"
#include "fileio.h"

static const char * const container_state_table[_CONTAINER_STATE_MAX] = {
        [CONTAINER_STOPPED] = "stopped",
        [CONTAINER_STARTING] = "starting",
        [CONTAINER_RUNNING] = "running",
        [CONTAINER_STOPPING] = "stopping",
        [CONTAINER_FAILED] = "failed",
        [CONTAINER_CREATING] = "creating",
        [CONTAINER_BROKEN] = "broken",
};

DEFINE_STRING_TABLE_LOOKUP(container_state, ContainerState, _CONTAINER_STATE_MAX);

void agent_state_done(AgentState *s) {
        free(s->id);
        free(s->unit);
        free(s->cgroup);
        free(s->result);
        *s = (AgentState) {};
}

int agent_state_format(const AgentState *s, char **ret) {
        char *t;

        /* RESULT is free text from an error message: keep it on one line. */
        if (s->result && strchr(s->result, '\n'))
                return -EINVAL;
        if (asprintf(&t, "STATE=%s\nAGENT_PID=%d\nLEADER_PID=%d\nSTARTED=%llu\n%s%s%s%s%s%s%s%s%s%s%s%s",
                     container_state_to_string(s->state), (int) s->agent_pid, (int) s->leader_pid,
                     (unsigned long long) s->started_usec,
                     s->id ? "ID=" : "", strempty(s->id), s->id ? "\n" : "",
                     s->unit ? "UNIT=" : "", strempty(s->unit), s->unit ? "\n" : "",
                     s->cgroup ? "CGROUP=" : "", strempty(s->cgroup), s->cgroup ? "\n" : "",
                     s->result ? "RESULT=" : "", strempty(s->result), s->result ? "\n" : "") < 0)
                return -ENOMEM;
        *ret = t;
        return 0;
}

static int parse_pid(const char *v, pid_t *ret) {
        char *end;
        long l;

        errno = 0;
        l = strtol(v, &end, 10);
        if (errno || *end || end == v || l < 0 || l > INT32_MAX)
                return -EINVAL;
        *ret = (pid_t) l;
        return 0;
}

int agent_state_parse(const char *text, AgentState *ret) {
        _cleanup_free_ char *copy = strdup(text);
        AgentState s = { .state = _CONTAINER_STATE_INVALID };
        char *saveptr = NULL;
        int r = 0;

        if (!copy)
                return -ENOMEM;
        for (char *line = strtok_r(copy, "\n", &saveptr); line; line = strtok_r(NULL, "\n", &saveptr)) {
                char *eq = strchr(line, '='), **target = NULL;
                const char *v;

                if (!eq) {
                        r = -EINVAL;
                        break;
                }
                *eq = '\0';
                v = eq + 1;
                if (streq(line, "STATE"))
                        s.state = container_state_from_string(v);
                else if (streq(line, "AGENT_PID"))
                        r = parse_pid(v, &s.agent_pid);
                else if (streq(line, "LEADER_PID"))
                        r = parse_pid(v, &s.leader_pid);
                else if (streq(line, "STARTED"))
                        s.started_usec = strtoull(v, NULL, 10);
                else if (streq(line, "ID"))
                        target = &s.id;
                else if (streq(line, "UNIT"))
                        target = &s.unit;
                else if (streq(line, "CGROUP"))
                        target = &s.cgroup;
                else if (streq(line, "RESULT"))
                        target = &s.result;
                /* Unknown keys are ignored: a newer agent may write more than we know. */
                if (target) {
                        free(*target);
                        *target = strdup(v);
                        if (!*target)
                                r = -ENOMEM;
                }
                if (r < 0)
                        break;
        }
        if (r >= 0 && (s.state < 0 || s.agent_pid <= 0))
                r = -EINVAL;
        if (r < 0) {
                agent_state_done(&s);
                return r;
        }
        *ret = s;
        return 0;
}

int agent_state_write(const char *path, const AgentState *s) {
        _cleanup_free_ char *t = NULL;
        int r;

        r = agent_state_format(s, &t);
        if (r < 0)
                return r;
        return write_file_atomic(path, t, strlen(t), 0644);
}

int agent_state_read(const char *path, AgentState *ret) {
        _cleanup_free_ char *t = NULL;
        int r;

        r = read_full_file(path, &t, NULL);
        if (r < 0)
                return r;
        return agent_state_parse(t, ret);
}
