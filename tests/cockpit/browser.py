#!/usr/bin/python3
# SPDX-License-Identifier: LGPL-2.1-or-later
"""The browser half of tests/cockpit/test-cockpit.sh: the page in headless Chromium.

Every check is printed as one line, "PASS<TAB>what" or "FAIL<TAB>what<TAB>why" ("DIAG<TAB>text"
for measurements); the shell script turns them into TAP. Steps that depend on an earlier one are
skipped by failing it, never by passing it. Traffic goes only to 127.0.0.1.

Environment: COCKPIT_URL_ALLOWED, COCKPIT_URL_DENIED (cockpit-ws of a user whom polkit allows,
and of one whom it refuses), SYSCTR (the CLI), BAD_NAME_MESSAGE, NET_BAD_NAME_MESSAGE and
PORT_BAD_MESSAGE (the CLI's messages for the container name "Bad_Name", the network name "Bad_Net"
and the published port "80:abc"), VOL_BAD_NAME_MESSAGE, SIZE_BAD_MESSAGE and VOL_BAD_SPEC_MESSAGE
(for the volume name "Bad_Vol", the size "12X" and --volume "data"), MACVLAN_PARENT (a link in sysctrd's network namespace), SHOTS
(where screenshots go), CHROMIUM_DIR (a fresh profile), CHROMEDRIVER.
"""
import json
import os
import signal
import subprocess
import sys
import time
import traceback

from selenium import webdriver
from selenium.common.exceptions import WebDriverException
from selenium.webdriver.chrome.service import Service
from selenium.webdriver.common.by import By
from selenium.webdriver.common.keys import Keys

PAGE = "/cockpit/@localhost/sysctr/index.html"
ENV = os.environ
FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
         "--disable-background-networking", "--disable-component-update", "--disable-sync",
         "--disable-default-apps", "--disable-extensions", "--window-size=1100,720",
         "--force-device-scale-factor=1"]


def report(ok, what, why=""):
    status = "PASS" if ok else "FAIL"
    print(f"{status}\t{what}\t{' | '.join(str(why).splitlines())}".replace("\r", ""), flush=True)
    return ok


def diag(text):
    print(f"DIAG\t{text}", flush=True)


def cli(*args):
    return subprocess.run([ENV["SYSCTR"], *args], capture_output=True, text=True, timeout=60)


def prop(name, prop_name):
    p = subprocess.run(["busctl", "--system", "get-property", "org.sysctr1",
                        "/org/sysctr1/container/" + name, "org.sysctr1.Container", prop_name],
                       capture_output=True, text=True, timeout=10)
    return p.stdout.strip()


def net_prop(name, prop_name):
    p = subprocess.run(["busctl", "--system", "get-property", "org.sysctr1",
                        "/org/sysctr1/network/" + name, "org.sysctr1.Network", prop_name],
                       capture_output=True, text=True, timeout=10)
    return p.stdout.strip()


def vol_prop(name, prop_name):
    p = subprocess.run(["busctl", "--system", "get-property", "org.sysctr1",
                        "/org/sysctr1/volume/" + name, "org.sysctr1.Volume", prop_name],
                       capture_output=True, text=True, timeout=10)
    return p.stdout.strip()


def cli_volumes():
    p = cli("volume", "list")
    return [line.split()[0] for line in p.stdout.splitlines()[1:] if line.split()]


def cli_networks():
    p = cli("network", "list")
    return [line.split()[0] for line in p.stdout.splitlines()[1:] if line.split()]


def doctor_problems():
    p = subprocess.run(["busctl", "--system", "--json=short", "call", "org.sysctr1", "/org/sysctr1",
                        "org.sysctr1.Manager", "NetworkDoctor"], capture_output=True, text=True, timeout=10)
    return [problem for severity, problem, remedy in json.loads(p.stdout)["data"][0]]


def cli_state(name):
    p = cli("list")
    for line in p.stdout.splitlines()[1:]:
        f = line.split()
        if f and f[0] == name:
            return f[1]
    return None


def wait(cond, timeout=10.0, interval=0.02):
    """cond()'s first true value within timeout seconds, else None (exceptions count as false)."""
    end = time.monotonic() + timeout
    while True:
        try:
            v = cond()
            if v:
                return v
        except (WebDriverException, AttributeError, TypeError, ValueError):
            pass        # not there yet
        if time.monotonic() > end:
            return None
        time.sleep(interval)


