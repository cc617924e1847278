/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <string.h>

#include "name.h"
#include "tap.h"

static char *repeat(char *buf, char c, size_t n) {
        memset(buf, c, n);
        buf[n] = '\0';
        return buf;
}

static void test_container_names(void) {
        static const char * const bad[] = {
                "../x", "x/y", ".", "..", "-a", "a-", "A", "Web1", "a_b", "a.b", "1234", "0", "", " a",
                "a b", "a\n", "é", "a\tb", "web1/", "-",
        };
        static const char * const good[] = {
                "t1", "web-1", "a", "1a", "a1", "0x", "web--1", "a-0", "9-9x",
        };
        char buf[80];

        ok(!container_name_is_valid(NULL), "NULL is not a container name");
        for (size_t i = 0; i < ELEMENTSOF(bad); i++)
                ok(!container_name_is_valid(bad[i]), "container name \"%s\" is refused", bad[i]);
        for (size_t i = 0; i < ELEMENTSOF(good); i++)
                ok(container_name_is_valid(good[i]), "container name \"%s\" is accepted", good[i]);

        ok(container_name_is_valid(repeat(buf, 'a', 63)), "a 63-character name is accepted");
        ok(!container_name_is_valid(repeat(buf, 'a', 64)), "a 64-character name is refused");
        ok(!container_name_is_valid(repeat(buf, '7', 20)), "a name of only digits is refused");
}

static void test_template_names(void) {
        ok(template_name_is_valid("debian"), "template name debian");
        ok(template_name_is_valid("busybox-test"), "template name busybox-test");
        ok(!template_name_is_valid("debian.old"), "no '.' in template names");
        ok(!template_name_is_valid("../debian"), "no path in template names");
        ok(!template_name_is_valid("42"), "no all-digit template names");
        ok(!template_name_is_valid(NULL), "NULL is not a template name");
}

static void test_image_names(void) {
        char buf[200];

        ok(image_name_is_valid("debian-bookworm-amd64"), "image debian-bookworm-amd64");
        ok(image_name_is_valid("ubuntu-24.04_amd64"), "image with '.' and '_' inside");
        ok(!image_name_is_valid(".hidden"), "no leading '.'");
        ok(!image_name_is_valid("x."), "no trailing '.'");
        ok(!image_name_is_valid("."), "\".\" is refused");
        ok(!image_name_is_valid(".."), "\"..\" is refused");
        ok(!image_name_is_valid("a/b"), "no '/'");
        ok(!image_name_is_valid("_x"), "no leading '_'");
        ok(!image_name_is_valid("Debian"), "no upper case");
        ok(!image_name_is_valid("123"), "no all-digit image names");
        ok(!image_name_is_valid(""), "empty image name is refused");
        ok(image_name_is_valid(repeat(buf, 'x', 128)), "a 128-character image name is accepted");
        ok(!image_name_is_valid(repeat(buf, 'x', 129)), "a 129-character image name is refused");
}

static void test_release_names(void) {
        ok(release_name_is_valid("bookworm"), "release bookworm");
        ok(release_name_is_valid("12"), "release 12 (digits only are fine)");
        ok(release_name_is_valid("24.04"), "release 24.04");
        ok(!release_name_is_valid("../x"), "release ../x is refused");
        ok(!release_name_is_valid("Bookworm"), "release Bookworm is refused");
        ok(!release_name_is_valid(""), "empty release is refused");
        ok(!release_name_is_valid(NULL), "NULL release is refused");
}

static void test_hostnames(void) {
        char buf[100];

        ok(hostname_is_valid("web1"), "hostname web1");
        ok(hostname_is_valid("Web-1.example.org"), "hostname Web-1.example.org");
        ok(!hostname_is_valid(""), "empty hostname");
        ok(!hostname_is_valid("-web"), "hostname starting with '-'");
        ok(!hostname_is_valid("web-"), "hostname ending with '-'");
        ok(!hostname_is_valid("a-.b"), "label ending with '-'");
        ok(!hostname_is_valid("a..b"), "empty label");
        ok(!hostname_is_valid(".a"), "leading dot");
        ok(!hostname_is_valid("a."), "trailing dot");
        ok(!hostname_is_valid("a_b"), "underscore");
        ok(!hostname_is_valid("a b"), "space");
        ok(hostname_is_valid(repeat(buf, 'h', 63)), "63-character label");
        ok(!hostname_is_valid(repeat(buf, 'h', 64)), "64-character label");
        memset(buf, 'h', 65);
        buf[32] = '.';
        buf[65] = '\0';
        ok(!hostname_is_valid(buf), "65 characters in all");
        buf[64] = '\0';
        ok(hostname_is_valid(buf), "64 characters in all");
}

static void test_network_and_interface_names(void) {
        static const char * const good_if[] = { "lan0", "eth0", "sxbr-lan0", "veth.1", "a", "abcdefghijklmno" };
        static const char * const bad_if[] = { "", ".", "..", "a/b", "a:1", "eth%d", "a b", "a\tb", "abcdefghijklmnop",
                                               "\x7f" };

        ok(network_name_is_valid("lan0"), "network name lan0");
        ok(!network_name_is_valid("Lan0"), "no upper case in network names");
        ok(!network_name_is_valid("lan.0"), "no '.' in network names (they are DNS domains of one label)");
        ok(!network_name_is_valid(NULL), "NULL is not a network name");
        ok(!network_name_is_valid("host") && !network_name_is_valid("none") &&
           !network_name_is_valid("container") && !network_name_is_valid("private"),
           "the words of --network are not network names");
        ok(network_name_is_valid("hostnet"), "...words that only start with one are");
        for (size_t i = 0; i < ELEMENTSOF(good_if); i++)
                ok(ifname_is_valid(good_if[i]), "interface name \"%s\" is accepted", good_if[i]);
        for (size_t i = 0; i < ELEMENTSOF(bad_if); i++)
                ok(!ifname_is_valid(bad_if[i]), "interface name %zu is refused", i);
        ok(!ifname_is_valid(NULL), "NULL is not an interface name");
}

int main(void) {
        test_network_and_interface_names();
        test_container_names();
        test_template_names();
        test_image_names();
        test_release_names();
        test_hostnames();
        return done_testing();
}
