// SPDX-License-Identifier: LGPL-2.1-or-later
// The "Volumes" view (#/volumes): every volume of sysctrd with how it is stored, its size, the
// containers that use it and when it was made, live through the ObjectManager; creating one (the
// name checked as it is typed with the CLI's rule and message, a size with the CLI's), deleting
// one after a confirmation (sysctrd refuses while containers use it, and the page shows its
// message).
//
// These actions are polkit's org.sysctr1.manage-volumes, a right apart: their buttons carry
// data-action="manage-volumes" (app.js).
import { IFACE, variant } from "./api.js";
import { h, replaceChildren } from "./dom.js";
import * as fmt from "./format.js";
import { _, format } from "./i18n.js";
import { checkSize, checkVolumeName } from "./names.js";
import { alert, button, emptyState, field, modal, setBusy, textInput } from "./ui.js";

const RIGHT = "volumes";
const ACTION = "manage-volumes";

function containerLinks(names) {
        const out = [];
        for (const n of names || []) {
                if (out.length)
                        out.push(", ");
                out.push(h("a", { href: "#/container/" + encodeURIComponent(n) }, n));
        }
        return out;
}

// How the size is kept, as "sysctr volume show" says it.
function backendText(v) {
        if (v.Backend === "loop")
                return _("loop: an ext4 image, its size is the limit");
        if (v.Backend === "directory")
                return _("directory: no size limit");
        return v.Backend || "";
}

class VolumeRow {
        constructor(view, name) {
                this.view = view;
                const cell = label => h("td", { dataset: { label } });
                this.cells = {
                        name: h("td", { dataset: { label: "name" } }, name),
                        backend: cell("backend"),
                        size: cell("size"),
                        users: cell("users"),
                        created: cell("created"),
                };
                this.delete = button(_("Delete"), "secondary", () => this.view.confirmDelete(this.v),
                                     { dataset: { action: ACTION, verb: "delete" } });
                this.el = h("tr", { dataset: { name } }, Object.values(this.cells), h("td.ct-actions", this.delete));
        }

        update(v) {
                this.v = v;
                const shown = JSON.stringify([v.Backend, v.Size, v.UsedBy, v.CreationTimestamp]);
                if (this.el.dataset.shown === shown)
                        return;
                this.el.dataset.shown = shown;
                replaceChildren(this.cells.backend, backendText(v));
                replaceChildren(this.cells.size, v.Size ? fmt.bytes(v.Size) : "");
                this.cells.size.dataset.bytes = String(v.Size || 0);
                replaceChildren(this.cells.users, containerLinks(v.UsedBy));
                replaceChildren(this.cells.created, fmt.timestamp(v.CreationTimestamp));
        }
}

export class VolumesView {
        constructor(app) {
                this.app = app;
                this.sysctr = app.sysctr;
                this.rows = new Map();
                this.tbody = h("tbody");
                this.table = h("table.pf-c-table", { id: "volumes", "aria-label": _("Volumes") },
                               h("thead", h("tr",
                                            h("th", _("Name")), h("th", _("Storage")), h("th", _("Size")),
                                            h("th", _("Used by")), h("th", _("Created")),
                                            h("th", h("span.ct-sr-only", _("Actions"))))),
                               this.tbody);
                this.empty = emptyState(_("No volumes. A volume keeps data apart from any container, and outlives them."));
                this.el = h("div.ct-list",
                            h("section.ct-card",
                              h("div.ct-card__header",
                                h("h2.ct-card__title", _("Volumes")),
                                button(_("Create volume"), "primary", () => new VolumeCreateDialog(this).open(),
                                       { id: "create-volume", dataset: { action: ACTION } })),
                              this.table, this.empty));
        }

        mount(parent) {
                parent.append(this.el);
                this.update();
        }

        unmount() {
                this.el.remove();
        }

        update() {
                const volumes = this.sysctr.list(IFACE.VOLUME);
                const seen = new Set();
                for (const v of volumes) {
                        seen.add(v.Name);
                        let row = this.rows.get(v.Name);
                        if (!row)
                                this.rows.set(v.Name, row = new VolumeRow(this, v.Name));
                        row.update(v);
                        this.tbody.append(row.el);
                }
                for (const [name, row] of this.rows)
                        if (!seen.has(name)) {
                                row.el.remove();
                                this.rows.delete(name);
                        }
                this.table.hidden = volumes.length === 0;
                this.empty.hidden = volumes.length > 0;
                this.app.applyReadOnly(this.el);
        }