class Browser:
    def __init__(self):
        o = webdriver.ChromeOptions()
        for f in FLAGS:
            o.add_argument(f)
        o.add_argument("--user-data-dir=" + ENV["CHROMIUM_DIR"])
        o.add_argument("--lang=en-US")
        o.set_capability("goog:loggingPrefs", {"browser": "ALL"})
        # Chromium needs no bus: keep it off the test's private one.
        env = {k: v for k, v in ENV.items() if not k.startswith("DBUS_")}
        env["HOME"] = ENV["CHROMIUM_DIR"]
        self.d = webdriver.Chrome(service=Service(ENV["CHROMEDRIVER"], env=env), options=o)
        self.d.set_page_load_timeout(30)

    def open(self, base, fragment=""):
        self.d.get(base + PAGE + fragment)
        return wait(lambda: self.d.execute_script("return document.body.dataset.ready === '1'"), 20)

    def css(self, sel):
        return self.d.find_elements(By.CSS_SELECTOR, sel)

    def one(self, sel):
        els = self.css(sel)
        return els[0] if els else None

    def text(self, sel):
        el = self.one(sel)
        return el.text if el else ""

    def row_state(self, name):
        el = self.one(f'#containers tr[data-name="{name}"]')
        return el.get_attribute("data-state") if el else None

    def net_row(self, name, label=None):
        sel = f'#networks tr[data-name="{name}"]' + (f' [data-label="{label}"]' if label else "")
        return self.one(sel)

    def net_text(self, name, label):
        el = self.net_row(name, label)
        return el.text if el else None

    def click(self, sel):
        """Clicks sel in the middle of the view: in a dialog that scrolls, Chromium may otherwise
        leave it at the very edge, where the click lands on something else."""
        el = self.one(sel)
        self.d.execute_script("arguments[0].scrollIntoView({block: 'center'})", el)
        el.click()

    def vol_row(self, name, label=None):
        sel = f'#volumes tr[data-name="{name}"]' + (f' [data-label="{label}"]' if label else "")
        return self.one(sel)

    def vol_text(self, name, label):
        el = self.vol_row(name, label)
        return el.text if el else None

    def go(self, fragment):
        self.d.execute_script("window.location.hash = arguments[0]", fragment)

    def shot(self, name):
        if ENV.get("SHOTS"):
            self.d.save_screenshot(os.path.join(ENV["SHOTS"], name + ".png"))

    def console_log(self):
        try:
            return [f"{e['level']}: {e['message']}" for e in self.d.get_log("browser")]
        except WebDriverException:
            return []

    def terminal_text(self, which):
        # xterm.js's accessibility tree holds the rows as text (screenReaderMode, terminal.js).
        return self.d.execute_script(
            "return [...document.querySelectorAll(arguments[0] + ' .xterm-accessibility-tree > div')]"
            ".map(r => r.textContent.replace(/\\u00a0/g, ' ').trimEnd()).join('\\n')", "#" + which)

    def quit(self):
        self.d.quit()


def step(fn):
    """Runs one step; an exception fails it (with the browser's console) instead of ending the run."""
    def run(b, *args):
        try:
            return fn(b, *args)
        except Exception as e:  # noqa: BLE001 - any error of a step is that step's failure
            report(False, fn.__name__ + ": ran to its end",
                   "".join(traceback.format_exception_only(type(e), e))[:600] + " ".join(b.console_log()[-5:]))
            # A dialog left open would stand in the way of the next steps.
            for close in b.css(".pf-c-modal-box__footer .pf-m-link"):
                close.click()
            return None
    return run


@step
def list_shows_containers(b):
    allowed = ENV["COCKPIT_URL_ALLOWED"]
    t0 = time.monotonic()
    report(b.open(allowed), "the page loads through cockpit-ws and the bridge", b.console_log())
    rows = wait(lambda: b.row_state("b1") and b.row_state("b2"), 10)
    diag(f"page ready with its list in {time.monotonic() - t0:.2f} s")
    report(rows, "the list shows the containers made with the CLI", b.text("main"))
    report(b.row_state("b1") == "running" and b.row_state("b2") == "stopped",
           "... with their states (b1 running, b2 stopped)", f"{b.row_state('b1')} {b.row_state('b2')}")
    report(b.text('#containers tr[data-name="b1"] [data-label="template"]') == "busybox", "... and template")
    mem = wait(lambda: b.text('#containers tr[data-name="b1"] [data-label="memory"]'), 8)
    report(mem and "B" in mem, "... and the memory use of the running one", mem)
    cpu = wait(lambda: b.text('#containers tr[data-name="b1"] [data-label="cpu"]'), 8)
    report(cpu and "%" in cpu, "... and its CPU use", cpu)


