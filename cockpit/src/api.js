// SPDX-License-Identifier: LGPL-2.1-or-later
// The page's only door to sysctr: org.sysctr1 on the system bus, through Cockpit's D-Bus channel.
//
// One Sysctr object mirrors every object below /org/sysctr1 (containers, jobs, processes, and
// networks and volumes once sysctrd has them). The bridge fills the mirror from the manager's
// ObjectManager (GetManagedObjects, then InterfacesAdded/InterfacesRemoved) and keeps it current
// with PropertiesChanged: nothing here polls for state. The usage counters (MemoryCurrent,
// CPUUsageNSec, TasksCurrent) are the exception: like systemd's, they send no change signal, so
// refreshUsage() re-reads them for running containers while a view shows them.
const cockpit = window.cockpit;

export const BUS_NAME = "org.sysctr1";
export const ROOT_PATH = "/org/sysctr1";
export const IFACE = Object.freeze({
        MANAGER: "org.sysctr1.Manager",
        CONTAINER: "org.sysctr1.Container",
        JOB: "org.sysctr1.Job",
        PROCESS: "org.sysctr1.Process",
        NETWORK: "org.sysctr1.Network",
        VOLUME: "org.sysctr1.Volume",
        LOGWATCH: "org.sysctr1.LogWatch",
});
const PROPERTIES = "org.freedesktop.DBus.Properties";

// Errors of polkit's refusal: the page says so clearly and turns read-only (app.js).
const ACCESS_ERRORS = new Set([
        "org.freedesktop.DBus.Error.AccessDenied",
        "org.freedesktop.DBus.Error.InteractiveAuthorizationRequired",
]);

export class BusError extends Error {
        constructor(name, message) {
                super(message || name);
                this.name = name || "org.freedesktop.DBus.Error.Failed";
        }

        get accessDenied() {
                return ACCESS_ERRORS.has(this.name);
        }
}

function toBusError(e) {
        if (e instanceof BusError)
                return e;
        // cockpit.js rejects with { name, message } for D-Bus errors, { problem } for channel ones.
        return new BusError(e.name || e.problem || "", e.message || cockpit.message(e));
}

// cockpit.js's promises are its own deferreds: an exception thrown in their handlers is not caught.
// Everything the page awaits is a native Promise, rejected with a BusError.
function native(cockpitPromise) {
        return new Promise((resolve, reject) => {
                cockpitPromise.then(resolve, e => reject(toBusError(e)));
        });
}

// uint64 "no limit" / "unknown" (UINT64_MAX): cockpit-bridge 287 passes it as -1, others may pass
// it as a rounded 2^64.
export function isUnset(v) {
        return v === undefined || v === null || v < 0 || v >= 2 ** 63;
}

function unwrapVariants(dict) {
        const out = {};
        for (const [k, v] of Object.entries(dict || {}))
                out[k] = v && typeof v === "object" && "v" in v ? v.v : v;
        return out;
}

export class Sysctr extends EventTarget {
        constructor() {
                super();
                this.client = cockpit.dbus(BUS_NAME, { bus: "system" });
                this.objects = new Map();          // path → { interface: { property: value } }
                this.usage = new Map();            // container path → { MemoryCurrent, ..., at }
                this.jobResults = new Map();       // job path → { result, errorName, errorMessage }
                this.jobWaiters = new Map();       // job path → [resolve]
                this.owner = undefined;            // the daemon's unique name, null while it is gone
                this.closed = null;
                this._changedScheduled = false;

                this.client.addEventListener("notify", (ev, data) => this._onNotify(data));
                this.client.addEventListener("owner", (ev, owner) => {
                        this.owner = owner;
                        this._changed();
                });
                this.client.addEventListener("close", (ev, options) => {
                        this.closed = options.problem || "disconnected";
                        this._changed();
                });
                // Made before any call, so that no job can end unseen (docs/dbus-api.md: subscribe to
                // JobRemoved before the call).
                this.client.subscribe({ path: ROOT_PATH, interface: IFACE.MANAGER, member: "JobRemoved" },
                                      (path, iface, member, args) => this._onJobRemoved(args));
        }

        // Resolves once the mirror holds what GetManagedObjects returned.
        start() {
                return native(this.client.watch({ path_namespace: ROOT_PATH }));
        }

        _onNotify(data) {
                for (const [path, ifaces] of Object.entries(data)) {
                        let obj = this.objects.get(path);
                        for (const [iface, props] of Object.entries(ifaces || {})) {
                                if (props === null) {
                                        if (obj)
                                                delete obj[iface];
                                        continue;
                                }
                                if (!obj) {
                                        obj = {};
                                        this.objects.set(path, obj);
                                }
                                obj[iface] = { ...(obj[iface] || {}), ...props };
                        }
                        if (!ifaces || (obj && Object.keys(obj).length === 0))
                                this.objects.delete(path);
                }
                this._changed();
        }

