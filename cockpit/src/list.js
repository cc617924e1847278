// SPDX-License-Identifier: LGPL-2.1-or-later
// The "Containers" page: every container with its state, template, memory and CPU use and
// addresses, the jobs in progress, and networks and volumes when there are any.
import { h, replaceChildren } from "./dom.js";
import { cpuPercent, memory } from "./format.js";
import { _ } from "./i18n.js";
import { objectSections } from "./objects.js";
import { button, emptyState, jobsPanel, stateBadge } from "./ui.js";

const USAGE_INTERVAL_MS = 3000;

export class ListView {
        constructor(app) {
                this.app = app;
                this.sysctr = app.sysctr;
                this.el = h("div.ct-list");
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
                const header = h("div.ct-card__header",
                                 h("h2.ct-card__title", _("Containers")),
                                 button(_("Create container"), "primary", () => this.app.openCreateDialog(),
                                        { id: "create-container", dataset: { action: "manage" } }));
                const table = containers.length === 0
                        ? emptyState(_("No containers. Create one from a template."))
                        : h("table.pf-c-table", { id: "containers", "aria-label": _("Containers") },
                            h("thead", h("tr",
                                         h("th", _("Name")), h("th", _("State")), h("th", _("Template")),
                                         h("th", _("Memory")), h("th", _("CPU")), h("th", _("Addresses")),
                                         h("th", _("Autostart")), h("th", h("span.ct-sr-only", _("Actions"))))),
                            h("tbody", containers.map(c => this.row(c))));
                replaceChildren(this.el,
                                jobsPanel(this.sysctr, e => this.app.showError(_("Cannot cancel the job"), e)),
                                h("section.ct-card", header, table),
                                objectSections(this.sysctr));
                this.app.applyReadOnly(this.el);
        }

        row(c) {
                const u = this.sysctr.usage.get(c.path) || {};
                const running = c.State === "running";
                const action = running || c.State === "starting"
                        ? button(_("Stop"), "secondary", () => this.app.containerAction(c, "Stop"),
                                 { dataset: { action: "manage", verb: "stop" } })
                        : button(_("Start"), "secondary", () => this.app.containerAction(c, "Start"),
                                 { dataset: { action: "manage", verb: "start" },
                                   disabled: !["stopped", "failed"].includes(c.State) });
                return h("tr", { dataset: { name: c.Name, state: c.State } },
                         h("td", { dataset: { label: "name" } },
                           h("a", { href: "#/container/" + encodeURIComponent(c.Name) }, c.Name)),
                         h("td", { dataset: { label: "state" } }, stateBadge(c.State),
                           c.Result ? h("div.ct-result", c.Result) : null),
                         h("td", { dataset: { label: "template" } }, c.Template),
                         h("td", { dataset: { label: "memory" } }, running ? memory(u.MemoryCurrent, c.MemoryMax) : ""),
                         h("td", { dataset: { label: "cpu" } }, running ? cpuPercent(u.cpuPercent) : ""),
                         h("td", { dataset: { label: "addresses" } }, (c.Addresses || []).join(", ")),
                         h("td", { dataset: { label: "autostart" } }, c.Autostart ? _("yes") : _("no")),
                         h("td.ct-actions", action));
        }
}