@step
def cli_changes_show_live(b):
    p = cli("start", "b2")
    t0 = time.monotonic()
    report(p.returncode == 0, "CLI: start b2", p.stderr)
    shown = wait(lambda: b.row_state("b2") == "running", 5, 0.005)
    dt = time.monotonic() - t0
    diag(f"a start made with the CLI showed on the page {dt * 1000:.0f} ms after the CLI returned")
    report(shown and dt < 1.0, "a container started with the CLI turns running on the page within a second",
           f"state {b.row_state('b2')} after {dt:.3f} s")
    p = cli("stop", "b2")
    t0 = time.monotonic()
    shown = wait(lambda: b.row_state("b2") == "stopped", 5, 0.005)
    dt = time.monotonic() - t0
    report(p.returncode == 0 and shown and dt < 1.0, "... and stopped again, live",
           f"{p.stderr} state {b.row_state('b2')} after {dt:.3f} s")


def open_create_dialog(b):
    b.one("#create-container").click()
    return wait(lambda: b.one("#create-dialog") and b.one("#create-template option"), 10)


def close_create_dialog(b):
    if b.one("#create-dialog"):
        b.click("#create-close")
    wait(lambda: not b.one("#create-dialog"), 5)


@step
def bad_name_refused(b):
    report(open_create_dialog(b), "the create dialog opens with the templates")
    name = b.one("#create-name")
    name.send_keys("Bad_Name")
    msg = wait(lambda: b.text("#create-name-error"), 3)
    report(msg == ENV["BAD_NAME_MESSAGE"], "a bad name is refused as it is typed, with the CLI's message",
           f"page: {msg!r} CLI: {ENV['BAD_NAME_MESSAGE']!r}")
    report(not b.one("#create-submit").is_enabled(), "... and Create is disabled")
    name.clear()
    name.send_keys("123")
    report("123" in b.text("#create-name-error"), "an all-digits name is refused too")
    name.clear()
    name.send_keys("web1")
    report(wait(lambda: b.text("#create-name-error") == "" and b.one("#create-submit").is_enabled(), 3),
           "a good name clears the message and enables Create")
    close_create_dialog(b)


@step
def create_on_page(b):
    open_create_dialog(b)
    b.one("#create-name").send_keys("web1")
    b.one('#create-template option[value="busybox"]').click()
    b.one("#create-memory").send_keys("64M")
    t0 = time.monotonic()
    b.click("#create-submit")
    ok = wait(lambda: b.row_state("web1") == "running" and not b.one("#create-dialog"), 20)
    diag(f"create and start of web1 from the page took {time.monotonic() - t0:.2f} s")
    report(ok, "a container created on the page appears and boots (running, dialog closed)",
           b.text("#create-dialog") or b.row_state("web1"))
    report(cli_state("web1") == "running", "... the CLI sees it running")
    report(prop("web1", "MemoryMax") == "t 67108864", "... with the memory limit given (64M)", prop("web1", "MemoryMax"))
    b.shot("list")


@step
def create_progress_and_cancel(b):
    open_create_dialog(b)
    b.one("#create-name").send_keys("slow1")
    b.one('#create-template option[value="slowbox"]').click()
    b.click("#create-submit")
    pct = wait(lambda: int(b.one("#create-dialog .ct-job [role=progressbar]").get_attribute("aria-valuenow") or 0)
               >= 20 and b.one("#create-dialog .ct-job"), 15)
    report(pct, "creating from a template whose image is not built shows the job's progress",
           b.text("#create-dialog"))
    b.shot("create-progress")
    b.one("#create-dialog .ct-job button").click()
    canceled = wait(lambda: "Canceled" in b.text("#create-dialog .pf-c-alert"), 10)
    report(canceled, "the job can be canceled from the dialog, which says so", b.text("#create-dialog"))
    report(wait(lambda: cli_state("slow1") is None, 10), "... and the container is gone", cli("list").stdout)
    close_create_dialog(b)