        // Views re-render once per burst of signals, not once per signal.
        _changed() {
                if (this._changedScheduled)
                        return;
                this._changedScheduled = true;
                window.requestAnimationFrame(() => {
                        this._changedScheduled = false;
                        this.dispatchEvent(new Event("changed"));
                });
        }

        // [{ path, ...properties }] of every object with that interface, sorted by Name (or Id).
        list(iface) {
                const out = [];
                for (const [path, obj] of this.objects)
                        if (obj[iface])
                                out.push({ path, ...obj[iface] });
                const key = o => o.Name ?? String(o.Id ?? o.path).padStart(10, "0");
                return out.sort((a, b) => key(a) < key(b) ? -1 : key(a) > key(b) ? 1 : 0);
        }

        get(path, iface) {
                const obj = this.objects.get(path);
                return obj && obj[iface] ? { path, ...obj[iface] } : null;
        }

        containers() {
                return this.list(IFACE.CONTAINER);
        }

        container(name) {
                return this.containers().find(c => c.Name === name) || null;
        }

        // Calls allow interactive authorization: a polkit agent of the session (Cockpit's, when the
        // user has one) may ask for a password instead of a plain refusal.
        call(path, iface, method, args = [], options = {}) {
                return native(this.client.call(path, iface, method, args, { flags: "i", ...options }));
        }

        manager(method, ...args) {
                return this.call(ROOT_PATH, IFACE.MANAGER, method, args);
        }

        containerCall(container, method, ...args) {
                return this.call(container.path, IFACE.CONTAINER, method, args);
        }

        subscribe(match, callback) {
                return this.client.subscribe(match, callback);
        }

        async getAll(path, iface) {
                const [props] = await this.call(path, PROPERTIES, "GetAll", [iface]);
                return unwrapVariants(props);
        }

        _onJobRemoved([id, job, target, result, errorName, errorMessage]) {
                const r = { id, target, result, errorName, errorMessage };
                const waiters = this.jobWaiters.get(job);
                this.jobWaiters.delete(job);
                if (waiters)
                        waiters.forEach(resolve => resolve(r));
                else
                        // The call that made it may not have returned yet: keep the result for it.
                        this.jobResults.set(job, r);
                // Only the most recent ones are kept.
                while (this.jobResults.size > 64)
                        this.jobResults.delete(this.jobResults.keys().next().value);
        }

        // Resolves with { result: "done"|"failed"|"canceled", errorName, errorMessage } when the job ends.
        waitJob(job) {
                if (this.jobResults.has(job)) {
                        const r = this.jobResults.get(job);
                        this.jobResults.delete(job);
                        return Promise.resolve(r);
                }
                return new Promise(resolve => {
                        if (!this.jobWaiters.has(job))
                                this.jobWaiters.set(job, []);
                        this.jobWaiters.get(job).push(resolve);
                });
        }

        // Waits for the job and turns a failure into the error a blocking call would have given.
        async runJob(job) {
                const r = await this.waitJob(job);
                if (r.result === "done")
                        return r;
                if (r.result === "canceled")
                        throw Object.assign(new BusError("org.sysctr1.Error.Canceled", r.errorMessage), { canceled: true });
                throw new BusError(r.errorName, r.errorMessage);
        }

        // The manager's CancelJob(id), the documented equivalent of Job.Cancel(): sysctrd (as of this
        // writing) crashes when Job.Cancel() of a caller that polkit had to authorize is re-run.
        cancelJob(job) {
                const j = this.get(job, IFACE.JOB);
                const id = j ? j.Id : Number(job.split("/").pop());
                return this.manager("CancelJob", id);
        }

        // The usage counters of running containers (see the top of this file).
        async refreshUsage() {
                const running = this.containers().filter(c => c.State === "running");
                const seen = new Set(running.map(c => c.path));
                for (const path of this.usage.keys())
                        if (!seen.has(path))
                                this.usage.delete(path);
                await Promise.all(running.map(async c => {
                        try {
                                const props = await this.getAll(c.path, IFACE.CONTAINER);
                                const prev = this.usage.get(c.path);
                                const now = performance.now();
                                const u = {
                                        MemoryCurrent: props.MemoryCurrent,
                                        TasksCurrent: props.TasksCurrent,
                                        CPUUsageNSec: props.CPUUsageNSec,
                                        at: now,
                                        cpuPercent: null,
                                };
                                // CPU use: CPU time over wall time since the last reading.
                                if (prev && !isUnset(prev.CPUUsageNSec) && !isUnset(u.CPUUsageNSec) && now > prev.at)
                                        u.cpuPercent = Math.max(0, (u.CPUUsageNSec - prev.CPUUsageNSec) /
                                                                   ((now - prev.at) * 1e6) * 100);
                                this.usage.set(c.path, u);
                        } catch (e) {
                                this.usage.delete(c.path);  // gone meanwhile, or stopped
                        }
                }));
                this._changed();
        }
}

// a{sv} arguments: cockpit's JSON form of a variant is { t: signature, v: value }.
export const variant = cockpit.variant;
