/*
 * yamldoc.h - the one YAML document of a configuration file.
 *
 * scenarios.yaml is read by two loaders (scenarios/suite.c, lab/topo.c),
 * each through libyaml's document API; this is what they share: load the
 * first document and refuse a file that holds anything a loader would
 * otherwise drop without a word.
 */
#ifndef HV_YAMLDOC_H
#define HV_YAMLDOC_H

#include <stdarg.h>
#include <stdio.h>

#include <yaml.h>

/*
 * What aliases may add to a document walked as a tree, in nodes plus
 * scalar bytes: far more than a person's anchors for a shared row or
 * bounds add, far less than a loader can walk in a second.
 */
#define YAMLDOC_ALIAS_MAX (1u << 20)

/*
 * Load the document of the stream parser reads into doc.  A syntax error,
 * a second document after '---', an alias inside the node it names and
 * aliases that add more than YAMLDOC_ALIAS_MAX are refused.  Returns 0 with doc
 * loaded (the caller deletes it with yaml_document_delete; an empty file
 * is a document without a root node), or -1 with *line (1-based) and err
 * (ERR_LEN bytes, no file name) saying what is wrong there, doc unloaded.
 * The parser stays the caller's to delete.
 */
int yamldoc_load(yaml_parser_t *parser, yaml_document_t *doc, int *line,
    char *err);

/*
 * Which pairs of mapping map repeat the scalar key of an earlier pair:
 * (*repeated)[i] is 1 for pair i, so each repeat is reported once, at
 * its own place, and the first copy is not.  The caller frees
 * *repeated.  Returns 0, or -1 out of memory (*repeated NULL).
 */
int yamldoc_repeated_keys(yaml_document_t *doc, const yaml_node_t *map,
    unsigned char **repeated);

/*
 * Open path and load its document (yamldoc_load) into doc, the file and
 * the parser closed again.  0 (the caller deletes doc), or -1 with err
 * "PATH: reason" or "PATH:LINE: reason".
 */
int yamldoc_read(const char *path, yaml_document_t *doc, char *err);

/*
 * One error of a configuration file at node n (NULL: line 0): printed to
 * errf as "FILE:LINE: message" (errf may be NULL), the first of them
 * kept in err (ERR_LEN bytes, may be NULL) as the same line, *nerr
 * counted up.  The loaders report every error this way, then fail.
 */
void yamldoc_verror(const char *file, FILE *errf, char *err, int *nerr,
    const yaml_node_t *n, const char *fmt, va_list ap)
    __attribute__((format(printf, 6, 0)));

/* err (the first error, as yamldoc_verror kept it) followed by
 * " (and N more errors)" when nerr > 1; err may be NULL. */
void yamldoc_error_count(char *err, int nerr);

#endif
