// SPDX-License-Identifier: LGPL-2.1-or-later
// The "Containers" page: every container with its state, template, memory and CPU use and
// addresses, and the jobs in progress (networks and volumes have views of their own).
//
// Rows are kept by name and updated in place: a signal or a usage reading never replaces the
// button under the user's pointer or the one that has the focus.
import { IFACE } from "./api.js";
import { h, replaceChildren } from "./dom.js";
import { cpuPercent, memory } from "./format.js";
import { _ } from "./i18n.js";
import { button, emptyState, JobList, stateBadge } from "./ui.js";

const USAGE_INTERVAL_MS = 3000;

class Row {
        constructor(app, name) {
                this.app = app;
                const cell = label => h("td", { dataset: { label } });
                this.cells = {
                        name: h("td", { dataset: { label: "name" } },
                                h("a", { href: "#/container/" + encodeURIComponent(name) }, name)),
                        state: cell("state"),
                        template: cell("template"),
                        memory: cell("memory"),
                        cpu: cell("cpu"),
                        addresses: cell("addresses"),
                        autostart: cell("autostart"),
                };
                this.start = button(_("Start"), "secondary", () => this.app.containerAction(this.c, "Start"),
                                    { dataset: { action: "manage", verb: "start" } });
                this.stop = button(_("Stop"), "secondary", () => this.app.containerAction(this.c, "Stop"),
                                   { dataset: { action: "manage", verb: "stop" } });
                this.actions = h("td.ct-actions");
                this.el = h("tr", { dataset: { name } }, Object.values(this.cells), this.actions);
        }

        update(c, u) {
                this.c = c;
                const running = c.State === "running";
                const set = (cell, text) => {
                        if (cell.textContent !== text)
                                cell.textContent = text;
                };
                this.el.dataset.state = c.State;
                if (this.cells.state.dataset.shown !== c.State + c.Result) {
                        replaceChildren(this.cells.state, stateBadge(c.State), c.Result ? h("div.ct-result", c.Result) : null);
                        this.cells.state.dataset.shown = c.State + c.Result;
                }
                set(this.cells.template, c.Template);
                set(this.cells.memory, running ? memory(u.MemoryCurrent, c.MemoryMax) : "");
                set(this.cells.cpu, running ? cpuPercent(u.cpuPercent) : "");
                set(this.cells.addresses, (c.Addresses || []).join(", "));
                set(this.cells.autostart, c.Autostart ? _("yes") : _("no"));
                const action = running || c.State === "starting" ? this.stop : this.start;
                if (action === this.start)
                        this.start.disabled = !["stopped", "failed"].includes(c.State);
                if (this.actions.firstChild !== action)
                        replaceChildren(this.actions, action);
        }
}

export class ListView {
        constructor(app) {
                this.app = app;
                this.sysctr = app.sysctr;
                this.rows = new Map();
                this.jobs = new JobList(this.sysctr, e => app.showError(_("Cannot cancel the job"), e));
                this.tbody = h("tbody");
                this.table = h("table.pf-c-table", { id: "containers", "aria-label": _("Containers") },
                               h("thead", h("tr",
                                            h("th", _("Name")), h("th", _("State")), h("th", _("Template")),
                                            h("th", _("Memory")), h("th", _("CPU")), h("th", _("Addresses")),
                                            h("th", _("Autostart")), h("th", h("span.ct-sr-only", _("Actions"))))),
                               this.tbody);
                this.empty = emptyState(_("No containers. Create one from a template."));
                this.el = h("div.ct-list",
                            this.jobs.el,
                            h("section.ct-card",
                              h("div.ct-card__header",
                                h("h2.ct-card__title", _("Containers")),
                                button(_("Create container"), "primary", () => this.app.openCreateDialog(),
                                       { id: "create-container", dataset: { action: "manage" } })),
                              this.table, this.empty));
                this.timer = null;
        }

        mount(parent) {
                parent.append(this.el);
                this.update();
                this.sysctr.refreshUsage();
                this.timer = window.setInterval(() => this.sysctr.refreshUsage(), USAGE_INTERVAL_MS);
        }

        unmount() {
                window.clearInterval(this.timer);
                this.el.remove();
        }

        update() {
                const containers = this.sysctr.containers();
                const seen = new Set();
                for (const c of containers) {
                        seen.add(c.Name);
                        let row = this.rows.get(c.Name);
                        if (!row)
                                this.rows.set(c.Name, row = new Row(this.app, c.Name));
                        row.update(c, this.sysctr.usage.get(c.path) || {});
                        this.tbody.append(row.el);      // moves it into order
                }
                for (const [name, row] of this.rows)
                        if (!seen.has(name)) {
                                row.el.remove();
                                this.rows.delete(name);
                        }
                this.table.hidden = containers.length === 0;
                this.empty.hidden = containers.length > 0;
                this.jobs.update(this.sysctr.list(IFACE.JOB));
                this.app.applyReadOnly(this.el);
        }
}
