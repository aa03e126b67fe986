/* Recursive descent, one function per grammar rule, in the order of the
 * GraphQL spec. Every rule returns 0 or a negative gql_status; the first
 * error stops the parse, as in graphql-js, so the reported error is the
 * same one. Nesting is bounded by a depth counter so hostile input cannot
 * exhaust the stack. */
#include "config.h"

#include "gql/gql_parser.h"

#include <stdarg.h>
#include <string.h>

#include "gql/gql_lexer.h"

typedef struct gql_parser {
    gql_lexer lx;           /* lexer positioned after tok */
    gql_token tok;          /* current token */
    gql_lexer peek_lx;      /* lexer state after the lookahead token */
    gql_token peek_tok;     /* lookahead token, valid when has_peek */
    int has_peek;           /* 1 when peek_tok holds the next token */
    gql_arena *arena;       /* document arena: every node goes here */
    gql_error_list *errors; /* where the single error goes */
    size_t ntokens;         /* tokens consumed, excluding EOF */
    size_t max_tokens;      /* limit on ntokens */
    unsigned depth;         /* current nesting */
    unsigned max_depth;     /* limit on depth */
} gql_parser;

#define TRY(expr)             \
    do {                      \
        int try_rc_ = (expr); \
        if (try_rc_ != 0)     \
            return try_rc_;   \
    } while (0)

static void *gql_node(gql_parser *p, size_t size)
{
    return gql_arena_calloc(p->arena, size);
}
#define NEW(p, type) ((type *)gql_node((p), sizeof(type)))

