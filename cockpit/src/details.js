// SPDX-License-Identifier: LGPL-2.1-or-later
// One container: its state and actions (start, stop, restart, delete), its properties and usage,
// limits changed live, autostart, and the tabs for its logs, a shell and its console.
import { IFACE, isUnset, variant } from "./api.js";
import { h, replaceChildren } from "./dom.js";
import * as fmt from "./format.js";
import { _, format } from "./i18n.js";
import { LogsView } from "./logs.js";
import { TerminalView } from "./terminal.js";
import { alert, button, JobList, modal, stateBadge } from "./ui.js";

const USAGE_INTERVAL_MS = 3000;

const TABS = [
        ["overview", () => _("Overview")],
        ["logs", () => _("Logs")],
        ["terminal", () => _("Terminal")],
        ["console", () => _("Console")],
];

export class DetailsView {
        constructor(app, name, tab) {
                this.app = app;
                this.sysctr = app.sysctr;
                this.name = name;
                this.tab = TABS.some(([id]) => id === tab) ? tab : "overview";
                this.el = h("div.ct-details", { id: "details", dataset: { name } });
                this.header = h("div.ct-card__header");
                this.jobList = new JobList(this.sysctr, e => app.showError(_("Cannot cancel the job"), e));
                this.jobs = this.jobList.el;
                this.tabBar = h("nav.pf-c-tabs");
                this.content = h("div.ct-tab-content");
                this.el.append(h("section.ct-card", this.header, this.jobs), this.tabBar, this.content);
                this.child = null;
        }

        mount(parent) {
                parent.append(this.el);
                this.sysctr.refreshUsage();
                this.timer = window.setInterval(() => this.sysctr.refreshUsage(), USAGE_INTERVAL_MS);
                this.showTab(this.tab);
        }

        unmount() {
                window.clearInterval(this.timer);
                if (this.child && this.child.unmount)
                        this.child.unmount();
                this.el.remove();
        }

        // Same container, other tab: keep the view.
        route(name, tab) {
                if (name !== this.name)
                        return false;
                if ((tab || "overview") !== this.tab)
                        this.showTab(tab || "overview");
                return true;
        }

        showTab(tab) {
                if (this.child && this.child.unmount)
                        this.child.unmount();
                this.tab = tab;
                replaceChildren(this.tabBar, h("ul.pf-c-tabs__list", TABS.map(([id, label]) =>
                        h("li.pf-c-tabs__item" + (id === tab ? ".pf-m-current" : ""),
                          h("a.pf-c-tabs__link", { href: `#/container/${encodeURIComponent(this.name)}/${id}`,
                                                   id: "tab-" + id }, label())))));
                replaceChildren(this.content);
                if (tab === "logs")
                        this.child = new LogsView(this.app, this.name);
                else if (tab === "terminal")
                        this.child = new TerminalView(this.app, this.name, "shell");
                else if (tab === "console")
                        this.child = new TerminalView(this.app, this.name, "console");
                else
                        this.child = new OverviewTab(this.app, this.name);
                this.child.mount(this.content);
                this.update();
        }

        // The header's buttons are made once and updated in place (see list.js).
        makeHeader() {
                const act = (label, verb, kind, fn) =>
                        button(label, kind, fn || (() => this.app.containerAction(this.c, verb)),
                               { dataset: { action: "manage", verb: verb.toLowerCase() } });
                this.buttons = {
                        start: act(_("Start"), "Start", "primary"),
                        stop: act(_("Stop"), "Stop", "secondary"),
                        restart: act(_("Restart"), "Restart", "secondary"),
                        delete: act(_("Delete"), "Delete", "danger", () => this.confirmDelete(this.c)),
                };
                this.badge = h("span");
                replaceChildren(this.header,
                                h("h2.ct-card__title", h("a", { href: "#/" }, _("Containers")), " › ", this.name, " ",
                                  this.badge),
                                h("div.ct-card__actions", Object.values(this.buttons)));
        }

