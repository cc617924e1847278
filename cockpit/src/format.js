// SPDX-License-Identifier: LGPL-2.1-or-later
// How values of the API are shown.
import { isUnset } from "./api.js";
import { _, N_ } from "./i18n.js";

const cockpit = window.cockpit;

const STATE_LABELS = {
        creating: N_("creating"),
        stopped: N_("stopped"),
        starting: N_("starting"),
        running: N_("running"),
        stopping: N_("stopping"),
        failed: N_("failed"),
        broken: N_("broken"),
};

export function stateLabel(state) {
        return STATE_LABELS[state] ? _(STATE_LABELS[state]) : state || "";
}

export function bytes(v) {
        if (isUnset(v))
                return "";
        return cockpit.format_bytes(v, 1024);
}

// "12 MiB / 512 MiB", "12 MiB", "" (not running).
export function memory(current, max) {
        const cur = bytes(current);
        if (!cur)
                return "";
        return isUnset(max) ? cur : cur + " / " + bytes(max);
}

export function cpuPercent(p) {
        if (p === null || p === undefined)
                return "";
        return p.toFixed(p < 10 ? 1 : 0) + " %";
}

// CPU quota: µs of CPU time per second → CPUs ("1.5").
export function cpus(quotaPerSecUSec) {
        if (isUnset(quotaPerSecUSec))
                return "";
        return String(Math.round(quotaPerSecUSec / 10000) / 100);
}

export function count(v) {
        return isUnset(v) ? "" : String(v);
}

export function timestamp(usec) {
        if (!usec || isUnset(usec))
                return "";
        return new Date(usec / 1000).toLocaleString(cockpit.language);
}

// A limit for the form: bytes as "512M" etc. where exact, else bytes.
export function sizeForInput(v) {
        if (isUnset(v))
                return "";
        for (const [unit, f] of [["T", 2 ** 40], ["G", 2 ** 30], ["M", 2 ** 20], ["K", 2 ** 10]])
                if (v % f === 0)
                        return v / f + unit;
        return String(v);
}

const JOB_LABELS = {
        create: N_("Creating $0"),
        start: N_("Starting $0"),
        stop: N_("Stopping $0"),
        restart: N_("Restarting $0"),
        build: N_("Building image $0"),
};

export function jobLabel(job) {
        const fmt = JOB_LABELS[job.Type];
        return fmt ? cockpit.format(_(fmt), job.Target) : job.Type + " " + job.Target;
}
