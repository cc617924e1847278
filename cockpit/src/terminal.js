// SPDX-License-Identifier: LGPL-2.1-or-later
// A shell in the container, or its console, in an xterm.js terminal.
//
// Cockpit's D-Bus channel cannot carry file descriptors, and OpenContainerShell and
// OpenContainerConsole hand back one (a pty, a socket). So the terminal runs "sysctr shell NAME" or
// "sysctr console NAME" on a pty of Cockpit's bridge: the CLI makes those calls on the page's behalf,
// as the same user, authorized by polkit in the same way.
import { xterm, fit } from "../xterm.js";
import { h, replaceChildren } from "./dom.js";
import { _, format } from "./i18n.js";
import { alert, button } from "./ui.js";

const cockpit = window.cockpit;
let fitApplied = false;

export class TerminalView {
        constructor(app, name, kind) {
                this.app = app;
                this.name = name;
                this.kind = kind;          // "shell" or "console"
                this.screen = h("div.ct-terminal", { id: kind === "shell" ? "terminal" : "console" });
                this.status = h("div.ct-terminal__status", { "aria-live": "polite" });
                this.el = h("section.ct-card.ct-terminal-card",
                            h("div.ct-card__header",
                              h("p.ct-terminal__hint", kind === "console"
                                      ? _("The container's console: one session at a time may be attached.")
                                      : _("A login shell as root inside the container.")),
                              button(_("Reconnect"), "secondary", () => this.connect(), { id: kind + "-reconnect" })),
                            this.status, this.screen);
                this.channel = null;
                this.onResize = () => this.fit();
        }

        mount(parent) {
                if (!fitApplied) {
                        xterm.Terminal.applyAddon(fit);
                        fitApplied = true;
                }
                parent.append(this.el);
                this.term = new xterm.Terminal({ cols: 80, rows: 24, screenKeys: true, cursorBlink: true,
                                                    fontFamily: "RedHatMono, Menlo, Monaco, Consolas, monospace",
                                                    fontSize: 14,
                                                    // The rows as text in the DOM too, for screen readers (and tests).
                                                    screenReaderMode: true });
                this.term.open(this.screen);
                this.term.on("data", data => {
                        if (this.channel && this.channel.valid)
                                this.channel.send(data);
                });
                this.term.on("resize", ({ cols, rows }) => {
                        if (this.channel && this.channel.valid)
                                this.channel.control({ window: { rows, cols } });
                });
                window.addEventListener("resize", this.onResize);
                this.fit();
                this.connect();
                this.term.focus();
        }

        fit() {
                try {
                        this.term.fit();
                } catch (e) {
                        // Not laid out yet: keep 80x24.
                }
        }

        connect() {
                if (this.channel)
                        this.channel.close();
                this.term.reset();
                replaceChildren(this.status);
                const channel = cockpit.channel({
                        payload: "stream",
                        spawn: ["sysctr", this.kind, this.name],
                        pty: true,
                        environ: ["TERM=xterm-256color"],
                        window: { rows: this.term.rows, cols: this.term.cols },
                        err: "out",
                });
                channel.addEventListener("message", (ev, data) => this.term.write(data));
                channel.addEventListener("close", (ev, options) => {
                        if (this.channel !== channel)
                                return;
                        this.channel = null;
                        const how = options.problem
                                ? cockpit.message(options)
                                : format(_("exit status $0"), options["exit-status"] ?? options["exit-signal"] ?? 0);
                        this.term.write("\r\n");
                        replaceChildren(this.status, alert(options.problem || options["exit-status"] ? "warning" : "info",
                                                           format(_("The session ended ($0)."), how), null));
                });
                this.channel = channel;
        }

        unmount() {
                window.removeEventListener("resize", this.onResize);
                if (this.channel) {
                        const c = this.channel;
                        this.channel = null;
                        c.close();
                }
                this.term.destroy();
                this.el.remove();
        }
}
