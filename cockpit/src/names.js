// SPDX-License-Identifier: LGPL-2.1-or-later
// Container names: the rule of common/name.c and the message of the CLI (ctl/ctl-bus.c), so that
// the page refuses a name as the user types it, exactly as "sysctr create" would.
import { _, cformat } from "./i18n.js";

const NAME_RE = /^[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?$/;
const ALL_DIGITS_RE = /^[0-9]+$/;

export function containerNameIsValid(name) {
        return NAME_RE.test(name) && !ALL_DIGITS_RE.test(name);
}

// The CLI's text, word for word (the same msgid, so the same translation).
export function invalidNameMessage(name) {
        return cformat(_('Invalid container name "%s": names are 1-63 characters of a-z, 0-9 and "-", ' +
                         'begin and end with a letter or digit, and are not all digits.'), name);
}

// null if the name is fine, the message otherwise.
export function checkContainerName(name) {
        return containerNameIsValid(name) ? null : invalidNameMessage(name);
}
