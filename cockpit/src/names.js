// SPDX-License-Identifier: LGPL-2.1-or-later
// Names and published ports: the rules of common/name.c and common/port-spec.c and the messages of
// the CLI (ctl/ctl-bus.c, ctl/verbs-network.c), so that the page refuses a value as the user types
// it, exactly as "sysctr create" or "sysctr network create" would.
import { _, cformat } from "./i18n.js";

const NAME_RE = /^[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?$/;
const ALL_DIGITS_RE = /^[0-9]+$/;
// Words of --network for namespace modes, never network names (common/name.c).
const NETWORK_WORDS = new Set(["host", "none", "container", "private"]);
// A bridge network's name is its bridge's: an interface name (IFNAMSIZ - 1, common/name.h).
export const IFNAME_MAX = 15;

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

export function networkNameIsValid(name) {
        return containerNameIsValid(name) && !NETWORK_WORDS.has(name);
}

// The rule of "sysctr network create" with its message; for a bridge also the length that
// sysctrd refuses (its bridge is named after it), with sysctrd's words.
export function checkNetworkName(name, type) {
        if (!networkNameIsValid(name))
                return cformat(_('Invalid network name "%s": names are 1-63 characters of a-z, 0-9 and "-", start and ' +
                                 'end with a letter or digit, are not all digits, and are not host, none, container or ' +
                                 'private.'), name);
        if (type === "bridge" && name.length > IFNAME_MAX)
                return cformat(_('Network name "%s" is too long for its bridge: bridge networks have names of at most ' +
                                 '15 characters.'), name);
        return null;
}

// Ports 1..65535, decimal without leading zeros.
function portIsValid(s) {
        return /^[1-9][0-9]{0,4}$/.test(s) && Number(s) <= 65535;
}

function ipv4IsValid(s) {
        const parts = s.split(".");
        return parts.length === 4 && parts.every(p => /^(0|[1-9][0-9]{0,2})$/.test(p) && Number(p) <= 255);
}

// The browser's URL parser knows IPv6 literals.
function ipv6IsValid(s) {
        if (!/^[0-9a-fA-F:.]+$/.test(s))
                return false;
        try {
                new URL("http://[" + s + "]/");
                return true;
        } catch (e) {
                return false;
        }
}

// "[ADDR:]HOST:CONTAINER[/tcp|/udp]", IPv6 addresses in brackets (common/port-spec.h).
export function portSpecIsValid(spec) {
        const slash = spec.indexOf("/");
        const main = slash < 0 ? spec : spec.slice(0, slash);
        if (slash >= 0 && !["tcp", "udp"].includes(spec.slice(slash + 1)))
                return false;
        let rest = main;
        if (main.startsWith("[")) {
                const end = main.indexOf("]:");
                if (end < 0 || !ipv6IsValid(main.slice(1, end)))
                        return false;
                rest = main.slice(end + 2);
        } else {
                const fields = main.split(":");
                if (fields.length === 3) {
                        if (!ipv4IsValid(fields[0]))
                                return false;
                        rest = fields.slice(1).join(":");
                }
        }
        const ports = rest.split(":");
        return ports.length === 2 && ports.every(portIsValid);
}

// null if the port is fine, the CLI's message otherwise.
export function checkPortSpec(spec) {
        return portSpecIsValid(spec)
                ? null
                : cformat(_('Invalid port "%s": expected [ADDRESS:]HOST-PORT:CONTAINER-PORT[/tcp|/udp], such as ' +
                            '8080:80 or 127.0.0.1:5353:53/udp.'), spec);
}

export function volumeNameIsValid(name) {
        return containerNameIsValid(name);
}

// "sysctr volume create"'s rule and message.
export function checkVolumeName(name) {
        return volumeNameIsValid(name)
                ? null
                : cformat(_('Invalid volume name "%s": names are 1-63 characters of a-z, 0-9 and "-", begin and end ' +
                            'with a letter or digit, and are not all digits.'), name);
}

// A mount target: absolute and normalized (no "//", ".", "..", trailing "/"), not /, nor in /proc,
// /sys or /dev, no ":" (common/bind.c: bind_target_is_valid).
function targetIsValid(p) {
        if (!p.startsWith("/") || p === "/" || /[:\n]/.test(p))
                return false;
        if (p.slice(1).split("/").some(c => c === "" || c === "." || c === ".."))
                return false;
        return !["/proc", "/sys", "/dev"].some(d => p === d || p.startsWith(d + "/"));
}

// "VOLUME:TARGET[:ro|:rw]" (common/volume.c: volume_spec_parse).
export function volumeSpecIsValid(spec) {
        const [name, target, opt, ...rest] = spec.split(":");
        return rest.length === 0 && target !== undefined && volumeNameIsValid(name) && targetIsValid(target) &&
                (opt === undefined || opt === "ro" || opt === "rw");
}

// null if the spec is fine, the CLI's message (sysctr create --volume) otherwise.
export function checkVolumeSpec(spec) {
        return volumeSpecIsValid(spec)
                ? null
                : cformat(_('Invalid volume "%s": expected VOLUME:TARGET[:ro] with an absolute, normalized target, ' +
                            'not /, nor in /proc, /sys or /dev.'), spec);
}

// A size as parse_size() takes it (common/parse-util.c): digits, up to three decimals with a unit,
// K, M, G, T or P (any case), then "iB" or "B"; not 0.
export function sizeIsValid(s) {
        const m = /^([0-9]+)(\.[0-9]{1,3})?([KMGTPkmgtp])?(iB|B)?$/.exec(s);
        if (!m || (m[2] && !m[3]) || (m[4] === "iB" && !m[3]))
                return false;
        return Number(m[1] + (m[2] || "")) > 0;
}

// null if the size is fine, the CLI's message (sysctr volume create --size) otherwise.
export function checkSize(s) {
        return sizeIsValid(s) ? null : cformat(_('Invalid size "%s": expected a size such as 512M or 2G.'), s);
}
