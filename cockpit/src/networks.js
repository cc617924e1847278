// SPDX-License-Identifier: LGPL-2.1-or-later
// The "Networks" view (#/networks): every network of sysctrd with its type, subnets, services, the
// containers attached and what keeps it from working, live through the ObjectManager (a network
// created with the CLI shows at once, Containers and Problem change with PropertiesChanged);
// creating one, deleting one (with a confirmation: sysctrd refuses while containers use it, and
// the page shows its message), and the doctor's findings about the host's firewall.
//
// These actions are polkit's org.sysctr1.manage-networks, a right apart from managing containers:
// their buttons carry data-action="manage-networks" (app.js).
import { IFACE, variant } from "./api.js";
import { h, replaceChildren } from "./dom.js";
import { _, N_, format } from "./i18n.js";
import { checkNetworkName } from "./names.js";
import { alert, button, emptyState, field, modal, setBusy, textInput } from "./ui.js";

const RIGHT = "networks";
const ACTION = "manage-networks";

const SEVERITY = {
        error: ["danger", N_("Traffic is dropped")],
        warning: ["warning", N_("Some traffic is dropped")],
        info: ["info", N_("Note")],
};

function containerLinks(names) {
        const out = [];
        for (const n of names || []) {
                if (out.length)
                        out.push(", ");
                out.push(h("a", { href: "#/container/" + encodeURIComponent(n) }, n));
        }
        return out;
}

// "macvlan on eth1 (bridge)" or "bridge".
function typeText(n) {
        if (n.Type === "macvlan")
                return format(_("macvlan on $0 ($1)"), n.Parent || "?", n.MacvlanMode || "bridge");
        return n.Type || "";
}

// One line per subnet, with its gateway.
function subnetLines(n) {
        return [[n.Subnet, n.Gateway], [n.Subnet6, n.Gateway6]]
                .filter(([subnet]) => subnet)
                .map(([subnet, gw]) => h("div", { dataset: { subnet } }, subnet,
                                         gw ? h("span.ct-muted", " " + format(_("gateway $0"), gw)) : null));
}

function services(n) {
        const out = [];
        if (n.NAT)
                out.push(_("NAT"));
        if (n.DNS)
                out.push(n.Domain ? format(_("DNS ($0)"), n.Domain) : _("DNS"));
        if (n.HostAccess)
                out.push(_("host access"));
        if (n.MTU)
                out.push(format(_("MTU $0"), n.MTU));
        return out.join(", ");
}

// Rows are kept by name and updated in place, as on the list (list.js).
class NetworkRow {
        constructor(view, name) {
                this.view = view;
                const cell = label => h("td", { dataset: { label } });
                this.cells = {
                        name: h("td", { dataset: { label: "name" } }, name),
                        type: cell("type"),
                        subnets: cell("subnets"),
                        services: cell("services"),
                        containers: cell("containers"),
                        problem: cell("problem"),
                };
                this.delete = button(_("Delete"), "secondary", () => this.view.confirmDelete(this.n),
                                     { dataset: { action: ACTION, verb: "delete" } });
                this.el = h("tr", { dataset: { name } }, Object.values(this.cells), h("td.ct-actions", this.delete));
        }

        update(n) {
                this.n = n;
                // Only what changed is rebuilt (a link under the pointer stays).
                const shown = JSON.stringify([n.Type, n.Parent, n.MacvlanMode, n.Subnet, n.Gateway, n.Subnet6, n.Gateway6,
                                              n.NAT, n.DNS, n.Domain, n.HostAccess, n.MTU, n.Containers, n.Problem]);
                if (this.el.dataset.shown === shown)
                        return;
                this.el.dataset.shown = shown;
                replaceChildren(this.cells.type, typeText(n));
                replaceChildren(this.cells.subnets, subnetLines(n));
                replaceChildren(this.cells.services, services(n));
                replaceChildren(this.cells.containers, containerLinks(n.Containers));
                replaceChildren(this.cells.problem, n.Problem ? h("span.ct-problem", n.Problem) : null);
                this.el.classList.toggle("ct-has-problem", !!n.Problem);
        }
}

export class NetworksView {
        constructor(app) {
                this.app = app;
                this.sysctr = app.sysctr;
                this.rows = new Map();
                this.tbody = h("tbody");
                this.table = h("table.pf-c-table", { id: "networks", "aria-label": _("Networks") },
                               h("thead", h("tr",
                                            h("th", _("Name")), h("th", _("Type")), h("th", _("Subnets")),
                                            h("th", _("Services")), h("th", _("Containers")), h("th", _("Problem")),
                                            h("th", h("span.ct-sr-only", _("Actions"))))),
                               this.tbody);
                this.empty = emptyState(_("No networks."));
                this.findings = h("div", { id: "doctor-findings", "aria-live": "polite" });
                this.el = h("div.ct-list",
                            h("section.ct-card",
                              h("div.ct-card__header",
                                h("h2.ct-card__title", _("Networks")),
                                button(_("Create network"), "primary", () => new NetworkCreateDialog(this).open(),
                                       { id: "create-network", dataset: { action: ACTION } })),
                              this.table, this.empty),
                            h("section.ct-card", { id: "doctor" },
                              h("div.ct-card__header",
                                h("h2.ct-card__title", _("Host firewall check")),
                                button(_("Check again"), "secondary", () => this.runDoctor(), { id: "doctor-run" })),
                              h("p.pf-c-form__helper-text",
                                _("What on this host breaks the traffic of sysctr's networks (sysctr never changes another firewall table itself).")),
                              this.findings));
        }

