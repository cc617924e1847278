// SPDX-License-Identifier: LGPL-2.1-or-later
// A container's logs, following live, through WatchContainerLogs (docs/dbus-api.md): a watch object
// sends the lines as its signal Lines(as) once we subscribed and called its Start(); Stop() ends it
// (and so does leaving the bus, when the page is closed).
import { IFACE, ROOT_PATH } from "./api.js";
import { h, replaceChildren } from "./dom.js";
import { _ } from "./i18n.js";
import { alert } from "./ui.js";

const INITIAL_LINES = 200;
const MAX_LINES = 5000;

export class LogsView {
        constructor(app, name) {
                this.app = app;
                this.sysctr = app.sysctr;
                this.name = name;
                this.status = h("div", { "aria-live": "polite" });
                this.pre = h("pre.ct-logs", { id: "logs", tabindex: "0" });
                this.follow = h("input", { type: "checkbox", checked: true, id: "logs-follow" });
                this.el = h("section.ct-card",
                            h("div.ct-card__header",
                              h("label.pf-c-check", this.follow, " ", _("Scroll to new lines"))),
                            this.status, this.pre);
                this.watch = null;
                this.subscription = null;
                this.stopped = false;
        }

        mount(parent) {
                parent.append(this.el);
                this.start();
        }

        async start() {
                const s = this.sysctr;
                // Subscribed before the watch exists (matched on interface, filtered by path below):
                // no batch can come before we listen.
                this.subscription = s.subscribe({ interface: IFACE.LOGWATCH }, (path, iface, member, args) => {
                        if (path !== this.watch)
                                return;
                        if (member === "Lines")
                                this.append(args[0]);
                        else if (member === "Done")
                                this.watch = null;
                });
                try {
                        const [watch] = await s.call(ROOT_PATH, IFACE.MANAGER, "WatchContainerLogs",
                                                     [this.name, { lines: { t: "t", v: INITIAL_LINES },
                                                                   follow: { t: "b", v: true } }]);
                        if (this.stopped) {
                                s.call(watch, IFACE.LOGWATCH, "Stop").catch(() => {});
                                return;
                        }
                        this.watch = watch;
                        await s.call(watch, IFACE.LOGWATCH, "Start");
                } catch (e) {
                        const text = e.name === "org.freedesktop.DBus.Error.UnknownMethod"
                                ? _("This sysctrd cannot send logs to the page (it lacks WatchContainerLogs).")
                                : e.message;
                        // A refusal here (org.sysctr1.logs) says nothing about managing containers:
                        // the page does not turn read-only for it.
                        replaceChildren(this.status, alert("danger", _("Cannot show the logs"), text));
                }
        }

        append(lines) {
                const atEnd = this.follow.checked;
                this.pre.append(document.createTextNode(lines.map(l => l + "\n").join("")));
                // Keep the page light: the oldest text goes first.
                if (this.pre.childNodes.length > MAX_LINES / 10)
                        this.trim();
                if (atEnd)
                        this.pre.scrollTop = this.pre.scrollHeight;
        }

        trim() {
                const text = this.pre.textContent.split("\n");
                this.pre.textContent = text.slice(-MAX_LINES).join("\n");
        }

        unmount() {
                this.stopped = true;
                if (this.subscription)
                        this.subscription.remove();
                if (this.watch)
                        this.sysctr.call(this.watch, IFACE.LOGWATCH, "Stop").catch(() => {});
                this.watch = null;
                this.el.remove();
        }
}
