// SPDX-License-Identifier: LGPL-2.1-or-later
// The page: connects to sysctrd, routes between the list, a container's view, the networks and the
// volumes (#/, #/container/NAME[/TAB], #/networks, #/volumes), and keeps one place for errors and
// for polkit's refusals.
import { BusError, Sysctr } from "./api.js";
import { CreateDialog } from "./create.js";
import { DetailsView } from "./details.js";
import { h, replaceChildren } from "./dom.js";
import { _, N_, format } from "./i18n.js";
import { ListView } from "./list.js";
import { NetworksView } from "./networks.js";
import { alert } from "./ui.js";
import { VolumesView } from "./volumes.js";

const cockpit = window.cockpit;

// The menu entry of manifest.json, so that po/ carries its translation.
N_("Containers");

// polkit's rights, separate in sysctrd (docs/dbus-api.md, "Access"): a refusal of one turns off the
// buttons of that one only, which carry data-action="<action>".
const RIGHTS = {
        containers: {
                action: "manage",
                title: () => _("Read-only: you are not allowed to manage containers"),
                text: () => _("sysctrd refused the action: $0 Ask an administrator for the polkit right to manage containers."),
        },
        networks: {
                action: "manage-networks",
                title: () => _("Read-only: you are not allowed to manage networks"),
                text: () => _("sysctrd refused the action: $0 Ask an administrator for the polkit right to manage networks."),
        },
        volumes: {
                action: "manage-volumes",
                title: () => _("Read-only: you are not allowed to manage volumes"),
                text: () => _("sysctrd refused the action: $0 Ask an administrator for the polkit right to manage volumes."),
        },
};

// The views of the navigation: [route, id, label].
const VIEWS = [
        ["", "containers", () => _("Containers")],
        ["networks", "networks", () => _("Networks")],
        ["volumes", "volumes", () => _("Volumes")],
];

class App {
        constructor(root) {
                this.sysctr = new Sysctr();
                this.alerts = h("div.ct-alerts", { id: "alerts" });
                this.banner = h("div", { id: "banner" });
                this.nav = h("nav.pf-c-tabs.ct-nav", { id: "nav", "aria-label": _("Views") });
                this.main = h("main.ct-page");
                this.view = null;
                this.dialog = null;
                // right → its first refusal: those actions are off from then on.
                this.denied = new Map();
                replaceChildren(root, this.banner, this.alerts, this.nav, this.main);

                this.sysctr.addEventListener("changed", () => this.update());
                cockpit.addEventListener("locationchanged", () => this.route());
        }

        async start() {
                try {
                        await this.sysctr.start();
                } catch (e) {
                        this.showError(_("Cannot connect to sysctrd"), e);
                }
                this.route();
                document.body.dataset.ready = "1";
        }

        route() {
                const path = cockpit.location.path;
                this.renderNav(["networks", "volumes"].includes(path[0]) ? path[0] : "containers");
                if (path[0] === "container" && path[1]) {
                        if (this.view instanceof DetailsView && this.view.route(path[1], path[2]))
                                return;
                        this.show(new DetailsView(this, path[1], path[2]));
                } else if (path[0] === "networks") {
                        if (!(this.view instanceof NetworksView))
                                this.show(new NetworksView(this));
                } else if (path[0] === "volumes") {
                        if (!(this.view instanceof VolumesView))
                                this.show(new VolumesView(this));
                } else if (!(this.view instanceof ListView)) {
                        this.show(new ListView(this));
                }
        }

        renderNav(current) {
                replaceChildren(this.nav, h("ul.pf-c-tabs__list", VIEWS.map(([route, id, label]) =>
                        h("li.pf-c-tabs__item" + (id === current ? ".pf-m-current" : ""),
                          h("a.pf-c-tabs__link", { href: "#/" + route, id: "nav-" + id,
                                                   "aria-current": id === current ? "page" : null }, label())))));
        }

        show(view) {
                if (this.view)
                        this.view.unmount();
                this.view = view;
                view.mount(this.main);
        }

        update() {
                this.renderBanner();
                if (this.view)
                        this.view.update();
                if (this.dialog)
                        this.dialog.update();
        }

        // sysctrd gone, or the rights that polkit refused (one alert each).
        renderBanner() {
                let alerts;
                if (this.sysctr.closed || this.sysctr.owner === null)
                        alerts = [alert("warning", _("sysctrd is not running"),
                                        this.sysctr.closed ? cockpit.message({ problem: this.sysctr.closed }) : null)];
                else
                        alerts = [...this.denied].map(([right, e]) =>
                                alert("warning", RIGHTS[right].title(), format(RIGHTS[right].text(), e.message)));
                const key = alerts.map(a => a.textContent).join("\n");
                if (this.banner.dataset.shown !== key) {
                        replaceChildren(this.banner, alerts);
                        this.banner.dataset.shown = key;
                }
        }

        // right: "containers" (org.sysctr1.manage-containers), "networks" (manage-networks) or
        // "volumes" (manage-volumes).
        showError(title, e, right = "containers") {
                const el = alert("danger", title, e.message, () => el.remove());
                this.alerts.append(el);
                if (e.accessDenied)
                        this.noteAccessDenied(e, right);
        }

        // polkit said no: say so once, clearly, and turn that right's actions off. Reading goes on.
        noteAccessDenied(e, right = "containers") {
                if (this.denied.has(right))
                        return;
                this.denied.set(right, e);
                document.body.classList.add("ct-read-only");
                this.renderBanner();
                this.applyReadOnly(document.body);
        }

        // Buttons that change something carry data-action="manage" (containers), "manage-networks"
        // or "manage-volumes"; they are disabled once polkit has refused that right.
        applyReadOnly(el) {
                for (const right of this.denied.keys())
                        el.querySelectorAll(`[data-action="${RIGHTS[right].action}"]`).forEach(b => {
                                b.disabled = true;
                                b.title = _("Not allowed");
                        });
        }

        // Whether polkit has refused that right already.
        readOnly(right = "containers") {
                return this.denied.has(right);
        }

        async containerAction(c, verb) {
                const labels = {
                        Start: _("Cannot start $0"),
                        Stop: _("Cannot stop $0"),
                        Restart: _("Cannot restart $0"),
                };
                try {
                        const [job] = await this.sysctr.containerCall(c, verb);
                        await this.sysctr.runJob(job);
                } catch (e) {
                        if (!e.canceled)
                                this.showError(format(labels[verb], c.Name), e);
                }
        }

        openCreateDialog() {
                this.dialog = new CreateDialog(this);
                this.dialog.open();
        }

        dialogClosed(dialog) {
                if (this.dialog === dialog)
                        this.dialog = null;
        }
}

const app = new App(document.getElementById("app"));
window.addEventListener("unhandledrejection", ev => {
        if (ev.reason instanceof BusError)
                app.showError(_("Error"), ev.reason);
});
cockpit.translate();
app.start();
