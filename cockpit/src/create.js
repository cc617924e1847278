// SPDX-License-Identifier: LGPL-2.1-or-later
// "Create container": a template, a name checked as it is typed (the CLI's rule and message),
// limits, autostart, its networks, published ports and volumes (these two checked as typed, with
// the CLI's messages). The work shows the job's progress
// (an image build when the template's image is not cached yet, then the start) and can be canceled.
import { IFACE, variant } from "./api.js";
import { h, replaceChildren } from "./dom.js";
import { _, format } from "./i18n.js";
import { checkContainerName, checkPortSpec, checkVolumeSpec } from "./names.js";
import { alert, button, field, JobWidget, modal, setBusy, textInput } from "./ui.js";

function checkboxes(id, names) {
        return h("div.ct-choices", { id },
                 names.map(n => h("label.pf-c-check", h("input.pf-c-check__input", { type: "checkbox", value: n }),
                                  " ", n)));
}

function checked(el) {
        return el ? [...el.querySelectorAll("input:checked")].map(i => i.value) : [];
}

export class CreateDialog {
        constructor(app) {
                this.app = app;
                this.sysctr = app.sysctr;
                this.job = null;
                this.busy = false;
        }

        async open() {
                this.dialog = modal(_("Create container"), { onclose: () => this.onClose() });
                this.dialog.el.id = "create-dialog";
                const s = this.sysctr;
                this.name = textInput("create-name", { oninput: () => this.checkName(), required: true });
                this.nameError = h("p.pf-c-form__helper-text.pf-m-error", { id: "create-name-error", "aria-live": "polite" });
                this.template = h("select.pf-c-form-control", { id: "create-template" });
                this.release = textInput("create-release", { placeholder: _("template's default") });
                this.memory = textInput("create-memory", { placeholder: _("no limit"), inputmode: "numeric" });
                this.cpus = textInput("create-cpus", { placeholder: _("no limit"), inputmode: "decimal" });
                this.pids = textInput("create-pids", { placeholder: _("no limit"), inputmode: "numeric" });
                this.autostart = h("input.pf-c-check__input", { id: "create-autostart", type: "checkbox" });
                this.startAfter = h("input.pf-c-check__input", { id: "create-start", type: "checkbox", checked: true });
                const networks = s.list(IFACE.NETWORK).map(n => n.Name);
                const volumes = s.list(IFACE.VOLUME).map(v => v.Name);
                this.networks = networks.length ? checkboxes("create-networks", networks) : null;
                this.publish = textInput("create-publish", { oninput: () => this.checkName(),
                                                             placeholder: "8080:80 127.0.0.1:5353:53/udp" });
                this.publishError = h("p.pf-c-form__helper-text.pf-m-error", { id: "create-publish-error", "aria-live": "polite" });
                this.volumes = textInput("create-volumes", { oninput: () => this.checkName(),
                                                             placeholder: volumes.length ? volumes[0] + ":/srv/data" : "" });
                this.volumesError = h("p.pf-c-form__helper-text.pf-m-error", { id: "create-volumes-error", "aria-live": "polite" });
                this.status = h("div.ct-dialog-status", { "aria-live": "polite" });

                const form = h("form.pf-c-form.pf-m-horizontal", { id: "create-form", novalidate: true,
                                                                   onsubmit: ev => { ev.preventDefault(); this.create() } },
                               field("create-name", _("Name"), h("div", this.name, this.nameError)),
                               field("create-template", _("Template"), this.template),
                               field("create-release", _("Release"), this.release),
                               field("create-memory", _("Memory limit"), this.memory, _("Bytes, or with a unit: 512M, 2G")),
                               field("create-cpus", _("CPU limit"), this.cpus, _("CPUs, for example 1.5")),
                               field("create-pids", _("Task limit"), this.pids),
                               this.networks ? field("create-networks", _("Networks"), this.networks,
                                                     _("None chosen: the default network. Of those chosen, the first in this list has the default route.")) : null,
                               field("create-publish", _("Published ports"), h("div", this.publish, this.publishError),
                                     _("Host port to container port, separated by spaces: 8080:80, 127.0.0.1:5353:53/udp. On the first bridge network.")),
                               volumes.length ? field("create-volumes", _("Volumes"), h("div", this.volumes, this.volumesError),
                                                      format(_("VOLUME:PATH[:ro], separated by spaces. Volumes: $0."), volumes.join(", "))) : null,
                               h("div.pf-c-form__group",
                                 h("label.pf-c-check", this.autostart, " ", _("Start at boot"))),
                               h("div.pf-c-form__group",
                                 h("label.pf-c-check", this.startAfter, " ", _("Start after creating"))));
                this.createButton = button(_("Create"), "primary", () => this.create(), { id: "create-submit" });
                this.closeButton = button(_("Close"), "link", () => this.dialog.close(), { id: "create-close" });
                replaceChildren(this.dialog.body, form, this.status);
                replaceChildren(this.dialog.footer, this.createButton, this.closeButton);
                this.name.focus();
                this.checkName();

                try {
                        const [templates] = await s.manager("ListTemplates");
                        replaceChildren(this.template, templates.map(([name, description]) =>
                                h("option", { value: name, title: description }, name)));
                } catch (e) {
                        this.showError(_("Cannot list the templates"), e);
                }
        }

