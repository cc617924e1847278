// SPDX-License-Identifier: LGPL-2.1-or-later
// Small widgets in PatternFly's manner: alerts, a modal dialog, a state label, a job's progress.
import { IFACE } from "./api.js";
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

export function button(label, kind, onclick, attrs = {}) {
        return h("button.pf-c-button.pf-m-" + kind, { type: "button", onclick, ...attrs }, label);
}

// A job in progress: what it does, a progress bar (moving when the job cannot tell how far it
// is), and Cancel. Re-rendered by the caller when the job's properties change.
export function jobProgress(sysctr, job, { onError } = {}) {
        const known = job.Progress >= 0;
        const pct = known ? Math.round(job.Progress * 100) : null;
        const cancel = button(_("Cancel"), "link", async () => {
                cancel.disabled = true;
                try {
                        await sysctr.cancelJob(job.path);
                } catch (e) {
                        cancel.disabled = false;
                        if (onError)
                                onError(e);
                }
        }, { dataset: { action: "cancel-job" } });
        // Through the CSSOM: Cockpit's Content Security Policy refuses style attributes in markup.
        const indicator = h("div.pf-c-progress__indicator");
        if (known)
                indicator.style.width = pct + "%";
        return h("div.ct-job", { dataset: { job: job.path, type: job.Type, target: job.Target } },
                 h("div.ct-job__label", jobLabel(job),
                   job.State === "waiting" ? h("span.ct-job__waiting", " " + _("(waiting)")) : null),
                 h("div.pf-c-progress" + (known ? "" : ".pf-m-indeterminate"),
                   { role: "progressbar", "aria-valuemin": "0", "aria-valuemax": "100",
                     "aria-valuenow": known ? String(pct) : null },
                   h("div.pf-c-progress__bar", indicator)),
                 h("span.ct-job__percent", known ? pct + " %" : ""),
                 cancel);
}

// The jobs of the manager now, for the list page.
export function jobsPanel(sysctr, onError) {
        const jobs = sysctr.list(IFACE.JOB);
        if (jobs.length === 0)
                return null;
        return h("section.ct-jobs", { "aria-label": _("Jobs") },
                 jobs.map(j => jobProgress(sysctr, j, { onError })));
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
