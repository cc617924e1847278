// SPDX-License-Identifier: LGPL-2.1-or-later
// Translations: the strings of this page are part of the project's po/ (po/POTFILES.in lists these
// files); "make" turns po/LANG.po into po.LANG.js, which Cockpit loads for the user's language
// before this module runs (index.html).
const cockpit = window.cockpit;

export const _ = cockpit.gettext;

// Marks a string for translation where it is defined and translates it where it is shown.
export function N_(s) {
        return s;
}

// cockpit.format: "$0", "$1" or "${name}" placeholders.
export function format(fmt, ...args) {
        return cockpit.format(fmt, args.length === 1 && typeof args[0] === "object" ? args[0] : args);
}

// A message shared with the command-line tool keeps its C form ("%s"), so that one translation in
// po/ serves both and the page says exactly what the CLI says.
export function cformat(fmt, ...args) {
        let i = 0;
        return fmt.replace(/%s/g, () => String(args[i++]));
}