@step
def details_limits_autostart(b):
    b.go("#/container/web1")
    report(wait(lambda: "busybox" in b.text("#properties"), 10), "the container's page shows its properties",
           b.text("main"))
    mem = b.one("#limit-memory")
    mem.clear()
    mem.send_keys("128M")
    b.one("#limits-apply").click()
    report(wait(lambda: prop("web1", "MemoryMax") == "t 134217728", 5), "a limit changed on the page applies live",
           prop("web1", "MemoryMax"))
    b.one("label.pf-c-switch").click()
    report(wait(lambda: prop("web1", "Autostart") == "b true", 5), "autostart is toggled on the page",
           prop("web1", "Autostart"))
    wait(lambda: b.text('#properties [data-label="Memory"]'), 5)
    b.d.execute_script("window.scrollTo(0, 0)")
    b.shot("details")


@step
def terminal_runs_hostname(b):
    b.one("#tab-terminal").click()
    prompt = wait(lambda: "#" in b.terminal_text("terminal"), 15)
    report(prompt, "the terminal opens a shell in the container", b.terminal_text("terminal"))
    b.one("#terminal textarea").send_keys("hostname" + Keys.ENTER)
    seen = wait(lambda: "web1" in b.terminal_text("terminal").splitlines(), 10)
    report(seen, "the terminal runs hostname inside and shows the answer (web1)", b.terminal_text("terminal"))
    b.shot("terminal")


@step
def console_attaches(b):
    b.one("#tab-console").click()
    seen = wait(lambda: "Connected to the console of web1" in b.terminal_text("console"), 15)
    report(seen, "the console tab attaches to the container's console", b.terminal_text("console"))


@step
def logs_follow(b):
    b.one("#tab-logs").click()
    first = wait(lambda: b.text("#logs"), 10)
    report(first, "the logs tab shows the container's logs", b.text("#details"))
    before = b.text("#logs")
    p = cli("restart", "web1")
    grew = wait(lambda: "Container started" in b.text("#logs")[len(before):], 10)
    report(p.returncode == 0 and grew, "... and follows them live (a restart adds lines)", b.text("#logs")[-300:])
    b.shot("logs")


@step
def stop_and_delete(b):
    b.one("#tab-overview").click()
    b.one('#details [data-verb="stop"]').click()
    report(wait(lambda: cli_state("web1") == "stopped", 15), "Stop on the page stops the container", cli_state("web1"))
    delete = wait(lambda: b.one('#details [data-verb="delete"]').is_enabled() and b.one('#details [data-verb="delete"]'), 5)
    delete.click()
    confirm = wait(lambda: b.one("#delete-confirm"), 5)
    report(confirm and cli_state("web1") == "stopped", "Delete asks for a confirmation first")
    confirm.click()
    gone = wait(lambda: cli_state("web1") is None and b.one("#containers") and b.row_state("web1") is None, 10)
    report(gone, "... then deletes it: gone from the CLI's list and the page's", cli("list").stdout)


@step
def networks_list_live(b):
    b.one("#nav-networks").click()
    report(wait(lambda: b.net_row("sysctr0"), 10), "the networks view lists the default network sysctr0",
           b.text("main"))
    report(b.net_text("sysctr0", "type") == "bridge" and b.net_text("sysctr0", "subnets"),
           "... a bridge, with its subnets", f"{b.net_text('sysctr0', 'type')!r} {b.net_text('sysctr0', 'subnets')!r}")
    users = b.net_text("sysctr0", "containers") or ""
    report("b1" in users and "b2" in users, "... and the containers attached to it (b1, b2)", users)
    p = cli("network", "create", "clinet1")
    t0 = time.monotonic()
    shown = wait(lambda: b.net_row("clinet1"), 5, 0.005)
    dt = time.monotonic() - t0
    diag(f"a network created with the CLI showed on the page {dt * 1000:.0f} ms after the CLI returned")
    report(p.returncode == 0 and shown and dt < 1.0, "a network created with the CLI shows on the page within a second",
           f"{p.stderr} after {dt:.3f} s")
    problems = doctor_problems()
    found = wait(lambda: b.one("#doctor-findings").get_attribute("data-state") == "done" and b.text("#doctor-findings"), 10)
    report(problems and found and all(pr in found for pr in problems),
           "the doctor's findings show (the foreign forward chain that drops)", f"page: {found!r} API: {problems!r}")


