// SPDX-License-Identifier: LGPL-2.1-or-later
// Small widgets in PatternFly's manner: alerts, a modal dialog, a state label, a job's progress.
import { h, replaceChildren } from "./dom.js";
import { jobLabel, stateLabel } from "./format.js";
import { _ } from "./i18n.js";

// An inline alert: kind "danger", "warning", "info", "success".
export function alert(kind, title, text, onclose) {
        const el = h("div.pf-c-alert.pf-m-" + kind, { role: "alert", dataset: { kind } },
                     h("p.pf-c-alert__title", title),
                     text ? h("div.pf-c-alert__description", text) : null);
        if (onclose)
                el.append(h("button.pf-c-button.pf-m-plain.pf-c-alert__close",
                            { type: "button", "aria-label": _("Close"), onclick: onclose }, "×"));
        return el;
}

export function stateBadge(state) {
        return h("span.ct-state.ct-state-" + (state || "unknown"), { dataset: { state } }, stateLabel(state));
}

// A modal dialog. Returns { el, body, footer, close() }; the dialog is removed on close.
export function modal(title, { onclose } = {}) {
        const body = h("div.pf-c-modal-box__body");
        const footer = h("footer.pf-c-modal-box__footer");
        const box = h("div.pf-c-modal-box", { role: "dialog", "aria-modal": "true", "aria-label": title },
                      h("header.pf-c-modal-box__header", h("h1.pf-c-modal-box__title", title)),
                      body, footer);
        const backdrop = h("div.pf-c-backdrop", box);
        const dialog = {
                el: box,
                body,
                footer,
                close() {
                        backdrop.remove();
                        document.removeEventListener("keydown", onKey);
                        if (onclose)
                                onclose();
                },
        };
        function onKey(ev) {
                if (ev.key === "Escape" && !box.querySelector("[data-busy]"))
                        dialog.close();
        }
        document.addEventListener("keydown", onKey);
        document.body.append(backdrop);
        return dialog;
}

// A labelled form group of a horizontal form, with an optional helper text.
export function field(id, label, input, help) {
        return h("div.pf-c-form__group",
                 h("label.pf-c-form__label", { for: id }, label),
                 input,
                 help ? h("p.pf-c-form__helper-text", { id: id + "-helper" }, help) : null);
}

export function textInput(id, attrs = {}) {
        return h("input.pf-c-form-control", { id, type: "text", autocomplete: "off", spellcheck: "false", ...attrs });
}

export function button(label, kind, onclick, attrs = {}) {
        return h("button.pf-c-button.pf-m-" + kind, { type: "button", onclick, ...attrs }, label);
}

// A job in progress: what it does, a progress bar (moving when the job cannot tell how far it
// is), and Cancel. Made once per job and updated in place, so that Cancel stays the same button
// (and keeps focus) while the progress moves.
export class JobWidget {
        constructor(sysctr, job, { onError } = {}) {
                this.label = h("div.ct-job__label");
                this.indicator = h("div.pf-c-progress__indicator");
                this.bar = h("div.pf-c-progress", { role: "progressbar", "aria-valuemin": "0", "aria-valuemax": "100" },
                             h("div.pf-c-progress__bar", this.indicator));
                this.percent = h("span.ct-job__percent");
                this.cancel = button(_("Cancel"), "link", async () => {
                        this.cancel.disabled = true;
                        try {
                                await sysctr.cancelJob(job.path);
                        } catch (e) {
                                this.cancel.disabled = false;
                                if (onError)
                                        onError(e);
                        }
                }, { dataset: { action: "manage", verb: "cancel" } });
                this.el = h("div.ct-job", { dataset: { job: job.path, type: job.Type, target: job.Target } },
                            this.label, this.bar, this.percent, this.cancel);
                this.update(job);
        }

        update(job) {
                const known = job.Progress >= 0;
                const pct = known ? Math.round(job.Progress * 100) : null;
                replaceChildren(this.label, jobLabel(job),
                                job.State === "waiting" ? h("span.ct-job__waiting", " " + _("(waiting)")) : null);
                this.bar.classList.toggle("pf-m-indeterminate", !known);
                if (known)
                        this.bar.setAttribute("aria-valuenow", String(pct));
                else
                        this.bar.removeAttribute("aria-valuenow");
                // Through the CSSOM: Cockpit's Content Security Policy refuses style attributes.
                this.indicator.style.width = known ? pct + "%" : "";
                this.percent.textContent = known ? pct + " %" : "";
        }
}

// A list of job widgets kept in step with a list of jobs (by object path).
export class JobList {
        constructor(sysctr, onError) {
                this.sysctr = sysctr;
                this.onError = onError;
                this.widgets = new Map();
                this.el = h("section.ct-jobs", { "aria-label": _("Jobs") });
        }

        update(jobs) {
                const seen = new Set();
                for (const job of jobs) {
                        seen.add(job.path);
                        let w = this.widgets.get(job.path);
                        if (w)
                                w.update(job);
                        else
                                this.widgets.set(job.path, w = new JobWidget(this.sysctr, job, { onError: this.onError }));
                        this.el.append(w.el);   // moves it into order; a node is never made twice
                }
                for (const [path, w] of this.widgets)
                        if (!seen.has(path)) {
                                w.el.remove();
                                this.widgets.delete(path);
                        }
                this.el.hidden = jobs.length === 0;
                return this.el;
        }
}

export function setBusy(el, busy) {
        if (busy)
                el.dataset.busy = "1";
        else
                delete el.dataset.busy;
}

export function emptyState(text) {
        return h("div.pf-c-empty-state", h("p", text));
}

export { replaceChildren };
