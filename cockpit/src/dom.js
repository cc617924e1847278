// SPDX-License-Identifier: LGPL-2.1-or-later
// Building the page from data without innerHTML: every text goes in as a text node, so a name or a
// log line can never become markup.

// h("tag.class1.class2", { attr: value, onclick: fn, dataset: {...} }, child...)
export function h(spec, attrs, ...children) {
        const [tag, ...classes] = spec.split(".");
        const el = document.createElement(tag || "div");
        if (classes.length)
                el.className = classes.join(" ");
        if (attrs && (typeof attrs !== "object" || attrs instanceof Node || Array.isArray(attrs))) {
                children.unshift(attrs);
                attrs = null;
        }
        for (const [k, v] of Object.entries(attrs || {})) {
                if (v === undefined || v === null || v === false)
                        continue;
                if (k.startsWith("on") && typeof v === "function")
                        el.addEventListener(k.slice(2), v);
                else if (k === "dataset")
                        Object.assign(el.dataset, v);
                else if (k === "value" || k === "checked" || k === "disabled")
                        el[k] = v;
                else
                        el.setAttribute(k, v === true ? "" : String(v));
        }
        append(el, children);
        return el;
}

function append(el, children) {
        for (const c of children) {
                if (c === undefined || c === null || c === false)
                        continue;
                if (Array.isArray(c))
                        append(el, c);
                else
                        el.append(c instanceof Node ? c : document.createTextNode(String(c)));
        }
}

export function replaceChildren(el, ...children) {
        el.textContent = "";
        append(el, children);
        return el;
}
