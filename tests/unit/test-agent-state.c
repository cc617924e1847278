/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <stdlib.h>

#include "agent-state.h"
#include "tap.h"

static void test_strings(void) {
        for (ContainerState s = 0; s < _CONTAINER_STATE_MAX; s++)
                is_int(container_state_from_string(container_state_to_string(s)), s, "state %s round-trips",
                       container_state_to_string(s));
        is_int(container_state_from_string("exploded"), _CONTAINER_STATE_INVALID, "unknown state");
        is_int(container_state_from_string(NULL), _CONTAINER_STATE_INVALID, "NULL state");
        ok(!container_state_to_string(_CONTAINER_STATE_MAX), "no name for _MAX");
}

static void test_round_trip(void) {
        AgentState s = {
                .state = CONTAINER_RUNNING, .agent_pid = 123, .leader_pid = 456,
                .id = (char *) "0b0c1d2e-3f40-4152-8637-48596a7b8c9d",
                .unit = (char *) "sysctr@web1.service",
                .cgroup = (char *) "/machine.slice/sysctr@web1.service", .result = (char *) "exit-code",
        };
        AgentState t = {};
        _cleanup_free_ char *text = NULL, *text2 = NULL;

        is_int(agent_state_format(&s, &text), 0, "format");
        is_int(agent_state_parse(text, &t), 0, "parse");
        is_int(t.state, CONTAINER_RUNNING, "state");
        is_int(t.agent_pid, 123, "agent pid");
        is_int(t.leader_pid, 456, "leader pid");
        is_str(t.id, s.id, "id");
        is_str(t.unit, s.unit, "unit");
        is_str(t.cgroup, s.cgroup, "cgroup");
        is_str(t.result, s.result, "result");
        is_int(agent_state_format(&t, &text2), 0, "format again");
        is_str(text2, text, "stable");
        agent_state_done(&t);
        ok(!t.id && !t.unit, "agent_state_done() clears");
}

static void test_optional(void) {
        AgentState t = {};

        is_int(agent_state_parse("STATE=stopped\nAGENT_PID=1\nFUTURE=1\n", &t), 0,
               "minimal, unknown key ignored");
        ok(t.state == CONTAINER_STOPPED && t.agent_pid == 1 && t.leader_pid == 0 && !t.id && !t.unit,
           "optional fields unset");
        agent_state_done(&t);
}

static void test_bad(void) {
        static const char * const bad[] = {
                "", "STATE=running\n", "AGENT_PID=5\n", "STATE=exploded\nAGENT_PID=5\n",
                "STATE=running\nAGENT_PID=x\n", "STATE=running\nAGENT_PID=-5\n",
                "STATE=running\nAGENT_PID=0\n",
                "STATE=running\nAGENT_PID=5\nLEADER_PID=99999999999\n", "garbage\n",
        };
        AgentState s = { .state = CONTAINER_FAILED, .agent_pid = 1, .result = (char *) "a\nSTATE=running" };
        _cleanup_free_ char *text = NULL;

        for (size_t i = 0; i < ELEMENTSOF(bad); i++) {
                AgentState t = {};

                is_int(agent_state_parse(bad[i], &t), -EINVAL, "bad input %zu refused", i);
        }
        is_int(agent_state_format(&s, &text), -EINVAL, "a newline in RESULT is refused");
}

int main(void) {
        test_strings();
        test_round_trip();
        test_optional();
        test_bad();
        return done_testing();
}
