/* Small helpers over the syntax tree; the tree itself is built by the parser. */
#include "gql/gql_ast.h"

void gql_doc_free(gql_document *doc)
{
	if (doc == NULL)
		return;
	/* The document struct itself lives in its arena. */
	gql_arena_free(doc->arena);
}

const char *gql_operation_name(gql_operation op)
{
	switch (op) {
	case GQL_OP_QUERY:
		return "query";
	case GQL_OP_MUTATION:
		return "mutation";
	case GQL_OP_SUBSCRIPTION:
		return "subscription";
	}
	return "query";
}