@step
def network_name_checked(b):
    b.one("#create-network").click()
    name = wait(lambda: b.one("#network-create-dialog #network-name"), 5)
    name.send_keys("Bad_Net")
    msg = wait(lambda: b.text("#network-name-error"), 3)
    report(msg == ENV["NET_BAD_NAME_MESSAGE"], "a bad network name is refused as it is typed, with the CLI's message",
           f"page: {msg!r} CLI: {ENV['NET_BAD_NAME_MESSAGE']!r}")
    report(not b.one("#network-create-submit").is_enabled(), "... and Create is disabled")
    name.clear()
    name.send_keys("averyverylongnet")
    msg = wait(lambda: b.text("#network-name-error"), 3)
    report("at most 15 characters" in msg, "a bridge network's name longer than its bridge's may be is refused", msg)
    b.one('#network-type option[value="macvlan"]').click()
    report(wait(lambda: b.text("#network-name-error") == "" and b.one("#network-parent").is_displayed(), 3),
           "... but not for macvlan, which asks for a parent link instead")
    b.click("#network-create-close")
    wait(lambda: not b.one("#network-create-dialog"), 5)


def create_network(b, name, fill):
    b.one("#create-network").click()
    wait(lambda: b.one("#network-create-dialog #network-name"), 5).send_keys(name)
    fill()
    b.click("#network-create-submit")
    return wait(lambda: b.net_row(name) and not b.one("#network-create-dialog"), 15)


@step
def network_create_on_page(b):
    def bridge():
        b.one("#network-subnet").send_keys("172.31.250.0/24")
    ok = create_network(b, "pagenet", bridge)
    report(ok, "a bridge network created on the page appears in its list", b.text("#network-create-dialog"))
    report("pagenet" in cli_networks(), "... and in sysctr network list", cli("network", "list").stdout)
    report(net_prop("pagenet", "Subnet") == 's "172.31.250.0/24"' and net_prop("pagenet", "NAT") == "b true" and
           net_prop("pagenet", "DNS") == "b true", "... with the subnet given, NAT and DNS",
           f'{net_prop("pagenet", "Subnet")} {net_prop("pagenet", "NAT")} {net_prop("pagenet", "DNS")}')

    def macvlan():
        b.one('#network-type option[value="macvlan"]').click()
        b.one("#network-parent").send_keys(ENV["MACVLAN_PARENT"])
        b.one('#network-mode option[value="private"]').click()
    ok = create_network(b, "lanphys", macvlan)
    report(ok and ENV["MACVLAN_PARENT"] in b.net_text("lanphys", "type"),
           "a macvlan network created on the page shows with its parent link", b.text("#network-create-dialog") or
           b.net_text("lanphys", "type"))
    report(net_prop("lanphys", "Type") == 's "macvlan"' and net_prop("lanphys", "Parent") == f's "{ENV["MACVLAN_PARENT"]}"'
           and net_prop("lanphys", "MacvlanMode") == 's "private"', "... and sysctrd has it so",
           f'{net_prop("lanphys", "Type")} {net_prop("lanphys", "Parent")} {net_prop("lanphys", "MacvlanMode")}')
    b.shot("networks")


@step
def container_with_network(b):
    b.one("#nav-containers").click()
    wait(lambda: b.one("#create-container"), 5)
    open_create_dialog(b)
    b.one("#create-name").send_keys("net1")
    b.one('#create-template option[value="busybox"]').click()
    b.click('#create-networks input[value="pagenet"]')
    publish = b.one("#create-publish")
    publish.send_keys("80:abc")
    msg = wait(lambda: b.text("#create-publish-error"), 3)
    report(msg == ENV["PORT_BAD_MESSAGE"] and not b.one("#create-submit").is_enabled(),
           "a bad published port is refused as it is typed, with the CLI's message",
           f"page: {msg!r} CLI: {ENV['PORT_BAD_MESSAGE']!r}")
    publish.clear()
    publish.send_keys("8080:80")
    b.click("#create-start")         # created only: its attachment is what counts here
    b.click("#create-submit")
    ok = wait(lambda: b.row_state("net1") == "stopped" and not b.one("#create-dialog"), 20)
    report(ok, "a container created on the page with a chosen network appears", b.text("#create-dialog"))
    nets = prop("net1", "Networks")
    report(nets.startswith('as 1 "pagenet:'), "... attached to that network only (its Networks property)", nets)
    report(prop("net1", "Publish") == 'as 1 "8080:80"', "... with the port published", prop("net1", "Publish"))
    info = cli("info", "net1").stdout
    report("pagenet" in info and "172.31.250." in info, "... as sysctr info says", info)
    b.go("#/container/net1")
    shown = wait(lambda: "pagenet" in b.text('#properties [data-label="Networks"]') and
                 "172.31.250." in b.text('#properties [data-label="Addresses"]') and
                 b.text('#properties [data-label="Published ports"]') == "8080:80", 10)
    report(shown, "the container's page shows its networks, addresses and published ports", b.text("#properties"))


