/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/* Shared by the two halves of the YAML module, config-yaml.c (config.yaml, template.yaml) and
 * fleet-yaml.c (fleet files), and by nothing else: only they include <yaml.h> (STYLE.md, one owner
 * per external library). */

#include <yaml.h>

#include "config.h"
#include "macro.h"

typedef struct ParseContext ParseContext;

struct ParseContext {
        yaml_document_t *doc;
        const char *filename;
        char **ret_error;
        /* Called by a mapping's walk for a key that its table does not know, with the object being
         * filled: -ENOENT if it does not know the key either (then "Unknown key"), 0 if it took
         * it, another negative errno on error. NULL: every unknown key is an error. */
        int (*unknown_key)(const ParseContext *ctx, const yaml_node_t *key, const yaml_node_t *value,
                           void *obj);
        void *userdata;
};

/* -EINVAL with *ctx->ret_error "FILE:LINE: message", the line of node. */
int parse_error(const ParseContext *ctx, const yaml_node_t *node, const char *format, ...) _printf_(3, 4);
/* "FILE:LINE: Invalid <what> \"<value>\"[: <hint>]" */
int parse_error_value(const ParseContext *ctx, const yaml_node_t *node, const char *what, const char *value,
                      const char *hint);
/* "null", "a scalar", "a sequence", "a mapping", for messages. */
const char *node_type_name(const yaml_node_t *node);
bool node_is_null(const yaml_node_t *node);
/* A scalar that is a string (not null, not an unquoted boolean, no NUL byte), strdup'ed. */
int node_to_string(const ParseContext *ctx, const yaml_node_t *node, const char *key, char **ret);

/* A container entry (the keys of config.yaml) into a new ContainerConfig, not verified. */
int config_node_to_container(const ParseContext *ctx, const yaml_node_t *node, ContainerConfig **ret);

/* Exactly one document whose root is a mapping; the caller owns *doc on success. */
int document_load(const char *text, size_t size, const char *filename, yaml_document_t *doc, char **ret_error);
void yaml_document_deletep(yaml_document_t **d);
