/*
 * yamldoc.c - loads the one YAML document of a configuration file with
 * libyaml, and refuses what its loaders must not be given:
 *
 * - a second document: yaml_parser_load reads a document at a time, so a
 *   loader that calls it once drops whatever follows a '---' without a
 *   word (a scenario or a lab written there would silently not exist);
 * - aliases that multiply the document: libyaml keeps an alias as a
 *   second reference to its node, so the tree a loader walks can be far
 *   larger than the text (nine levels of nine aliases: 9^9 nodes from 750
 *   bytes), and an alias may even name a node that holds it.
 *
 * The second is measured on the node graph: each node weighs 1 plus its
 * scalar's length, a collection adds its children as often as they are
 * referenced, and the document's weight may exceed the sum over its
 * distinct nodes by at most YAMLDOC_ALIAS_MAX.
 *
 * It also finds the keys a mapping repeats, which libyaml keeps as
 * pairs of their own: a loader that looks a key up takes one copy and
 * never sees the other.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "err.h"
#include "yamldoc.h"

/* The parser's own complaint: "did not find expected key while parsing
 * a block mapping", at its line. */
static int
syntax_error(const yaml_parser_t *parser, int *line, char *err)
{
	*line = (int)parser->problem_mark.line + 1;
	return err_set(err, "%s%s%s", parser->problem ? parser->problem :
	    "YAML syntax error", parser->context ? " " : "",
	    parser->context ? parser->context : "");
}

/* A walk of the node graph, depth first, without recursion (a document
 * may nest as deep as its text is long). */
struct walk {
	yaml_document_t *w_doc;
	uint64_t *w_weight;	/* per node id - 1: weight so far / in all */
	unsigned char *w_state;	/* 0 not seen, 1 on the stack, 2 done */
	int *w_stack;		/* node ids */
	size_t *w_next;		/* per stack entry: its next child */
	size_t w_depth;
};

static uint64_t
sat_add(uint64_t a, uint64_t b)
{
	return a > UINT64_MAX - b ? UINT64_MAX : a + b;
}

static uint64_t
own_weight(const yaml_node_t *n)
{
	return 1 + (n->type == YAML_SCALAR_NODE ? n->data.scalar.length : 0);
}

/* Child i of node n (keys and values of a mapping in turn), or 0. */
static int
child(const yaml_node_t *n, size_t i)
{
	size_t k;

	if (n->type == YAML_SEQUENCE_NODE) {
		k = (size_t)(n->data.sequence.items.top -
		    n->data.sequence.items.start);
		return i < k ? n->data.sequence.items.start[i] : 0;
	}
	if (n->type != YAML_MAPPING_NODE)
		return 0;
	k = (size_t)(n->data.mapping.pairs.top - n->data.mapping.pairs.start);
	if (i >= 2 * k)
		return 0;
	return i % 2 ? n->data.mapping.pairs.start[i / 2].value :
	    n->data.mapping.pairs.start[i / 2].key;
}

static void
push(struct walk *w, int id)
{
	w->w_state[id - 1] = 1;
	w->w_weight[id - 1] = own_weight(yaml_document_get_node(w->w_doc, id));
	w->w_stack[w->w_depth] = id;
	w->w_next[w->w_depth++] = 0;
}

/*
 * The weight of every node, children before parents; the first node
 * (the innermost) heavier than limit, or a cycle, stops the walk: -1
 * with *line and err.
 */
static int
walk(struct walk *w, uint64_t limit, int *line, char *err)
{
	const yaml_node_t *n;
	int id, c;

	push(w, 1);
	while (w->w_depth > 0) {
		id = w->w_stack[w->w_depth - 1];
		n = yaml_document_get_node(w->w_doc, id);
		c = child(n, w->w_next[w->w_depth - 1]++);
		if (c > 0 && w->w_state[c - 1] == 0) {
			push(w, c);
			continue;
		}
		if (c > 0 && w->w_state[c - 1] == 1) {
			*line = (int)n->start_mark.line + 1;
			return err_set(err, "an alias here names a node that "
			    "holds it; spell the values out");
		}
		if (c > 0) {
			w->w_weight[id - 1] = sat_add(w->w_weight[id - 1],
			    w->w_weight[c - 1]);
			continue;
		}
		if (w->w_weight[id - 1] > limit) {
			*line = (int)n->start_mark.line + 1;
			return err_set(err, "aliases here expand the document "
			    "by more than %u nodes and characters; spell the "
			    "values out", YAMLDOC_ALIAS_MAX);
		}
		w->w_state[id - 1] = 2;
		if (--w->w_depth > 0) {
			c = w->w_stack[w->w_depth - 1];
			w->w_weight[c - 1] = sat_add(w->w_weight[c - 1],
			    w->w_weight[id - 1]);
		}
	}
	return 0;
}

