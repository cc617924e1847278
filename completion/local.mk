# SPDX-License-Identifier: LGPL-2.1-or-later
# Shell completion of sysctr: verbs, options, and container, template and image names (configure
# --with-bashcompletiondir, --with-zshcompletiondir). tests/unit/test-completion.sh checks them
# against sysctr's help.
dist_bashcompletion_DATA = completion/sysctr
dist_zshcompletion_DATA = completion/_sysctr