        mount(parent) {
                parent.append(this.el);
                this.update();
                this.runDoctor();
        }

        unmount() {
                this.el.remove();
        }

        update() {
                const networks = this.sysctr.list(IFACE.NETWORK);
                const seen = new Set();
                for (const n of networks) {
                        seen.add(n.Name);
                        let row = this.rows.get(n.Name);
                        if (!row)
                                this.rows.set(n.Name, row = new NetworkRow(this, n.Name));
                        row.update(n);
                        this.tbody.append(row.el);      // moves it into order
                }
                for (const [name, row] of this.rows)
                        if (!seen.has(name)) {
                                row.el.remove();
                                this.rows.delete(name);
                        }
                this.table.hidden = networks.length === 0;
                this.empty.hidden = networks.length > 0;
                this.app.applyReadOnly(this.el);
        }

        // NetworkDoctor may be called by anyone (docs/dbus-api.md, "Access").
        async runDoctor() {
                this.findings.dataset.state = "running";
                let findings;
                try {
                        [findings] = await this.sysctr.manager("NetworkDoctor");
                } catch (e) {
                        replaceChildren(this.findings, alert("danger", _("Cannot check the host's firewall"), e.message));
                        this.findings.dataset.state = "failed";
                        return;
                }
                // The CLI's words ("sysctr network doctor"), so that both say the same.
                replaceChildren(this.findings, findings.length === 0
                        ? alert("success", _("Nothing on this host gets in the way of sysctr's networks."), null)
                        : findings.map(([severity, problem, remedy]) => {
                                const [kind, label] = SEVERITY[severity] || ["info", severity];
                                const el = alert(kind, problem, h("span", h("strong", _("Fix:")), " ", remedy));
                                el.dataset.severity = severity;
                                el.title = _(label);
                                return el;
                        }));
                this.findings.dataset.state = "done";
        }

        confirmDelete(n) {
                const dialog = modal(format(_("Delete network $0?"), n.Name));
                dialog.el.id = "network-delete-dialog";
                const status = h("div", { "aria-live": "polite" });
                const users = n.Containers || [];
                replaceChildren(dialog.body,
                                h("p", _("Its bridge or host link, its firewall rules and its DNS service are removed.")),
                                users.length ? h("p", format(_("Containers attached to it: $0. sysctrd refuses to delete a network in use."),
                                                             users.join(", "))) : null,
                                status);
                const confirm = button(_("Delete"), "danger", async () => {
                        confirm.disabled = true;
                        setBusy(dialog.el, true);
                        try {
                                await this.sysctr.manager("DeleteNetwork", n.Name);
                                dialog.close();
                                this.runDoctor();
                        } catch (e) {
                                replaceChildren(status, alert("danger", _("Cannot delete the network"), e.message));
                                if (e.accessDenied)
                                        this.app.noteAccessDenied(e, RIGHT);
                                else
                                        confirm.disabled = false;
                        } finally {
                                setBusy(dialog.el, false);
                        }
                }, { id: "network-delete-confirm", dataset: { action: ACTION } });
                replaceChildren(dialog.footer, confirm,
                                button(_("Cancel"), "link", () => dialog.close(), { id: "network-delete-cancel" }));
                this.app.applyReadOnly(dialog.el);
        }
}

// "Create network": the options of CreateNetwork (docs/dbus-api.md), the name checked as it is
// typed with the CLI's rule and message. Empty fields are left to sysctrd's defaults.
class NetworkCreateDialog {
        constructor(view) {
                this.view = view;
                this.app = view.app;
                this.sysctr = view.sysctr;
                this.busy = false;
        }