@step
def network_delete(b):
    b.one("#nav-networks").click()
    report(wait(lambda: b.net_text("pagenet", "containers") == "net1", 5),
           "the network's row shows the container attached", b.net_text("pagenet", "containers"))
    b.one('#networks tr[data-name="pagenet"] [data-verb="delete"]').click()
    confirm = wait(lambda: b.one("#network-delete-confirm"), 5)
    report(confirm and "pagenet" in cli_networks(), "Delete asks for a confirmation first")
    confirm.click()
    msg = wait(lambda: b.text("#network-delete-dialog .pf-c-alert"), 10)
    p = cli("network", "delete", "pagenet")
    server = p.stderr.strip().removeprefix("sysctr: ")
    report(msg and p.returncode != 0 and server and server in msg,
           "deleting a network in use is refused, with sysctrd's message", f"page: {msg!r} CLI: {server!r}")
    report("pagenet" in cli_networks() and b.net_row("pagenet"), "... and the network stays")
    b.click("#network-delete-cancel")
    p = cli("delete", "net1")
    report(p.returncode == 0 and wait(lambda: b.net_text("pagenet", "containers") == "", 5),
           "a container deleted with the CLI leaves the network's row live", p.stderr)
    b.one('#networks tr[data-name="pagenet"] [data-verb="delete"]').click()
    wait(lambda: b.one("#network-delete-confirm"), 5).click()
    gone = wait(lambda: not b.one("#network-delete-dialog") and not b.net_row("pagenet") and
                "pagenet" not in cli_networks(), 10)
    report(gone, "... then Delete removes it: gone from the page and sysctr network list",
           b.text("#network-delete-dialog") or cli("network", "list").stdout)