        update() {
                const c = this.sysctr.container(this.name);
                this.c = c;
                if (!c) {
                        this.buttons = null;
                        replaceChildren(this.header, h("h2.ct-card__title", this.name),
                                        alert("warning", _("This container does not exist (any more)."), null));
                        return;
                }
                if (!this.buttons)
                        this.makeHeader();
                const stopped = ["stopped", "failed"].includes(c.State);
                this.buttons.start.disabled = !stopped;
                this.buttons.stop.disabled = !["running", "starting"].includes(c.State);
                this.buttons.restart.disabled = c.State !== "running";
                this.buttons.delete.disabled = !(stopped || c.State === "broken");
                if (this.badge.dataset.state !== c.State) {
                        replaceChildren(this.badge, stateBadge(c.State));
                        this.badge.dataset.state = c.State;
                }
                const job = c.Job && c.Job !== "/" ? this.sysctr.get(c.Job, IFACE.JOB) : null;
                this.jobList.update(job ? [job] : []);
                if (this.child && this.child.update)
                        this.child.update(c);
                this.app.applyReadOnly(this.el);
        }

        confirmDelete(c) {
                const dialog = modal(format(_("Delete $0?"), c.Name));
                dialog.el.id = "delete-dialog";
                const status = h("div");
                replaceChildren(dialog.body,
                                h("p", _("The container's configuration and files are removed. Volumes are kept.")),
                                status);
                const confirm = button(_("Delete"), "danger", async () => {
                        confirm.disabled = true;
                        try {
                                await this.sysctr.containerCall(c, "Delete");
                                dialog.close();
                                window.cockpit.location.go("/");
                        } catch (e) {
                                confirm.disabled = false;
                                replaceChildren(status, alert("danger", _("Cannot delete the container"), e.message));
                                if (e.accessDenied)
                                        this.app.noteAccessDenied(e);
                        }
                }, { id: "delete-confirm", dataset: { action: "manage" } });
                replaceChildren(dialog.footer, confirm, button(_("Cancel"), "link", () => dialog.close()));
                this.app.applyReadOnly(dialog.el);
        }
}

// The Networks property ("lan0:ip=10.88.0.2,ip6=fd42::2,mac=…", in order: eth0, eth1…) as lines
// "eth0 lan0 ip=… mac=…", the network's name a link to the networks' view. null if none.
function attachments(networks) {
        if (!networks || networks.length === 0)
                return null;
        return h("ul.ct-plain-list", networks.map((spec, i) => {
                const colon = spec.indexOf(":");
                const name = colon < 0 ? spec : spec.slice(0, colon);
                const params = colon < 0 ? "" : spec.slice(colon + 1).split(",").join(" ");
                return h("li", { dataset: { network: name } }, "eth" + i + " ",
                         h("a", { href: "#/networks" }, name), params ? " " + params : "");
        }));
}

// Properties, usage, limits and autostart.
class OverviewTab {
        constructor(app, name) {
                this.app = app;
                this.sysctr = app.sysctr;
                this.name = name;
                this.el = h("div.ct-overview");
                this.props = h("dl.pf-c-description-list", { id: "properties" });
                this.limitsStatus = h("div", { "aria-live": "polite" });
                this.memory = h("input.pf-c-form-control", { id: "limit-memory", type: "text" });
                this.cpus = h("input.pf-c-form-control", { id: "limit-cpus", type: "text" });
                this.pids = h("input.pf-c-form-control", { id: "limit-pids", type: "text" });
                this.autostart = h("input.pf-c-switch__input", { id: "autostart", type: "checkbox",
                                                                 onchange: () => this.setAutostart(),
                                                                 dataset: { action: "manage" } });
                this.formFilled = false;
                const limits = h("form.pf-c-form", { id: "limits", onsubmit: ev => { ev.preventDefault(); this.applyLimits() } },
                                 h("h3", _("Limits")),
                                 h("p.pf-c-form__helper-text", _("Applied at once to a running container. Empty: no limit.")),
                                 h("div.ct-limits",
                                   h("label", { for: "limit-memory" }, _("Memory")), this.memory,
                                   h("label", { for: "limit-cpus" }, _("CPUs")), this.cpus,
                                   h("label", { for: "limit-pids" }, _("Tasks")), this.pids),
                                 h("label.pf-c-switch", { for: "autostart" }, this.autostart,
                                   h("span.pf-c-switch__toggle"), h("span.pf-c-switch__label", _("Start at boot"))),
                                 h("div", button(_("Apply limits"), "secondary", () => this.applyLimits(),
                                                 { id: "limits-apply", dataset: { action: "manage" } })),
                                 this.limitsStatus);
                this.el.append(h("section.ct-card", this.props), h("section.ct-card", limits));
        }

