/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Without libFuzzer (a gcc build, "make check"): runs a fuzz target over the files given, or over
 * every file of the directories given, printing TAP, so the corpus stays a regression test. With
 * clang and --enable-fuzzers, libFuzzer's own main() is used instead. */
#include <dirent.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/stat.h>

#include "fileio.h"
#include "macro.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static unsigned n;

static int run_file(const char *path) {
        _cleanup_free_ char *data = NULL;
        size_t size;
        int r;

        r = read_full_file(path, &data, &size);
        if (r < 0) {
                printf("not ok %u - %s: cannot be read (%d)\n", ++n, path, r);
                return r;
        }
        (void) LLVMFuzzerTestOneInput((const uint8_t *) data, size);
        printf("ok %u - %s\n", ++n, path);
        return 0;
}

int main(int argc, char *argv[]) {
        int ret = 0;

        for (int i = 1; i < argc; i++) {
                struct stat st;
                DIR *d;

                if (stat(argv[i], &st) < 0 || !S_ISDIR(st.st_mode)) {
                        ret = run_file(argv[i]) < 0 ? 1 : ret;
                        continue;
                }
                d = opendir(argv[i]);
                for (struct dirent *de; d && (de = readdir(d));) {
                        _cleanup_free_ char *p = NULL;

                        if (de->d_name[0] == '.' || asprintf(&p, "%s/%s", argv[i], de->d_name) < 0)
                                continue;
                        ret = run_file(p) < 0 ? 1 : ret;
                }
                if (d)
                        closedir(d);
        }
        printf("1..%u\n", n);
        return ret;
}