@step
def volumes_view(b):
    b.one("#nav-volumes").click()
    wait(lambda: b.one("#create-volume"), 5)
    p = cli("volume", "create", "clivol")
    t0 = time.monotonic()
    shown = wait(lambda: b.vol_row("clivol"), 5, 0.005)
    dt = time.monotonic() - t0
    report(p.returncode == 0 and shown and dt < 1.0, "a volume created with the CLI shows on the volumes view within a second",
           f"{p.stderr} after {dt:.3f} s")
    b.one("#create-volume").click()
    name = wait(lambda: b.one("#volume-create-dialog #volume-name"), 5)
    name.send_keys("Bad_Vol")
    msg = wait(lambda: b.text("#volume-name-error"), 3)
    report(msg == ENV["VOL_BAD_NAME_MESSAGE"] and not b.one("#volume-create-submit").is_enabled(),
           "a bad volume name is refused as it is typed, with the CLI's message",
           f"page: {msg!r} CLI: {ENV['VOL_BAD_NAME_MESSAGE']!r}")
    name.clear()
    name.send_keys("pagevol")
    size = b.one("#volume-size")
    size.send_keys("12X")
    msg = wait(lambda: b.text("#volume-size-error"), 3)
    report(msg == ENV["SIZE_BAD_MESSAGE"] and not b.one("#volume-create-submit").is_enabled(),
           "a bad size is refused as it is typed, with the CLI's message", f"page: {msg!r} CLI: {ENV['SIZE_BAD_MESSAGE']!r}")
    size.clear()
    size.send_keys("32M")
    b.click("#volume-create-submit")
    ok = wait(lambda: b.vol_row("pagevol") and not b.one("#volume-create-dialog"), 30)
    report(ok, "a volume created on the page appears in its list", b.text("#volume-create-dialog"))
    report("pagevol" in cli_volumes(), "... and in sysctr volume list", cli("volume", "list").stdout)
    report(vol_prop("pagevol", "Size") == "t 33554432" and vol_prop("pagevol", "Backend") == 's "loop"',
           "... with the size given (32M, an image of its own)", f'{vol_prop("pagevol", "Size")} {vol_prop("pagevol", "Backend")}')
    b.shot("volumes")

    # A container with it, made on the page.
    b.one("#nav-containers").click()
    wait(lambda: b.one("#create-container"), 5)
    open_create_dialog(b)
    b.one("#create-name").send_keys("vol1")
    b.one('#create-template option[value="busybox"]').click()
    vols = b.one("#create-volumes")
    vols.send_keys("data")
    # Low in a dialog that scrolls: textContent, which does not depend on the scroll position.
    msg = wait(lambda: b.one("#create-volumes-error").get_attribute("textContent"), 3)
    report(msg == ENV["VOL_BAD_SPEC_MESSAGE"], "a bad volume spec is refused as it is typed, with the CLI's message",
           f"page: {msg!r} CLI: {ENV['VOL_BAD_SPEC_MESSAGE']!r}")
    vols.clear()
    vols.send_keys("pagevol:/srv/data")
    b.click("#create-start")
    b.click("#create-submit")
    ok = wait(lambda: b.row_state("vol1") == "stopped" and not b.one("#create-dialog"), 20)
    report(ok, "a container created on the page with a volume appears", b.text("#create-dialog"))
    report(prop("vol1", "Volumes") == 'as 1 "pagevol:/srv/data"', "... with the volume (its Volumes property)",
           prop("vol1", "Volumes"))
    b.go("#/container/vol1")
    report(wait(lambda: b.text('#properties [data-label="Volumes"]') == "pagevol:/srv/data", 10),
           "the container's page shows its volume", b.text("#properties"))

    # Delete: refused while vol1 uses it, then done.
    b.one("#nav-volumes").click()
    report(wait(lambda: b.vol_text("pagevol", "users") == "vol1", 5), "the volume's row shows the container using it",
           b.vol_text("pagevol", "users"))
    b.one('#volumes tr[data-name="pagevol"] [data-verb="delete"]').click()
    wait(lambda: b.one("#volume-delete-confirm"), 5).click()
    msg = wait(lambda: b.text("#volume-delete-dialog .pf-c-alert"), 10)
    p = cli("volume", "delete", "pagevol")
    server = p.stderr.strip().removeprefix("sysctr: ")
    report(msg and p.returncode != 0 and server and server in msg,
           "deleting a volume in use is refused, with sysctrd's message", f"page: {msg!r} CLI: {server!r}")
    b.click("#volume-delete-cancel")
    p = cli("delete", "vol1")
    report(p.returncode == 0 and wait(lambda: b.vol_text("pagevol", "users") == "", 5),
           "a container deleted with the CLI leaves the volume's row live", p.stderr)
    b.one('#volumes tr[data-name="pagevol"] [data-verb="delete"]').click()
    wait(lambda: b.one("#volume-delete-confirm"), 5).click()
    gone = wait(lambda: not b.one("#volume-delete-dialog") and not b.vol_row("pagevol") and
                "pagevol" not in cli_volumes(), 10)
    report(gone, "... then Delete removes it: gone from the page and sysctr volume list",
           b.text("#volume-delete-dialog") or cli("volume", "list").stdout)


@step
def denied_user_read_only(b):
    report(b.open(ENV["COCKPIT_URL_DENIED"]), "the page loads for a user whom polkit refuses")
    report(wait(lambda: b.row_state("b1") == "running" and b.row_state("b2") == "stopped", 10),
           "... who sees the list", b.text("main"))
    b.one('#containers tr[data-name="b2"] [data-verb="start"]').click()
    msg = wait(lambda: b.text("#alerts .pf-c-alert"), 10)
    report(msg and "not authorized" in msg, "... and gets a clear message on an action", msg)
    banner = b.text("#banner")
    report("Read-only" in banner, "... the page turns read-only and says why", banner)
    report(all(not e.is_enabled() for e in b.css('[data-action="manage"]')), "... every action is disabled")
    time.sleep(0.5)
    report(cli_state("b2") == "stopped", "... and nothing happened: b2 is still stopped", cli_state("b2"))
    b.shot("read-only")


