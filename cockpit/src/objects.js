// SPDX-License-Identifier: LGPL-2.1-or-later
// Volumes: shown as soon as sysctrd exports org.sysctr1.Volume objects (the storage work adds
// them), until they have a view of their own as networks have (networks.js). Each kind is one entry
// of KINDS: its interface, its title and the properties it shows first; any other simple property
// is shown too, so a property added to the API appears here without a change to the page.
import { IFACE } from "./api.js";
import { h } from "./dom.js";
import { _, N_ } from "./i18n.js";

export const KINDS = [
        {
                id: "volumes",
                iface: IFACE.VOLUME,
                title: N_("Volumes"),
                columns: [["Name", N_("Name")], ["Type", N_("Type")], ["Size", N_("Size")], ["Path", N_("Path")]],
        },
];

function showValue(v) {
        if (Array.isArray(v))
                return v.join(", ");
        if (typeof v === "boolean")
                return v ? _("yes") : _("no");
        return String(v);
}

function isSimple(v) {
        return ["string", "number", "boolean"].includes(typeof v) ||
                (Array.isArray(v) && v.every(x => typeof x !== "object"));
}

export function objectTable(kind, objects) {
        const present = new Set(objects.flatMap(o => Object.keys(o)));
        const columns = kind.columns.filter(([p]) => present.has(p));
        const known = new Set(kind.columns.map(([p]) => p));
        const extra = [...present].filter(p => p !== "path" && !known.has(p) &&
                                               objects.every(o => o[p] === undefined || isSimple(o[p]))).sort();
        const all = [...columns.map(([p, label]) => [p, _(label)]), ...extra.map(p => [p, p])];
        return h("section.ct-card", { id: kind.id, dataset: { kind: kind.id } },
                 h("h2.ct-card__title", _(kind.title)),
                 h("table.pf-c-table.pf-m-compact", { "aria-label": _(kind.title) },
                   h("thead", h("tr", all.map(([, label]) => h("th", label)))),
                   h("tbody", objects.map(o => h("tr", { dataset: { name: o.Name ?? "" } },
                                                 all.map(([p]) => h("td", { dataset: { label: p } },
                                                                    o[p] === undefined ? "" : showValue(o[p]))))))));
}

// The sections of every kind that has objects now.
export function objectSections(sysctr) {
        return KINDS.map(kind => [kind, sysctr.list(kind.iface)])
                .filter(([, objects]) => objects.length > 0)
                .map(([kind, objects]) => objectTable(kind, objects));
}

// The names of the objects of a kind, for choices in the create dialog.
export function objectNames(sysctr, iface) {
        return sysctr.list(iface).map(o => o.Name).filter(Boolean);
}
