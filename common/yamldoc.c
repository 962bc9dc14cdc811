/*
 * yamldoc.c - loads the one YAML document of a configuration file with
 * libyaml, and refuses a second one: yaml_parser_load reads a document at
 * a time, so a loader that calls it once drops whatever follows a '---'
 * without a word (a scenario or a lab written there would silently not
 * exist).
 */
#include <yaml.h>

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
	return 0;
fail:
	yaml_document_delete(doc);
	return -1;
}