@step
def denied_user_networks(b):
    b.one("#nav-networks").click()
    report(wait(lambda: b.net_row("sysctr0") and b.net_row("lanphys"), 10),
           "the refused user sees the networks", b.text("main"))
    b.one("#create-network").click()
    wait(lambda: b.one("#network-create-dialog #network-name"), 5).send_keys("nonet")
    b.click("#network-create-submit")
    msg = wait(lambda: b.text("#network-create-dialog .pf-c-alert"), 10)
    report(msg and "not authorized" in msg, "... and gets a clear message when creating one", msg)
    b.click("#network-create-close")
    banner = b.text("#banner")
    report("manage networks" in banner, "... the banner says that networks are read-only and why", banner)
    report(all(not e.is_enabled() for e in b.css('[data-action="manage-networks"]')),
           "... every network action is disabled")
    report("nonet" not in cli_networks(), "... and nothing happened: no network nonet", cli("network", "list").stdout)


@step
def denied_user_volumes(b):
    b.one("#nav-volumes").click()
    report(wait(lambda: b.vol_row("clivol"), 10), "the refused user sees the volumes", b.text("main"))
    b.one("#create-volume").click()
    wait(lambda: b.one("#volume-create-dialog #volume-name"), 5).send_keys("novol")
    b.click("#volume-create-submit")
    msg = wait(lambda: b.text("#volume-create-dialog .pf-c-alert"), 10)
    report(msg and "not authorized" in msg, "... and gets a clear message when creating one", msg)
    b.click("#volume-create-close")
    banner = b.text("#banner")
    report("manage volumes" in banner, "... the banner says that volumes are read-only and why", banner)
    report(all(not e.is_enabled() for e in b.css('[data-action="manage-volumes"]')),
           "... every volume action is disabled")
    report("novol" not in cli_volumes(), "... and nothing happened: no volume novol", cli("volume", "list").stdout)


@step
def german(b):
    b.open(ENV["COCKPIT_URL_ALLOWED"])
    b.d.add_cookie({"name": "CockpitLang", "value": "de"})
    b.open(ENV["COCKPIT_URL_ALLOWED"])
    label = wait(lambda: b.text("#create-container"), 10)
    report(label == "Container erstellen", "in German (CockpitLang=de) the page's strings come from po/de.po", label)
    open_create_dialog(b)
    b.one("#create-name").send_keys("Bad_Name")
    msg = wait(lambda: b.text("#create-name-error"), 3)
    report(msg.startswith("Ungültiger Containername „Bad_Name“"), "... the name check's message too", msg)
    close_create_dialog(b)
    b.one("#nav-networks").click()
    report(b.text("#nav-networks") == "Netzwerke" and wait(lambda: b.text("#create-network") == "Netzwerk erstellen", 5),
           "... and the networks view's", f"{b.text('#nav-networks')!r} {b.text('#create-network')!r}")
    b.one("#create-network").click()
    wait(lambda: b.one("#network-name"), 5).send_keys("Bad_Net")
    msg = wait(lambda: b.text("#network-name-error"), 3)
    report(msg.startswith("Ungültiger Netzwerkname „Bad_Net“"), "... with the network name check's message", msg)
    b.click("#network-create-close")


def main():
    os.setpgid(0, 0)        # chromedriver and chromium join this group: the test ends it whole
    signal.signal(signal.SIGALRM, lambda *a: (_ for _ in ()).throw(TimeoutError("browser.py: 300 s")))
    signal.alarm(300)
    b = Browser()
    try:
        list_shows_containers(b)
        cli_changes_show_live(b)
        bad_name_refused(b)
        create_on_page(b)
        create_progress_and_cancel(b)
        details_limits_autostart(b)
        terminal_runs_hostname(b)
        console_attaches(b)
        logs_follow(b)
        stop_and_delete(b)
        networks_list_live(b)
        network_name_checked(b)
        network_create_on_page(b)
        container_with_network(b)
        network_delete(b)
        volumes_view(b)
        denied_user_read_only(b)
        denied_user_networks(b)
        denied_user_volumes(b)
        german(b)
    finally:
        for line in b.console_log():
            if "SEVERE" in line:
                print("browser console: " + line, file=sys.stderr)
        b.quit()


main()