        // "8080:80, 53:53/udp" → ["8080:80", "53:53/udp"]
        ports() {
                return this.publish.value.split(/[\s,]+/).filter(Boolean);
        }

        // "data:/srv/data logs:/var/log/app:ro" → ["data:/srv/data", "logs:/var/log/app:ro"]
        volumeSpecs() {
                return this.volumes.value.split(/[\s,]+/).filter(Boolean);
        }

        // As the user types: the first character typed shows whether the name (and the ports) will do.
        checkName() {
                const name = this.name.value;
                const message = name === "" ? null : checkContainerName(name);
                this.nameError.textContent = message || "";
                this.name.setAttribute("aria-invalid", message ? "true" : "false");
                const portMessage = this.ports().map(checkPortSpec).find(m => m) || null;
                this.publishError.textContent = portMessage || "";
                this.publish.setAttribute("aria-invalid", portMessage ? "true" : "false");
                const volumeMessage = this.volumeSpecs().map(checkVolumeSpec).find(m => m) || null;
                this.volumesError.textContent = volumeMessage || "";
                this.volumes.setAttribute("aria-invalid", volumeMessage ? "true" : "false");
                this.createButton.disabled = this.busy || name === "" || message !== null || portMessage !== null ||
                        volumeMessage !== null;
        }

        options() {
                const o = {};
                const text = (key, el) => {
                        const v = el.value.trim();
                        if (v !== "")
                                o[key] = variant("s", v);
                };
                text("release", this.release);
                text("memory", this.memory);
                text("cpus", this.cpus);
                text("pids", this.pids);
                if (this.autostart.checked)
                        o.autostart = variant("b", true);
                // The options of CreateContainer (docs/dbus-api.md): networks as names (sysctrd picks
                // the addresses), publish as "[ADDR:]HOST:CONTAINER[/PROTO]", volumes as
                // "VOLUME:TARGET[:ro]".
                if (checked(this.networks).length)
                        o.networks = variant("as", checked(this.networks));
                if (this.ports().length)
                        o.publish = variant("as", this.ports());
                if (this.volumeSpecs().length)
                        o.volumes = variant("as", this.volumeSpecs());
                return o;
        }

        setBusy(busy) {
                this.busy = busy;
                setBusy(this.dialog.el, busy);
                this.dialog.el.querySelectorAll("form input, form select").forEach(i => { i.disabled = busy });
                this.checkName();
        }

        showError(title, e) {
                replaceChildren(this.status, alert("danger", title, e.message));
                if (e.accessDenied)
                        this.app.noteAccessDenied(e);
        }

        // Shows the job's progress until it ends; throws as the blocking call would.
        async follow(job) {
                this.job = job;
                this.renderJob();
                try {
                        return await this.sysctr.runJob(job);
                } finally {
                        this.job = null;
                }
        }

        renderJob() {
                const j = this.job ? this.sysctr.get(this.job, IFACE.JOB) : null;
                if (!j)
                        return;
                if (this.widget && this.widget.el.dataset.job === j.path && this.widget.el.isConnected) {
                        this.widget.update(j);
                        return;
                }
                this.widget = new JobWidget(this.sysctr, j, { onError: e => this.showError(_("Cannot cancel"), e) });
                replaceChildren(this.status, this.widget.el);
        }

        update() {
                this.renderJob();
        }

        async create() {
                const name = this.name.value;
                if (this.busy || checkContainerName(name) || this.ports().some(checkPortSpec) ||
                    this.volumeSpecs().some(checkVolumeSpec))
                        return;
                this.setBusy(true);
                replaceChildren(this.status);
                let step = _("Cannot create the container");
                try {
                        const [path] = await this.sysctr.manager("CreateContainer", name, this.template.value, this.options());
                        // The template's image may be built first: the container is "creating" with a job.
                        const props = await this.sysctr.getAll(path, IFACE.CONTAINER);
                        if (props.Job && props.Job !== "/")
                                await this.follow(props.Job);
                        if (this.startAfter.checked) {
                                step = _("Cannot start the container");
                                const [job] = await this.sysctr.call(path, IFACE.CONTAINER, "Start");
                                await this.follow(job);
                        }
                        this.dialog.close();
                } catch (e) {
                        if (e.canceled)
                                replaceChildren(this.status, alert("info", _("Canceled"), e.message));
                        else
                                this.showError(step, e);
                        this.setBusy(false);
                }
        }

        onClose() {
                // Closing the dialog does not cancel: the work goes on and the list shows its job.
                this.app.dialogClosed(this);
        }
}