        mount(parent) {
                parent.append(this.el);
        }

        update(c) {
                const u = this.sysctr.usage.get(c.path) || {};
                const running = c.State === "running";
                const rows = [
                        [_("State"), c.State ? fmt.stateLabel(c.State) : ""],
                        [_("Guest's systemd"), c.GuestState || ""],
                        [_("Why"), c.Result],
                        [_("Template"), c.Template + (c.Release ? " " + c.Release : "")],
                        [_("Image"), c.Image],
                        [_("Host name"), c.Hostname],
                        [_("Addresses"), (c.Addresses || []).join(", ")],
                        [_("Network mode"), c.NetworkMode && c.NetworkMode !== "private" ? c.NetworkMode : ""],
                        [_("Networks"), attachments(c.Networks)],
                        [_("Published ports"), (c.Publish || []).join(", ")],
                        [_("Volumes"), (c.Volumes || []).join(", ")],
                        [_("tmpfs mounts"), (c.Tmpfs || []).join(", ")],
                        [_("Host services"), c.AllowHost ? _("all reachable") : ""],
                        [_("Memory"), running ? fmt.memory(u.MemoryCurrent, c.MemoryMax) : ""],
                        [_("CPU"), running ? fmt.cpuPercent(u.cpuPercent) : ""],
                        [_("Tasks"), running ? fmt.count(u.TasksCurrent) : ""],
                        [_("Leader PID"), c.Leader ? String(c.Leader) : ""],
                        [_("Unit"), c.Unit],
                        [_("User namespace"), c.Privileged ? _("none: privileged, the host's root inside")
                                                           : (c.IdCount ? format(_("host IDs $0–$1"), c.IdBase, c.IdBase + c.IdCount - 1) : "")],
                        [_("ID"), c.Id],
                        [_("Created"), fmt.timestamp(c.CreationTimestamp)],
                        [_("Last started"), fmt.timestamp(c.LastStartTimestamp)],
                ].filter(([, v]) => v);
                replaceChildren(this.props, rows.map(([k, v]) =>
                        h("div.pf-c-description-list__group", h("dt", k), h("dd", { dataset: { label: k } }, v))));
                this.autostart.checked = !!c.Autostart;
                // The limit fields are filled once, then left to the user until applied.
                if (!this.formFilled) {
                        this.memory.value = fmt.sizeForInput(c.MemoryMax);
                        this.cpus.value = fmt.cpus(c.CPUQuotaPerSecUSec);
                        this.pids.value = isUnset(c.TasksMax) ? "" : String(c.TasksMax);
                        this.formFilled = true;
                }
                this.container = c;
        }

        async set(settings, what) {
                replaceChildren(this.limitsStatus);
                try {
                        await this.sysctr.containerCall(this.container, "Set", settings);
                        return true;
                } catch (e) {
                        replaceChildren(this.limitsStatus, alert("danger", what, e.message));
                        if (e.accessDenied)
                                this.app.noteAccessDenied(e);
                        return false;
                }
        }

        async applyLimits() {
                const v = el => variant("s", el.value.trim() === "" ? "infinity" : el.value.trim());
                if (await this.set({ memory: v(this.memory), cpus: v(this.cpus), pids: v(this.pids) },
                                   _("Cannot change the limits")))
                        replaceChildren(this.limitsStatus, alert("success", _("Limits applied."), null));
        }

        async setAutostart() {
                const want = this.autostart.checked;
                if (!await this.set({ autostart: variant("b", want) }, _("Cannot change autostart")))
                        this.autostart.checked = !want;
        }
}