        confirmDelete(v) {
                const dialog = modal(format(_("Delete volume $0?"), v.Name));
                dialog.el.id = "volume-delete-dialog";
                const status = h("div", { "aria-live": "polite" });
                const users = v.UsedBy || [];
                replaceChildren(dialog.body,
                                h("p", _("Its files are removed for good.")),
                                users.length ? h("p", format(_("Used by: $0. sysctrd refuses to delete a volume in use."),
                                                             users.join(", "))) : null,
                                status);
                const confirm = button(_("Delete"), "danger", async () => {
                        confirm.disabled = true;
                        setBusy(dialog.el, true);
                        try {
                                await this.sysctr.manager("DeleteVolume", v.Name);
                                dialog.close();
                        } catch (e) {
                                replaceChildren(status, alert("danger", _("Cannot delete the volume"), e.message));
                                if (e.accessDenied)
                                        this.app.noteAccessDenied(e, RIGHT);
                                else
                                        confirm.disabled = false;
                        } finally {
                                setBusy(dialog.el, false);
                        }
                }, { id: "volume-delete-confirm", dataset: { action: ACTION } });
                replaceChildren(dialog.footer, confirm,
                                button(_("Cancel"), "link", () => dialog.close(), { id: "volume-delete-cancel" }));
                this.app.applyReadOnly(dialog.el);
        }
}

// "Create volume": a name and, if wanted, a size (then sysctrd makes an ext4 image of that size).
class VolumeCreateDialog {
        constructor(view) {
                this.view = view;
                this.app = view.app;
                this.sysctr = view.sysctr;
                this.busy = false;
        }

        open() {
                this.dialog = modal(_("Create volume"));
                this.dialog.el.id = "volume-create-dialog";
                this.name = textInput("volume-name", { oninput: () => this.check(), required: true });
                this.nameError = h("p.pf-c-form__helper-text.pf-m-error", { id: "volume-name-error", "aria-live": "polite" });
                this.size = textInput("volume-size", { oninput: () => this.check(), placeholder: _("no limit") });
                this.sizeError = h("p.pf-c-form__helper-text.pf-m-error", { id: "volume-size-error", "aria-live": "polite" });
                this.status = h("div.ct-dialog-status", { "aria-live": "polite" });
                const form = h("form.pf-c-form.pf-m-horizontal", { id: "volume-form", novalidate: true,
                                                                   onsubmit: ev => { ev.preventDefault(); this.create() } },
                               field("volume-name", _("Name"), h("div", this.name, this.nameError)),
                               field("volume-size", _("Size"), h("div", this.size, this.sizeError),
                                     _("Empty: a directory without a limit. A size, such as 512M or 2G: an ext4 image of that size, at least 16M.")));
                this.createButton = button(_("Create"), "primary", () => this.create(),
                                           { id: "volume-create-submit", dataset: { action: ACTION } });
                replaceChildren(this.dialog.body, form, this.status);
                replaceChildren(this.dialog.footer, this.createButton,
                                button(_("Close"), "link", () => this.dialog.close(), { id: "volume-create-close" }));
                this.name.focus();
                this.check();
        }

        check() {
                const name = this.name.value;
                const size = this.size.value.trim();
                const nameMessage = name === "" ? null : checkVolumeName(name);
                const sizeMessage = size === "" ? null : checkSize(size);
                this.nameError.textContent = nameMessage || "";
                this.name.setAttribute("aria-invalid", nameMessage ? "true" : "false");
                this.sizeError.textContent = sizeMessage || "";
                this.size.setAttribute("aria-invalid", sizeMessage ? "true" : "false");
                this.createButton.disabled = this.busy || name === "" || nameMessage !== null || sizeMessage !== null ||
                        this.app.readOnly(RIGHT);
        }

        async create() {
                if (this.busy || this.createButton.disabled)
                        return;
                this.busy = true;
                setBusy(this.dialog.el, true);
                this.check();
                replaceChildren(this.status);
                const size = this.size.value.trim();
                try {
                        await this.sysctr.manager("CreateVolume", this.name.value, size ? { size: variant("s", size) } : {});
                        this.dialog.close();
                } catch (e) {
                        replaceChildren(this.status, alert("danger", _("Cannot create the volume"), e.message));
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
