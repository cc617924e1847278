// SPDX-License-Identifier: LGPL-2.1-or-later
// The page: connects to sysctrd, routes between the list and a container's view
// (#/, #/container/NAME[/TAB]), and keeps one place for errors and for polkit's refusals.
import { BusError, Sysctr } from "./api.js";
import { CreateDialog } from "./create.js";
import { DetailsView } from "./details.js";
import { h, replaceChildren } from "./dom.js";
import { _, N_, format } from "./i18n.js";
import { ListView } from "./list.js";
import { alert } from "./ui.js";

const cockpit = window.cockpit;

// The menu entry of manifest.json, so that po/ carries its translation.
N_("Containers");

class App {
        constructor(root) {
                this.sysctr = new Sysctr();
                this.alerts = h("div.ct-alerts", { id: "alerts" });
                this.banner = h("div", { id: "banner" });
                this.main = h("main.ct-page");
                this.view = null;
                this.dialog = null;
                this.denied = null;        // the first refusal: the page is read-only from then on
                replaceChildren(root, this.banner, this.alerts, this.main);

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
                if (path[0] === "container" && path[1]) {
                        if (this.view instanceof DetailsView && this.view.route(path[1], path[2]))
                                return;
                        this.show(new DetailsView(this, path[1], path[2]));
                } else if (!(this.view instanceof ListView)) {
                        this.show(new ListView(this));
                }
        }

        show(view) {
                if (this.view)
                        this.view.unmount();
                this.view = view;
                view.mount(this.main);
        }

        update() {
                if (this.sysctr.closed || this.sysctr.owner === null)
                        replaceChildren(this.banner, alert("warning", _("sysctrd is not running"),
                                                           this.sysctr.closed ? cockpit.message({ problem: this.sysctr.closed }) : null));
                else if (!this.denied)
                        replaceChildren(this.banner);
                if (this.view)
                        this.view.update();
                if (this.dialog)
                        this.dialog.update();
        }

        showError(title, e) {
                const el = alert("danger", title, e.message, () => el.remove());
                this.alerts.append(el);
                if (e.accessDenied)
                        this.noteAccessDenied(e);
        }

        // polkit said no: say so once, clearly, and turn every action off. Reading goes on.
        noteAccessDenied(e) {
                if (this.denied)
                        return;
                this.denied = e;
                document.body.classList.add("ct-read-only");
                replaceChildren(this.banner, alert("warning", _("Read-only: you are not allowed to manage containers"),
                                                   format(_("sysctrd refused the action: $0 Ask an administrator for the polkit right to manage containers."),
                                                          e.message)));
                this.applyReadOnly(document.body);
        }

        // Buttons that change something carry data-action="manage"; they are disabled once polkit
        // has refused.
        applyReadOnly(el) {
                if (!this.denied)
                        return;
                el.querySelectorAll('[data-action="manage"]').forEach(b => {
                        b.disabled = true;
                        b.title = _("Not allowed");
                });
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