/* What aliases add to the document: at most YAMLDOC_ALIAS_MAX. */
static int
check_aliases(yaml_document_t *doc, int *line, char *err)
{
	size_t i, n = (size_t)(doc->nodes.top - doc->nodes.start);
	uint64_t plain = 0;
	struct walk w;
	int rc = 0;

	if (n == 0)
		return 0;
	for (i = 0; i < n; i++)
		plain = sat_add(plain, own_weight(&doc->nodes.start[i]));
	w.w_doc = doc;
	w.w_depth = 0;
	w.w_weight = calloc(n, sizeof(*w.w_weight));
	w.w_state = calloc(n, sizeof(*w.w_state));
	w.w_stack = calloc(n, sizeof(*w.w_stack));
	w.w_next = calloc(n, sizeof(*w.w_next));
	if (w.w_weight == NULL || w.w_state == NULL || w.w_stack == NULL ||
	    w.w_next == NULL) {
		*line = 1;
		rc = err_set(err, "out of memory");
	} else
		rc = walk(&w, sat_add(plain, YAMLDOC_ALIAS_MAX), line, err);
	free(w.w_weight);
	free(w.w_state);
	free(w.w_stack);
	free(w.w_next);
	return rc;
}

int
yamldoc_load(yaml_parser_t *parser, yaml_document_t *doc, int *line,
    char *err)
{
	yaml_document_t next;

	if (!yaml_parser_load(parser, doc))
		return syntax_error(parser, line, err);
	/* At the end of the stream libyaml gives a document without a
	 * root node; anything else is a second document. */
	if (!yaml_parser_load(parser, &next)) {
		syntax_error(parser, line, err);
		goto fail;
	}
	if (yaml_document_get_root_node(&next) != NULL) {
		*line = (int)next.start_mark.line + 1;
		err_set(err, "a second YAML document is not read; put what "
		    "follows '---' in the first one");
		yaml_document_delete(&next);
		goto fail;
	}
	yaml_document_delete(&next);
	if (check_aliases(doc, line, err) == -1)
		goto fail;
	return 0;
fail:
	yaml_document_delete(doc);
	return -1;
}

/* A scalar key of a mapping and the pair it opens. */
struct key_ref {
	const char *kr_text;
	size_t kr_pair;
};

/* By text, then by pair: copies of a key side by side, first first. */
static int
key_ref_cmp(const void *a, const void *b)
{
	const struct key_ref *x = a, *y = b;
	int c = strcmp(x->kr_text, y->kr_text);

	if (c != 0)
		return c;
	return (x->kr_pair > y->kr_pair) - (x->kr_pair < y->kr_pair);
}

int
yamldoc_repeated_keys(yaml_document_t *doc, const yaml_node_t *map,
    unsigned char **repeated)
{
	size_t i, n = 0, npairs;
	struct key_ref *keys;
	yaml_node_t *k;

	npairs = (size_t)(map->data.mapping.pairs.top -
	    map->data.mapping.pairs.start);
	*repeated = calloc(npairs + 1, 1);
	keys = calloc(npairs + 1, sizeof(*keys));
	if (*repeated == NULL || keys == NULL) {
		free(*repeated);
		free(keys);
		*repeated = NULL;
		return -1;
	}
	for (i = 0; i < npairs; i++) {
		k = yaml_document_get_node(doc,
		    map->data.mapping.pairs.start[i].key);
		if (k == NULL || k->type != YAML_SCALAR_NODE)
			continue;
		keys[n].kr_text = (const char *)k->data.scalar.value;
		keys[n++].kr_pair = i;
	}
	/* Sorted, a mapping of n keys costs n log n whatever it repeats. */
	if (n > 1)
		qsort(keys, n, sizeof(*keys), key_ref_cmp);
	for (i = 1; i < n; i++)
		if (strcmp(keys[i].kr_text, keys[i - 1].kr_text) == 0)
			(*repeated)[keys[i].kr_pair] = 1;
	free(keys);
	return 0;
}

void
yamldoc_verror(const char *file, FILE *errf, char *err, int *nerr,
    const yaml_node_t *n, const char *fmt, va_list ap)
{
	unsigned long line = n ? (unsigned long)n->start_mark.line + 1 : 0;
	char msg[ERR_LEN];

	vsnprintf(msg, sizeof(msg), fmt, ap);
	if (errf != NULL)
		fprintf(errf, "%s:%lu: %s\n", file, line, msg);
	if ((*nerr)++ == 0 && err != NULL)
		err_set(err, "%s:%lu: %s", file, line, msg);
}

void
yamldoc_error_count(char *err, int nerr)
{
	size_t n;

	if (nerr <= 1 || err == NULL)
		return;
	n = strlen(err);
	snprintf(err + n, ERR_LEN - n, " (and %d more error%s)", nerr - 1,
	    nerr > 2 ? "s" : "");
}

int
yamldoc_read(const char *path, yaml_document_t *doc, char *err)
{
	yaml_parser_t parser;
	char e[ERR_LEN];
	FILE *f;
	int line, rc = -1;

	if ((f = fopen(path, "r")) == NULL)
		return err_errno(err, "%s", path);
	if (!yaml_parser_initialize(&parser)) {
		err_set(err, "%s: cannot initialize the YAML parser", path);
		goto out;
	}
	yaml_parser_set_input_file(&parser, f);
	if (yamldoc_load(&parser, doc, &line, e) == -1)
		err_set(err, "%s:%d: %s", path, line, e);
	else
		rc = 0;
	yaml_parser_delete(&parser);
out:
	fclose(f);
	return rc;
}