        open() {
                this.dialog = modal(_("Create network"));
                this.dialog.el.id = "network-create-dialog";
                const check = (id, checked) => h("input.pf-c-check__input", { id, type: "checkbox", checked });
                this.name = textInput("network-name", { oninput: () => this.check(), required: true });
                this.nameError = h("p.pf-c-form__helper-text.pf-m-error", { id: "network-name-error", "aria-live": "polite" });
                this.type = h("select.pf-c-form-control", { id: "network-type", onchange: () => this.check() },
                              h("option", { value: "bridge" }, _("bridge: a bridge of the host, with NAT")),
                              h("option", { value: "macvlan" }, _("macvlan: on a LAN of the host")));
                this.parent = textInput("network-parent", { oninput: () => this.check(), placeholder: "eth1" });
                this.mode = h("select.pf-c-form-control", { id: "network-mode" },
                              ["bridge", "private", "vepa"].map(m => h("option", { value: m }, m)));
                this.hostAccess = check("network-host-access", false);
                this.subnet = textInput("network-subnet");
                this.subnet6 = textInput("network-subnet6");
                this.gateway = textInput("network-gateway");
                this.nat = check("network-nat", true);
                this.dns = check("network-dns", true);
                this.status = h("div.ct-dialog-status", { "aria-live": "polite" });
                // The CLI's option texts (sysctr network create --help), the same msgids.
                this.macvlanGroups = [
                        field("network-parent", _("Parent link"), this.parent, _("macvlan: the host's link the containers sit on")),
                        field("network-mode", _("Mode"), this.mode, _("macvlan: bridge (default), private or vepa")),
                        h("div.pf-c-form__group", h("label.pf-c-check", this.hostAccess, " ",
                                                    _("macvlan: let the host reach its containers"))),
                ];
                this.bridgeGroups = [
                        h("div.pf-c-form__group", h("label.pf-c-check", this.nat, " ",
                                                    _("Masquerade what leaves the bridge for the outside"))),
                        h("div.pf-c-form__group", h("label.pf-c-check", this.dns, " ",
                                                    _("Run a DNS and DHCP server for the bridge's containers"))),
                ];
                const form = h("form.pf-c-form.pf-m-horizontal", { id: "network-form", novalidate: true,
                                                                   onsubmit: ev => { ev.preventDefault(); this.create() } },
                               field("network-name", _("Name"), h("div", this.name, this.nameError)),
                               field("network-type", _("Type"), this.type),
                               this.macvlanGroups,
                               field("network-subnet", _("IPv4 subnet"), this.subnet,
                                     _("IPv4 subnet (bridge: picked if not given; \"none\": no IPv4)")),
                               field("network-subnet6", _("IPv6 subnet"), this.subnet6,
                                     _("IPv6 subnet (bridge: a ULA /64 if not given; \"none\": no IPv6)")),
                               field("network-gateway", _("Gateway"), this.gateway,
                                     _("Gateway: the bridge's address, or the LAN's router (one per family)")),
                               this.bridgeGroups);
                this.createButton = button(_("Create"), "primary", () => this.create(),
                                           { id: "network-create-submit", dataset: { action: ACTION } });
                replaceChildren(this.dialog.body, form, this.status);
                replaceChildren(this.dialog.footer, this.createButton,
                                button(_("Close"), "link", () => this.dialog.close(), { id: "network-create-close" }));
                this.name.focus();
                this.check();
        }

        // As the user types; the type changes which fields apply (and the name's length limit).
        check() {
                const type = this.type.value;
                const macvlan = type === "macvlan";
                this.macvlanGroups.forEach(g => { g.hidden = !macvlan });
                this.bridgeGroups.forEach(g => { g.hidden = macvlan });
                // A macvlan network has no subnet unless its LAN's is given.
                this.subnet.placeholder = macvlan ? "" : _("picked by sysctrd");
                this.subnet6.placeholder = macvlan ? "" : _("picked by sysctrd");
                const name = this.name.value;
                const message = name === "" ? null : checkNetworkName(name, type);
                this.nameError.textContent = message || "";
                this.name.setAttribute("aria-invalid", message ? "true" : "false");
                this.createButton.disabled = this.busy || name === "" || message !== null ||
                        (macvlan && this.parent.value.trim() === "") || this.app.readOnly(RIGHT);
        }

        options() {
                const o = {};
                const text = (key, el) => {
                        const v = el.value.trim();
                        if (v !== "")
                                o[key] = variant("s", v);
                };
                o.type = variant("s", this.type.value);
                text("subnet", this.subnet);
                text("subnet6", this.subnet6);
                const gw = this.gateway.value.trim();
                if (gw !== "")
                        o[gw.includes(":") ? "gateway6" : "gateway"] = variant("s", gw);
                if (this.type.value === "macvlan") {
                        text("parent", this.parent);
                        o.mode = variant("s", this.mode.value);
                        if (this.hostAccess.checked)
                                o["host-access"] = variant("b", true);
                } else {
                        o.nat = variant("b", this.nat.checked);
                        o.dns = variant("b", this.dns.checked);
                }
                return o;
        }

        async create() {
                if (this.busy || this.createButton.disabled)
                        return;
                this.busy = true;
                setBusy(this.dialog.el, true);
                this.check();
                replaceChildren(this.status);
                try {
                        await this.sysctr.manager("CreateNetwork", this.name.value, this.options());
                        this.dialog.close();
                        this.view.runDoctor();
                } catch (e) {
                        replaceChildren(this.status, alert("danger", _("Cannot create the network"), e.message));
                        if (e.accessDenied)
                                this.app.noteAccessDenied(e, RIGHT);
                } finally {
                        this.busy = false;
                        setBusy(this.dialog.el, false);
                        if (this.dialog.el.isConnected)
                                this.check();
                }
        }
}