static int gql_p_error(gql_parser *p, size_t pos, int rc, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

/* Records the parse's one error at byte offset pos; returns rc. */
static int gql_p_error(gql_parser *p, size_t pos, int rc, const char *fmt, ...)
{
    gql_loc loc = gql_source_locate(p->lx.src, p->lx.len, pos);
    va_list ap;
    va_start(ap, fmt);
    int err = gql_error_list_vadd(p->errors, NULL, 0, &loc, 1, fmt, ap);
    va_end(ap);
    return err != 0 ? GQL_ENOMEM : rc;
}

/* "Unexpected <token>." at the token. */
static int gql_unexpected(gql_parser *p, const gql_token *t)
{
    if (t->value != NULL)
        return gql_p_error(p, t->start, GQL_ESYNTAX, "Syntax Error: Unexpected %s \"%.*s\".",
                           gql_token_kind_desc(t->kind), (int)t->len, t->value);
    return gql_p_error(p, t->start, GQL_ESYNTAX, "Syntax Error: Unexpected %s.",
                       gql_token_kind_desc(t->kind));
}

/* "Expected <what>, found <token>." at the current token. */
static int gql_expected(gql_parser *p, const char *what)
{
    const gql_token *t = &p->tok;
    if (t->value != NULL)
        return gql_p_error(p, t->start, GQL_ESYNTAX, "Syntax Error: Expected %s, found %s \"%.*s\".", what,
                           gql_token_kind_desc(t->kind), (int)t->len, t->value);
    return gql_p_error(p, t->start, GQL_ESYNTAX, "Syntax Error: Expected %s, found %s.", what,
                       gql_token_kind_desc(t->kind));
}

static int gql_advance(gql_parser *p)
{
    if (p->has_peek) {
        p->lx = p->peek_lx;
        p->tok = p->peek_tok;
        p->has_peek = 0;
    } else {
        TRY(gql_lexer_next(&p->lx, &p->tok));
    }
    if (p->tok.kind != GQL_TOKEN_EOF && ++p->ntokens > p->max_tokens) {
        gql_loc loc = gql_source_locate(p->lx.src, p->lx.len, p->tok.start);
        if (gql_error_list_add(p->errors, NULL, 0, &loc, 1,
                               "Syntax Error: Document contains more than %zu tokens. "
                               "Parsing aborted.",
                               p->max_tokens) != 0)
            return GQL_ENOMEM;
        return GQL_ELIMIT;
    }
    return GQL_OK;
}

/* The token after the current one, without consuming anything. */
static int gql_lookahead(gql_parser *p, const gql_token **out)
{
    if (!p->has_peek) {
        p->peek_lx = p->lx;
        TRY(gql_lexer_next(&p->peek_lx, &p->peek_tok));
        p->has_peek = 1;
    }
    *out = &p->peek_tok;
    return GQL_OK;
}

static int gql_peek(const gql_parser *p, gql_token_kind kind)
{
    return p->tok.kind == kind;
}

static int gql_is_keyword(const gql_token *t, const char *kw)
{
    return t->kind == GQL_TOKEN_NAME && strlen(kw) == t->len && memcmp(t->value, kw, t->len) == 0;
}

/* graphql-js compares token.value whatever the kind (a String "on" too). */
static int gql_value_is(const gql_token *t, const char *s)
{
    return t->value != NULL && strlen(s) == t->len && memcmp(t->value, s, t->len) == 0;
}

static int gql_expect(gql_parser *p, gql_token_kind kind)
{
    if (p->tok.kind != kind)
        return gql_expected(p, gql_token_kind_desc(kind));
    return gql_advance(p);
}

/* Consumes the token if it is of this kind; *hit says whether it was. */
static int gql_expect_optional(gql_parser *p, gql_token_kind kind, int *hit)
{
    *hit = p->tok.kind == kind;
    return *hit ? gql_advance(p) : GQL_OK;
}

static int gql_expect_keyword(gql_parser *p, const char *kw)
{
    if (!gql_is_keyword(&p->tok, kw)) {
        char what[32];
        size_t n = strlen(kw);
        what[0] = '"';
        memcpy(what + 1, kw, n);
        what[n + 1] = '"';
        what[n + 2] = '\0';
        return gql_expected(p, what);
    }
    return gql_advance(p);
}

static int gql_expect_optional_keyword(gql_parser *p, const char *kw, int *hit)
{
    *hit = gql_is_keyword(&p->tok, kw);
    return *hit ? gql_advance(p) : GQL_OK;
}

static int gql_enter(gql_parser *p)
{
    if (++p->depth > p->max_depth) {
        gql_loc loc = gql_source_locate(p->lx.src, p->lx.len, p->tok.start);
        if (gql_error_list_add(p->errors, NULL, 0, &loc, 1,
                               "Syntax Error: Document nesting is deeper than %u. "
                               "Parsing aborted.",
                               p->max_depth) != 0)
            return GQL_ENOMEM;
        return GQL_ELIMIT;
    }
    return GQL_OK;
}

static void gql_leave(gql_parser *p)
{
    p->depth--;
}

/* Name */
static int gql_parse_name(gql_parser *p, const char **name, gql_loc *loc)
{
    if (p->tok.kind != GQL_TOKEN_NAME)
        return gql_expected(p, "Name");
    *name = gql_arena_strndup(p->arena, p->tok.value, p->tok.len);
    if (*name == NULL)
        return GQL_ENOMEM;
    if (loc != NULL)
        *loc = p->tok.loc;
    return gql_advance(p);
}

/* ---- values ---- */

static int gql_parse_value_literal(gql_parser *p, int is_const, gql_value **out);

/* Variable : $ Name */
static int gql_parse_variable(gql_parser *p, gql_value **out)
{
    gql_value *v = NEW(p, gql_value);
    if (v == NULL)
        return GQL_ENOMEM;
    v->kind = GQL_VALUE_VARIABLE;
    v->loc = p->tok.loc;
    TRY(gql_expect(p, GQL_TOKEN_DOLLAR));
    TRY(gql_parse_name(p, &v->str, NULL));
    v->len = strlen(v->str);
    *out = v;
    return GQL_OK;
}

/* StringValue (also used for descriptions) */
static int gql_parse_string_literal(gql_parser *p, gql_value **out)
{
    gql_value *v = NEW(p, gql_value);
    if (v == NULL)
        return GQL_ENOMEM;
    v->kind = GQL_VALUE_STRING;
    v->loc = p->tok.loc;
    v->block = p->tok.kind == GQL_TOKEN_BLOCK_STRING;
    v->str = p->tok.value; /* already decoded into the arena by the lexer */
    v->len = p->tok.len;
    *out = v;
    return gql_advance(p);
}

/* ListValue : [ ] | [ Value+ ] */
static int gql_parse_list(gql_parser *p, int is_const, gql_value *v)
{
    int hit;
    gql_value **tail = &v->items;
    TRY(gql_enter(p));
    TRY(gql_expect(p, GQL_TOKEN_BRACKET_L));
    for (;;) {
        TRY(gql_expect_optional(p, GQL_TOKEN_BRACKET_R, &hit));
        if (hit)
            break;
        TRY(gql_parse_value_literal(p, is_const, tail));
        tail = &(*tail)->next;
        v->count++;
    }
    gql_leave(p);
    return GQL_OK;
}

/* ObjectField : Name : Value */
static int gql_parse_object_field(gql_parser *p, int is_const, gql_object_field **out)
{
    gql_object_field *f = NEW(p, gql_object_field);
    if (f == NULL)
        return GQL_ENOMEM;
    TRY(gql_parse_name(p, &f->name, &f->loc));
    TRY(gql_expect(p, GQL_TOKEN_COLON));
    TRY(gql_parse_value_literal(p, is_const, &f->value));
    *out = f;
    return GQL_OK;
}

/* ObjectValue : { } | { ObjectField+ } */
static int gql_parse_object(gql_parser *p, int is_const, gql_value *v)
{
    int hit;
    gql_object_field **tail = &v->fields;
    TRY(gql_enter(p));
    TRY(gql_expect(p, GQL_TOKEN_BRACE_L));
    for (;;) {
        TRY(gql_expect_optional(p, GQL_TOKEN_BRACE_R, &hit));
        if (hit)
            break;
        TRY(gql_parse_object_field(p, is_const, tail));
        tail = &(*tail)->next;
        v->count++;
    }
    gql_leave(p);
    return GQL_OK;
}

/* Value[Const] */
static int gql_parse_value_literal(gql_parser *p, int is_const, gql_value **out)
{
    gql_token t = p->tok;
    if (t.kind == GQL_TOKEN_STRING || t.kind == GQL_TOKEN_BLOCK_STRING)
        return gql_parse_string_literal(p, out);
    if (t.kind == GQL_TOKEN_DOLLAR) {
        if (!is_const)
            return gql_parse_variable(p, out);
        TRY(gql_advance(p));
        if (p->tok.kind == GQL_TOKEN_NAME)
            return gql_p_error(p, t.start, GQL_ESYNTAX,
                               "Syntax Error: Unexpected variable \"$%.*s\" in constant value.",
                               (int)p->tok.len, p->tok.value);
        return gql_unexpected(p, &t);
    }
    gql_value *v = NEW(p, gql_value);
    if (v == NULL)
        return GQL_ENOMEM;
    v->loc = t.loc;
    *out = v;
    switch (t.kind) {
    case GQL_TOKEN_BRACKET_L:
        v->kind = GQL_VALUE_LIST;
        return gql_parse_list(p, is_const, v);
    case GQL_TOKEN_BRACE_L:
        v->kind = GQL_VALUE_OBJECT;
        return gql_parse_object(p, is_const, v);
    case GQL_TOKEN_INT:
    case GQL_TOKEN_FLOAT:
    case GQL_TOKEN_NAME:
        if (t.kind == GQL_TOKEN_NAME && (gql_value_is(&t, "true") || gql_value_is(&t, "false"))) {
            v->kind = GQL_VALUE_BOOLEAN;
            v->boolean = t.len == 4;
        } else if (gql_value_is(&t, "null") && t.kind == GQL_TOKEN_NAME) {
            v->kind = GQL_VALUE_NULL;
        } else {
            v->kind = t.kind == GQL_TOKEN_INT     ? GQL_VALUE_INT
                      : t.kind == GQL_TOKEN_FLOAT ? GQL_VALUE_FLOAT
                                                  : GQL_VALUE_ENUM;
            v->str = gql_arena_strndup(p->arena, t.value, t.len);
            if (v->str == NULL)
                return GQL_ENOMEM;
            v->len = t.len;
        }
        return gql_advance(p);
    default:
        return gql_unexpected(p, &p->tok);
    }
}

/* ---- directives and arguments ---- */

/* Argument[Const] : Name : Value[Const] */
static int gql_parse_argument(gql_parser *p, int is_const, gql_argument **out)
{
    gql_argument *a = NEW(p, gql_argument);
    if (a == NULL)
        return GQL_ENOMEM;
    TRY(gql_parse_name(p, &a->name, &a->loc));
    TRY(gql_expect(p, GQL_TOKEN_COLON));
    TRY(gql_parse_value_literal(p, is_const, &a->value));
    *out = a;
    return GQL_OK;
}

/* Arguments[Const] : ( Argument[Const]+ ) -- optional */
static int gql_parse_arguments(gql_parser *p, int is_const, gql_argument **head, size_t *n)
{
    int hit;
    TRY(gql_expect_optional(p, GQL_TOKEN_PAREN_L, &hit));
    if (!hit)
        return GQL_OK;
    gql_argument **tail = head;
    do {
        TRY(gql_parse_argument(p, is_const, tail));
        tail = &(*tail)->next;
        (*n)++;
        TRY(gql_expect_optional(p, GQL_TOKEN_PAREN_R, &hit));
    } while (!hit);
    return GQL_OK;
}

/* Directive[Const] : @ Name Arguments[Const]? */
static int gql_parse_directive(gql_parser *p, int is_const, gql_directive **out)
{
    gql_directive *d = NEW(p, gql_directive);
    if (d == NULL)
        return GQL_ENOMEM;
    d->loc = p->tok.loc;
    TRY(gql_expect(p, GQL_TOKEN_AT));
    TRY(gql_parse_name(p, &d->name, NULL));
    TRY(gql_parse_arguments(p, is_const, &d->args, &d->nargs));
    *out = d;
    return GQL_OK;
}

/* Directives[Const] : Directive[Const]+ -- optional */
static int gql_parse_directives(gql_parser *p, int is_const, gql_directive **head)
{
    gql_directive **tail = head;
    while (gql_peek(p, GQL_TOKEN_AT)) {
        TRY(gql_parse_directive(p, is_const, tail));
        tail = &(*tail)->next;
    }
    return GQL_OK;
}

/* ---- types ---- */

/* NamedType : Name */
static int gql_parse_named_type(gql_parser *p, gql_type_ref **out)
{
    gql_type_ref *t = NEW(p, gql_type_ref);
    if (t == NULL)
        return GQL_ENOMEM;
    t->kind = GQL_TYPE_NAMED;
    TRY(gql_parse_name(p, &t->name, &t->loc));
    *out = t;
    return GQL_OK;
}

/* Type : NamedType | ListType | NonNullType */
static int gql_parse_type_reference(gql_parser *p, gql_type_ref **out)
{
    int hit;
    gql_loc start = p->tok.loc;
    gql_type_ref *t;
    if (gql_peek(p, GQL_TOKEN_BRACKET_L)) {
        t = NEW(p, gql_type_ref);
        if (t == NULL)
            return GQL_ENOMEM;
        t->kind = GQL_TYPE_LIST;
        t->loc = start;
        TRY(gql_enter(p));
        TRY(gql_advance(p));
        TRY(gql_parse_type_reference(p, &t->of_type));
        gql_leave(p);
        TRY(gql_expect(p, GQL_TOKEN_BRACKET_R));
    } else {
        TRY(gql_parse_named_type(p, &t));
    }
    TRY(gql_expect_optional(p, GQL_TOKEN_BANG, &hit));
    if (hit) {
        gql_type_ref *nn = NEW(p, gql_type_ref);
        if (nn == NULL)
            return GQL_ENOMEM;
        nn->kind = GQL_TYPE_NON_NULL;
        nn->loc = start;
        nn->of_type = t;
        t = nn;
    }
    *out = t;
    return GQL_OK;
}

/* ---- operations ---- */

static int gql_parse_selection_set(gql_parser *p, gql_selection_set **out);

/* Description : StringValue -- optional */
static int gql_parse_description(gql_parser *p, const char **out)
{
    if (!gql_peek(p, GQL_TOKEN_STRING) && !gql_peek(p, GQL_TOKEN_BLOCK_STRING))
        return GQL_OK;
    gql_value *v;
    TRY(gql_parse_string_literal(p, &v));
    *out = v->str;
    return GQL_OK;
}

/* OperationType : one of query mutation subscription */
static int gql_parse_operation_type(gql_parser *p, gql_operation *op)
{
    gql_token t = p->tok;
    TRY(gql_expect(p, GQL_TOKEN_NAME));
    if (gql_is_keyword(&t, "query"))
        *op = GQL_OP_QUERY;
    else if (gql_is_keyword(&t, "mutation"))
        *op = GQL_OP_MUTATION;
    else if (gql_is_keyword(&t, "subscription"))
        *op = GQL_OP_SUBSCRIPTION;
    else
        return gql_unexpected(p, &t);
    return GQL_OK;
}

/* VariableDefinition : Description? Variable : Type DefaultValue? Directives[Const]? */
static int gql_parse_variable_definition(gql_parser *p, gql_variable_def **out)
{
    int hit;
    gql_variable_def *vd = NEW(p, gql_variable_def);
    if (vd == NULL)
        return GQL_ENOMEM;
    vd->loc = p->tok.loc;
    TRY(gql_parse_description(p, &vd->description));
    vd->variable_loc = p->tok.loc;
    TRY(gql_expect(p, GQL_TOKEN_DOLLAR));
    TRY(gql_parse_name(p, &vd->name, &vd->name_loc));
    TRY(gql_expect(p, GQL_TOKEN_COLON));
    TRY(gql_parse_type_reference(p, &vd->type));
    TRY(gql_expect_optional(p, GQL_TOKEN_EQUALS, &hit));
    if (hit)
        TRY(gql_parse_value_literal(p, 1, &vd->default_value));
    TRY(gql_parse_directives(p, 1, &vd->directives));
    *out = vd;
    return GQL_OK;
}

/* VariableDefinitions : ( VariableDefinition+ ) -- optional */
static int gql_parse_variable_definitions(gql_parser *p, gql_definition *d)
{
    int hit;
    TRY(gql_expect_optional(p, GQL_TOKEN_PAREN_L, &hit));
    if (!hit)
        return GQL_OK;
    gql_variable_def **tail = &d->variables;
    do {
        TRY(gql_parse_variable_definition(p, tail));
        tail = &(*tail)->next;
        d->nvariables++;
        TRY(gql_expect_optional(p, GQL_TOKEN_PAREN_R, &hit));
    } while (!hit);
    return GQL_OK;
}

/* OperationDefinition : SelectionSet
 *   | Description? OperationType Name? VariableDefinitions? Directives? SelectionSet */
static int gql_parse_operation_definition(gql_parser *p, gql_definition *d)
{
    d->kind = GQL_DEF_OPERATION;
    d->operation = GQL_OP_QUERY;
    if (gql_peek(p, GQL_TOKEN_BRACE_L))
        return gql_parse_selection_set(p, &d->selection_set);
    TRY(gql_parse_description(p, &d->description));
    TRY(gql_parse_operation_type(p, &d->operation));
    if (gql_peek(p, GQL_TOKEN_NAME))
        TRY(gql_parse_name(p, &d->name, &d->name_loc));
    TRY(gql_parse_variable_definitions(p, d));
    TRY(gql_parse_directives(p, 0, &d->directives));
    return gql_parse_selection_set(p, &d->selection_set);
}

/* Field : Alias? Name Arguments? Directives? SelectionSet? */
static int gql_parse_field(gql_parser *p, gql_selection *s)
{
    int hit;
    s->kind = GQL_SEL_FIELD;
    TRY(gql_parse_name(p, &s->name, &s->name_loc));
    TRY(gql_expect_optional(p, GQL_TOKEN_COLON, &hit));
    if (hit) {
        s->alias = s->name;
        TRY(gql_parse_name(p, &s->name, &s->name_loc));
    }
    TRY(gql_parse_arguments(p, 0, &s->args, &s->nargs));
    TRY(gql_parse_directives(p, 0, &s->directives));
    if (gql_peek(p, GQL_TOKEN_BRACE_L))
        TRY(gql_parse_selection_set(p, &s->selection_set));
    return GQL_OK;
}

/* FragmentName : Name but not `on` */
static int gql_parse_fragment_name(gql_parser *p, const char **name, gql_loc *loc)
{
    if (gql_value_is(&p->tok, "on"))
        return gql_unexpected(p, &p->tok);
    return gql_parse_name(p, name, loc);
}

/* FragmentSpread : ... FragmentName Directives?
 * InlineFragment : ... TypeCondition? Directives? SelectionSet */
static int gql_parse_fragment(gql_parser *p, gql_selection *s)
{
    int has_type;
    TRY(gql_expect(p, GQL_TOKEN_SPREAD));
    TRY(gql_expect_optional_keyword(p, "on", &has_type));
    if (!has_type && gql_peek(p, GQL_TOKEN_NAME)) {
        s->kind = GQL_SEL_FRAGMENT_SPREAD;
        TRY(gql_parse_fragment_name(p, &s->name, &s->name_loc));
        return gql_parse_directives(p, 0, &s->directives);
    }
    s->kind = GQL_SEL_INLINE_FRAGMENT;
    if (has_type) {
        gql_type_ref *t;
        TRY(gql_parse_named_type(p, &t));
        s->type_condition = t->name;
        s->type_condition_loc = t->loc;
    }
    TRY(gql_parse_directives(p, 0, &s->directives));
    return gql_parse_selection_set(p, &s->selection_set);
}

/* Selection : Field | FragmentSpread | InlineFragment */
static int gql_parse_selection(gql_parser *p, gql_selection **out)
{
    gql_selection *s = NEW(p, gql_selection);
    if (s == NULL)
        return GQL_ENOMEM;
    s->loc = p->tok.loc;
    *out = s;
    if (gql_peek(p, GQL_TOKEN_SPREAD))
        return gql_parse_fragment(p, s);
    return gql_parse_field(p, s);
}

/* SelectionSet : { Selection+ } */
static int gql_parse_selection_set(gql_parser *p, gql_selection_set **out)
{
    int hit;
    gql_selection_set *ss = NEW(p, gql_selection_set);
    if (ss == NULL)
        return GQL_ENOMEM;
    ss->loc = p->tok.loc;
    TRY(gql_enter(p));
    TRY(gql_expect(p, GQL_TOKEN_BRACE_L));
    gql_selection **tail = &ss->selections;
    do {
        TRY(gql_parse_selection(p, tail));
        tail = &(*tail)->next;
        ss->count++;
        TRY(gql_expect_optional(p, GQL_TOKEN_BRACE_R, &hit));
    } while (!hit);
    gql_leave(p);
    *out = ss;
    return GQL_OK;
}

/* FragmentDefinition : Description? fragment FragmentName TypeCondition Directives? SelectionSet */
static int gql_parse_fragment_definition(gql_parser *p, gql_definition *d)
{
    d->kind = GQL_DEF_FRAGMENT;
    TRY(gql_parse_description(p, &d->description));
    TRY(gql_expect_keyword(p, "fragment"));
    TRY(gql_parse_fragment_name(p, &d->name, &d->name_loc));
    TRY(gql_expect_keyword(p, "on"));
    gql_type_ref *t;
    TRY(gql_parse_named_type(p, &t));
    d->type_condition = t->name;
    d->type_condition_loc = t->loc;
    TRY(gql_parse_directives(p, 0, &d->directives));
    return gql_parse_selection_set(p, &d->selection_set);
}

/* ---- type system ---- */

/* OperationTypeDefinition : OperationType : NamedType */
static int gql_parse_operation_type_definition(gql_parser *p, gql_operation_type_def **out)
{
    gql_operation_type_def *o = NEW(p, gql_operation_type_def);
    if (o == NULL)
        return GQL_ENOMEM;
    o->loc = p->tok.loc;
    TRY(gql_parse_operation_type(p, &o->operation));
    TRY(gql_expect(p, GQL_TOKEN_COLON));
    gql_type_ref *t;
    TRY(gql_parse_named_type(p, &t));
    o->type_name = t->name;
    o->type_loc = t->loc;
    *out = o;
    return GQL_OK;
}

/* { OperationTypeDefinition+ }; required unless `optional` (extensions). */
static int gql_parse_root_types(gql_parser *p, gql_definition *d, int optional)
{
    int hit;
    if (optional) {
        TRY(gql_expect_optional(p, GQL_TOKEN_BRACE_L, &hit));
        if (!hit)
            return GQL_OK;
    } else {
        TRY(gql_expect(p, GQL_TOKEN_BRACE_L));
    }
    gql_operation_type_def **tail = &d->roots;
    do {
        TRY(gql_parse_operation_type_definition(p, tail));
        tail = &(*tail)->next;
        TRY(gql_expect_optional(p, GQL_TOKEN_BRACE_R, &hit));
    } while (!hit);
    return GQL_OK;
}

/* SchemaDefinition : Description? schema Directives[Const]? { OperationTypeDefinition+ } */
static int gql_parse_schema_definition(gql_parser *p, gql_definition *d)
{
    d->kind = GQL_DEF_SCHEMA;
    TRY(gql_parse_description(p, &d->description));
    TRY(gql_expect_keyword(p, "schema"));
    TRY(gql_parse_directives(p, 1, &d->directives));
    return gql_parse_root_types(p, d, 0);
}

/* Name list separated by `delim`, with an optional leading one:
 * ImplementsInterfaces, UnionMemberTypes, DirectiveLocations. */
static int gql_parse_delimited_names(gql_parser *p, gql_token_kind delim, int locations,
                                     gql_name_list **head);

/* ImplementsInterfaces : implements &? NamedType (& NamedType)* -- optional */
static int gql_parse_implements_interfaces(gql_parser *p, gql_definition *d)
{
    int hit;
    TRY(gql_expect_optional_keyword(p, "implements", &hit));
    if (!hit)
        return GQL_OK;
    return gql_parse_delimited_names(p, GQL_TOKEN_AMP, 0, &d->interfaces);
}

/* InputValueDefinition : Description? Name : Type DefaultValue? Directives[Const]? */
static int gql_parse_input_value_def(gql_parser *p, gql_input_value_def **out)
{
    int hit;
    gql_input_value_def *iv = NEW(p, gql_input_value_def);
    if (iv == NULL)
        return GQL_ENOMEM;
    iv->loc = p->tok.loc;
    TRY(gql_parse_description(p, &iv->description));
    TRY(gql_parse_name(p, &iv->name, NULL));
    TRY(gql_expect(p, GQL_TOKEN_COLON));
    TRY(gql_parse_type_reference(p, &iv->type));
    TRY(gql_expect_optional(p, GQL_TOKEN_EQUALS, &hit));
    if (hit)
        TRY(gql_parse_value_literal(p, 1, &iv->default_value));
    TRY(gql_parse_directives(p, 1, &iv->directives));
    *out = iv;
    return GQL_OK;
}

/* `open` InputValueDefinition+ `close` -- optional: ArgumentsDefinition
 * with ( ), InputFieldsDefinition with { }. */
static int gql_parse_input_value_defs(gql_parser *p, gql_token_kind open, gql_token_kind close,
                                      gql_input_value_def **head)
{
    int hit;
    TRY(gql_expect_optional(p, open, &hit));
    if (!hit)
        return GQL_OK;
    gql_input_value_def **tail = head;
    do {
        TRY(gql_parse_input_value_def(p, tail));
        tail = &(*tail)->next;
        TRY(gql_expect_optional(p, close, &hit));
    } while (!hit);
    return GQL_OK;
}

/* FieldDefinition : Description? Name ArgumentsDefinition? : Type Directives[Const]? */
static int gql_parse_field_definition(gql_parser *p, gql_field_def **out)
{
    gql_field_def *f = NEW(p, gql_field_def);
    if (f == NULL)
        return GQL_ENOMEM;
    f->loc = p->tok.loc;
    TRY(gql_parse_description(p, &f->description));
    TRY(gql_parse_name(p, &f->name, NULL));
    TRY(gql_parse_input_value_defs(p, GQL_TOKEN_PAREN_L, GQL_TOKEN_PAREN_R, &f->args));
    TRY(gql_expect(p, GQL_TOKEN_COLON));
    TRY(gql_parse_type_reference(p, &f->type));
    TRY(gql_parse_directives(p, 1, &f->directives));
    *out = f;
    return GQL_OK;
}

/* FieldsDefinition : { FieldDefinition+ } -- optional */
static int gql_parse_fields_definition(gql_parser *p, gql_definition *d)
{
    int hit;
    TRY(gql_expect_optional(p, GQL_TOKEN_BRACE_L, &hit));
    if (!hit)
        return GQL_OK;
    gql_field_def **tail = &d->fields;
    do {
        TRY(gql_parse_field_definition(p, tail));
        tail = &(*tail)->next;
        TRY(gql_expect_optional(p, GQL_TOKEN_BRACE_R, &hit));
    } while (!hit);
    return GQL_OK;
}

/* EnumValueDefinition : Description? EnumValue Directives[Const]? */
static int gql_parse_enum_value_definition(gql_parser *p, gql_enum_value_def **out)
{
    gql_enum_value_def *e = NEW(p, gql_enum_value_def);
    if (e == NULL)
        return GQL_ENOMEM;
    e->loc = p->tok.loc;
    TRY(gql_parse_description(p, &e->description));
    const gql_token *t = &p->tok;
    if (gql_value_is(t, "true") || gql_value_is(t, "false") || gql_value_is(t, "null")) {
        return gql_p_error(p, t->start, GQL_ESYNTAX,
                           "Syntax Error: %s \"%.*s\" is reserved and cannot be used for an "
                           "enum value.",
                           gql_token_kind_desc(t->kind), (int)t->len, t->value);
    }
    TRY(gql_parse_name(p, &e->name, NULL));
    TRY(gql_parse_directives(p, 1, &e->directives));
    *out = e;
    return GQL_OK;
}

/* EnumValuesDefinition : { EnumValueDefinition+ } -- optional */
static int gql_parse_enum_values_definition(gql_parser *p, gql_definition *d)
{
    int hit;
    TRY(gql_expect_optional(p, GQL_TOKEN_BRACE_L, &hit));
    if (!hit)
        return GQL_OK;
    gql_enum_value_def **tail = &d->values;
    do {
        TRY(gql_parse_enum_value_definition(p, tail));
        tail = &(*tail)->next;
        TRY(gql_expect_optional(p, GQL_TOKEN_BRACE_R, &hit));
    } while (!hit);
    return GQL_OK;
}

static int gql_parse_delimited_names(gql_parser *p, gql_token_kind delim, int locations, gql_name_list **head)
{
    int hit;
    gql_name_list **tail = head;
    TRY(gql_expect_optional(p, delim, &hit));
    do {
        gql_name_list *n = NEW(p, gql_name_list);
        if (n == NULL)
            return GQL_ENOMEM;
        gql_token start = p->tok;
        TRY(gql_parse_name(p, &n->name, &n->loc));
        /* DirectiveLocation: only the names the spec lists. */
        if (locations && gql_directive_location_index(n->name, strlen(n->name)) < 0)
            return gql_unexpected(p, &start);
        *tail = n;
        tail = &n->next;
        TRY(gql_expect_optional(p, delim, &hit));
    } while (hit);
    return GQL_OK;
}

/* ScalarTypeDefinition / ScalarTypeExtension */
static int gql_parse_scalar(gql_parser *p, gql_definition *d)
{
    d->kind = GQL_DEF_SCALAR;
    TRY(gql_expect_keyword(p, "scalar"));
    TRY(gql_parse_name(p, &d->name, &d->name_loc));
    TRY(gql_parse_directives(p, 1, &d->directives));
    if (d->is_extension && d->directives == NULL)
        return gql_unexpected(p, &p->tok);
    return GQL_OK;
}

/* ObjectTypeDefinition, InterfaceTypeDefinition and their extensions:
 * keyword Name ImplementsInterfaces? Directives[Const]? FieldsDefinition? */
static int gql_parse_object_like(gql_parser *p, gql_definition *d, gql_definition_kind kind,
                                 const char *keyword)
{
    d->kind = kind;
    TRY(gql_expect_keyword(p, keyword));
    TRY(gql_parse_name(p, &d->name, &d->name_loc));
    TRY(gql_parse_implements_interfaces(p, d));
    TRY(gql_parse_directives(p, 1, &d->directives));
    TRY(gql_parse_fields_definition(p, d));
    if (d->is_extension && d->interfaces == NULL && d->directives == NULL && d->fields == NULL)
        return gql_unexpected(p, &p->tok);
    return GQL_OK;
}

/* UnionTypeDefinition : union Name Directives[Const]? UnionMemberTypes? */
static int gql_parse_union(gql_parser *p, gql_definition *d)
{
    int hit;
    d->kind = GQL_DEF_UNION;
    TRY(gql_expect_keyword(p, "union"));
    TRY(gql_parse_name(p, &d->name, &d->name_loc));
    TRY(gql_parse_directives(p, 1, &d->directives));
    TRY(gql_expect_optional(p, GQL_TOKEN_EQUALS, &hit));
    if (hit)
        TRY(gql_parse_delimited_names(p, GQL_TOKEN_PIPE, 0, &d->members));
    if (d->is_extension && d->directives == NULL && d->members == NULL)
        return gql_unexpected(p, &p->tok);
    return GQL_OK;
}

/* EnumTypeDefinition : enum Name Directives[Const]? EnumValuesDefinition? */
static int gql_parse_enum(gql_parser *p, gql_definition *d)
{
    d->kind = GQL_DEF_ENUM;
    TRY(gql_expect_keyword(p, "enum"));
    TRY(gql_parse_name(p, &d->name, &d->name_loc));
    TRY(gql_parse_directives(p, 1, &d->directives));
    TRY(gql_parse_enum_values_definition(p, d));
    if (d->is_extension && d->directives == NULL && d->values == NULL)
        return gql_unexpected(p, &p->tok);
    return GQL_OK;
}

/* InputObjectTypeDefinition : input Name Directives[Const]? InputFieldsDefinition? */
static int gql_parse_input_object(gql_parser *p, gql_definition *d)
{
    d->kind = GQL_DEF_INPUT_OBJECT;
    TRY(gql_expect_keyword(p, "input"));
    TRY(gql_parse_name(p, &d->name, &d->name_loc));
    TRY(gql_parse_directives(p, 1, &d->directives));
    TRY(gql_parse_input_value_defs(p, GQL_TOKEN_BRACE_L, GQL_TOKEN_BRACE_R, &d->input_fields));
    if (d->is_extension && d->directives == NULL && d->input_fields == NULL)
        return gql_unexpected(p, &p->tok);
    return GQL_OK;
}

/* DirectiveDefinition : Description? directive @ Name ArgumentsDefinition?
 *   repeatable? on DirectiveLocations */
static int gql_parse_directive_definition(gql_parser *p, gql_definition *d)
{
    d->kind = GQL_DEF_DIRECTIVE;
    TRY(gql_expect_keyword(p, "directive"));
    TRY(gql_expect(p, GQL_TOKEN_AT));
    TRY(gql_parse_name(p, &d->name, &d->name_loc));
    TRY(gql_parse_input_value_defs(p, GQL_TOKEN_PAREN_L, GQL_TOKEN_PAREN_R, &d->args));
    TRY(gql_expect_optional_keyword(p, "repeatable", &d->repeatable));
    TRY(gql_expect_keyword(p, "on"));
    return gql_parse_delimited_names(p, GQL_TOKEN_PIPE, 1, &d->locations);
}

/* TypeSystemDefinition after its Description: dispatch on the keyword.
 * Returns 1 through *matched when the keyword is a type-system one. */
static int gql_parse_type_system_body(gql_parser *p, gql_definition *d, const gql_token *kw, int *matched)
{
    *matched = 1;
    if (gql_is_keyword(kw, "scalar"))
        return gql_parse_scalar(p, d);
    if (gql_is_keyword(kw, "type"))
        return gql_parse_object_like(p, d, GQL_DEF_OBJECT, "type");
    if (gql_is_keyword(kw, "interface"))
        return gql_parse_object_like(p, d, GQL_DEF_INTERFACE, "interface");
    if (gql_is_keyword(kw, "union"))
        return gql_parse_union(p, d);
    if (gql_is_keyword(kw, "enum"))
        return gql_parse_enum(p, d);
    if (gql_is_keyword(kw, "input"))
        return gql_parse_input_object(p, d);
    *matched = 0;
    return GQL_OK;
}

static int gql_is_type_keyword(const gql_token *kw)
{
    return gql_is_keyword(kw, "scalar") || gql_is_keyword(kw, "type") || gql_is_keyword(kw, "interface") ||
           gql_is_keyword(kw, "union") || gql_is_keyword(kw, "enum") || gql_is_keyword(kw, "input");
}

/* TypeSystemExtension : extend (schema | scalar | type | interface | union | enum | input) ... */
static int gql_parse_type_system_extension(gql_parser *p, gql_definition *d)
{
    const gql_token *kw;
    int matched;
    TRY(gql_lookahead(p, &kw));
    gql_token k = *kw;
    d->is_extension = 1;
    if (gql_is_keyword(&k, "schema")) {
        d->kind = GQL_DEF_SCHEMA;
        TRY(gql_expect_keyword(p, "extend"));
        TRY(gql_expect_keyword(p, "schema"));
        TRY(gql_parse_directives(p, 1, &d->directives));
        TRY(gql_parse_root_types(p, d, 1));
        if (d->directives == NULL && d->roots == NULL)
            return gql_unexpected(p, &p->tok);
        return GQL_OK;
    }
    if (!gql_is_type_keyword(&k))
        return gql_unexpected(p, &k);
    TRY(gql_expect_keyword(p, "extend"));
    return gql_parse_type_system_body(p, d, &k, &matched);
}

/* Definition : ExecutableDefinition | TypeSystemDefinitionOrExtension */
static int gql_parse_definition(gql_parser *p, gql_definition *d)
{
    d->loc = p->tok.loc;
    if (gql_peek(p, GQL_TOKEN_BRACE_L))
        return gql_parse_operation_definition(p, d);
    int has_desc = gql_peek(p, GQL_TOKEN_STRING) || gql_peek(p, GQL_TOKEN_BLOCK_STRING);
    const gql_token *kwp = &p->tok;
    if (has_desc)
        TRY(gql_lookahead(p, &kwp));
    gql_token kw = *kwp;
    if (has_desc && kw.kind == GQL_TOKEN_BRACE_L)
        return gql_p_error(p, p->tok.start, GQL_ESYNTAX,
                           "Syntax Error: Unexpected description, descriptions are not "
                           "supported on shorthand queries.");
    if (kw.kind == GQL_TOKEN_NAME) {
        if (gql_is_keyword(&kw, "schema"))
            return gql_parse_schema_definition(p, d);
        if (gql_is_keyword(&kw, "directive")) {
            TRY(gql_parse_description(p, &d->description));
            return gql_parse_directive_definition(p, d);
        }
        if (gql_is_type_keyword(&kw)) {
            int matched;
            TRY(gql_parse_description(p, &d->description));
            return gql_parse_type_system_body(p, d, &kw, &matched);
        }
        if (gql_is_keyword(&kw, "query") || gql_is_keyword(&kw, "mutation") ||
            gql_is_keyword(&kw, "subscription"))
            return gql_parse_operation_definition(p, d);
        if (gql_is_keyword(&kw, "fragment"))
            return gql_parse_fragment_definition(p, d);
        if (has_desc)
            return gql_p_error(p, p->tok.start, GQL_ESYNTAX,
                               "Syntax Error: Unexpected description, only GraphQL "
                               "definitions support descriptions.");
        if (gql_is_keyword(&kw, "extend"))
            return gql_parse_type_system_extension(p, d);
    }
    return gql_unexpected(p, &kw);
}

/* Document : Definition+ */
static int gql_parse_document(gql_parser *p, gql_document *doc)
{
    int hit;
    gql_definition **tail = &doc->definitions;
    TRY(gql_advance(p)); /* past <SOF> */
    do {
        gql_definition *d = NEW(p, gql_definition);
        if (d == NULL)
            return GQL_ENOMEM;
        *tail = d;
        tail = &d->next;
        TRY(gql_parse_definition(p, d));
        doc->count++;
        TRY(gql_expect_optional(p, GQL_TOKEN_EOF, &hit));
    } while (!hit);
    return GQL_OK;
}

int gql_doc_parse(const char *src, size_t len, const gql_limits *limits, gql_document **out,
                  gql_error_list *errors)
{
    gql_parser p;
    gql_arena *arena = NULL;
    int rc;
    size_t max_bytes = limits != NULL && limits->max_bytes != 0 ? limits->max_bytes : GQL_MAX_BYTES;

    *out = NULL;
    memset(&p, 0, sizeof(p));
    if (len > max_bytes) {
        rc = GQL_ELIMIT;
        if (gql_error_list_add(errors, NULL, 0, NULL, 0,
                               "Syntax Error: Document is larger than %zu bytes. "
                               "Parsing aborted.",
                               max_bytes) != 0)
            rc = GQL_ENOMEM;
        goto fail;
    }
    arena = gql_arena_new();
    if (arena == NULL) {
        rc = GQL_ENOMEM;
        goto fail;
    }
    gql_document *doc = gql_arena_calloc(arena, sizeof(*doc));
    if (doc == NULL) {
        rc = GQL_ENOMEM;
        goto fail;
    }
    doc->arena = arena;
    p.arena = arena;
    p.errors = errors;
    p.max_tokens = limits != NULL && limits->max_tokens != 0 ? limits->max_tokens : GQL_MAX_TOKENS;
    p.max_depth = limits != NULL && limits->max_depth != 0 ? limits->max_depth : GQL_MAX_DEPTH;
    p.tok.kind = GQL_TOKEN_SOF;
    rc = gql_lexer_init(&p.lx, src, len, arena, errors);
    if (rc != 0)
        goto fail;
    rc = gql_parse_document(&p, doc);
    if (rc != 0)
        goto fail;
    doc->token_count = p.ntokens;
    *out = doc;
    return GQL_OK;
fail:
    if (rc == GQL_ENOMEM)
        gql_error_list_add(errors, NULL, 0, NULL, 0, "Out of memory while parsing.");
    gql_arena_free(arena);
    return rc;
}
