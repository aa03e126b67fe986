/* gql_validate_meta: the introspection types and meta fields (__typename,
 * __schema, __type) as graphql-js 16 defines them, for validation: the
 * schema loader leaves them out. Generated once from graphql-js's
 * introspection shape; plain constant tables, never written to. */
#include "config.h"

#include <stddef.h>

#include "gql/gql_validate_meta.h"

static const gql_value v_false = {.kind = GQL_VALUE_BOOLEAN, .boolean = 0};

static gql_type m_string, m_boolean;
static gql_type m_schema;
static gql_type m_type;
static gql_type m_typekind;
static gql_type m_field;
static gql_type m_inputvalue;
static gql_type m_enumvalue;
static gql_type m_directive;
static gql_type m_directivelocation;

static const gql_typeref r0 = {GQL_TYPE_NAMED, &m_boolean, NULL};            /* Boolean */
static const gql_typeref r1 = {GQL_TYPE_NON_NULL, NULL, &r0};                /* Boolean! */
static const gql_typeref r2 = {GQL_TYPE_NAMED, &m_string, NULL};             /* String */
static const gql_typeref r3 = {GQL_TYPE_NAMED, &m_type, NULL};               /* __Type */
static const gql_typeref r4 = {GQL_TYPE_NON_NULL, NULL, &r3};                /* __Type! */
static const gql_typeref r5 = {GQL_TYPE_LIST, NULL, &r4};                    /* [__Type!] */
static const gql_typeref r6 = {GQL_TYPE_NON_NULL, NULL, &r5};                /* [__Type!]! */
static const gql_typeref r7 = {GQL_TYPE_NAMED, &m_directive, NULL};          /* __Directive */
static const gql_typeref r8 = {GQL_TYPE_NON_NULL, NULL, &r7};                /* __Directive! */
static const gql_typeref r9 = {GQL_TYPE_LIST, NULL, &r8};                    /* [__Directive!] */
static const gql_typeref r10 = {GQL_TYPE_NON_NULL, NULL, &r9};               /* [__Directive!]! */
static const gql_typeref r11 = {GQL_TYPE_NAMED, &m_typekind, NULL};          /* __TypeKind */
static const gql_typeref r12 = {GQL_TYPE_NON_NULL, NULL, &r11};              /* __TypeKind! */
static const gql_typeref r13 = {GQL_TYPE_NAMED, &m_field, NULL};             /* __Field */
static const gql_typeref r14 = {GQL_TYPE_NON_NULL, NULL, &r13};              /* __Field! */
static const gql_typeref r15 = {GQL_TYPE_LIST, NULL, &r14};                  /* [__Field!] */
static const gql_typeref r16 = {GQL_TYPE_NAMED, &m_enumvalue, NULL};         /* __EnumValue */
static const gql_typeref r17 = {GQL_TYPE_NON_NULL, NULL, &r16};              /* __EnumValue! */
static const gql_typeref r18 = {GQL_TYPE_LIST, NULL, &r17};                  /* [__EnumValue!] */
static const gql_typeref r19 = {GQL_TYPE_NAMED, &m_inputvalue, NULL};        /* __InputValue */
static const gql_typeref r20 = {GQL_TYPE_NON_NULL, NULL, &r19};              /* __InputValue! */
static const gql_typeref r21 = {GQL_TYPE_LIST, NULL, &r20};                  /* [__InputValue!] */
static const gql_typeref r22 = {GQL_TYPE_NON_NULL, NULL, &r2};               /* String! */
static const gql_typeref r23 = {GQL_TYPE_NON_NULL, NULL, &r21};              /* [__InputValue!]! */
static const gql_typeref r24 = {GQL_TYPE_NAMED, &m_directivelocation, NULL}; /* __DirectiveLocation */
static const gql_typeref r25 = {GQL_TYPE_NON_NULL, NULL, &r24};              /* __DirectiveLocation! */
static const gql_typeref r26 = {GQL_TYPE_LIST, NULL, &r25};                  /* [__DirectiveLocation!] */
static const gql_typeref r27 = {GQL_TYPE_NON_NULL, NULL, &r26};              /* [__DirectiveLocation!]! */
static const gql_typeref r28 = {GQL_TYPE_NAMED, &m_schema, NULL};            /* __Schema */
static const gql_typeref r29 = {GQL_TYPE_NON_NULL, NULL, &r28};              /* __Schema! */

static gql_input_value m_schema_directives_args[] = {
    {"includeDeprecated", NULL, &r1, &v_false, 0, NULL},
};
static gql_field m_schema_fields[] = {
    {"description", NULL, NULL, 0, &r2, 0, NULL},
    {"types", NULL, NULL, 0, &r6, 0, NULL},
    {"queryType", NULL, NULL, 0, &r4, 0, NULL},
    {"mutationType", NULL, NULL, 0, &r3, 0, NULL},
    {"subscriptionType", NULL, NULL, 0, &r3, 0, NULL},
    {"directives", NULL, m_schema_directives_args, 1, &r10, 0, NULL},
};
static gql_input_value m_type_fields_args[] = {
    {"includeDeprecated", NULL, &r0, &v_false, 0, NULL},
};
static gql_input_value m_type_enumValues_args[] = {
    {"includeDeprecated", NULL, &r0, &v_false, 0, NULL},
};
static gql_input_value m_type_inputFields_args[] = {
    {"includeDeprecated", NULL, &r0, &v_false, 0, NULL},
};
static gql_field m_type_fields[] = {
    {"kind", NULL, NULL, 0, &r12, 0, NULL},
    {"name", NULL, NULL, 0, &r2, 0, NULL},
    {"description", NULL, NULL, 0, &r2, 0, NULL},
    {"specifiedByURL", NULL, NULL, 0, &r2, 0, NULL},
    {"fields", NULL, m_type_fields_args, 1, &r15, 0, NULL},
    {"interfaces", NULL, NULL, 0, &r5, 0, NULL},
    {"possibleTypes", NULL, NULL, 0, &r5, 0, NULL},
    {"enumValues", NULL, m_type_enumValues_args, 1, &r18, 0, NULL},
    {"inputFields", NULL, m_type_inputFields_args, 1, &r21, 0, NULL},
    {"ofType", NULL, NULL, 0, &r3, 0, NULL},
    {"isOneOf", NULL, NULL, 0, &r0, 0, NULL},
};
static gql_enum_value m_typekind_values[] = {
    {"SCALAR", NULL, 0, NULL}, {"OBJECT", NULL, 0, NULL},   {"INTERFACE", NULL, 0, NULL},
    {"UNION", NULL, 0, NULL},  {"ENUM", NULL, 0, NULL},     {"INPUT_OBJECT", NULL, 0, NULL},
    {"LIST", NULL, 0, NULL},   {"NON_NULL", NULL, 0, NULL},
};
static gql_input_value m_field_args_args[] = {
    {"includeDeprecated", NULL, &r0, &v_false, 0, NULL},
};
static gql_field m_field_fields[] = {
    {"name", NULL, NULL, 0, &r22, 0, NULL},
    {"description", NULL, NULL, 0, &r2, 0, NULL},
    {"args", NULL, m_field_args_args, 1, &r23, 0, NULL},
    {"type", NULL, NULL, 0, &r4, 0, NULL},
    {"isDeprecated", NULL, NULL, 0, &r1, 0, NULL},
    {"deprecationReason", NULL, NULL, 0, &r2, 0, NULL},
};
static gql_field m_inputvalue_fields[] = {
    {"name", NULL, NULL, 0, &r22, 0, NULL},        {"description", NULL, NULL, 0, &r2, 0, NULL},
    {"type", NULL, NULL, 0, &r4, 0, NULL},         {"defaultValue", NULL, NULL, 0, &r2, 0, NULL},
    {"isDeprecated", NULL, NULL, 0, &r1, 0, NULL}, {"deprecationReason", NULL, NULL, 0, &r2, 0, NULL},
};
static gql_field m_enumvalue_fields[] = {
    {"name", NULL, NULL, 0, &r22, 0, NULL},
    {"description", NULL, NULL, 0, &r2, 0, NULL},
    {"isDeprecated", NULL, NULL, 0, &r1, 0, NULL},
    {"deprecationReason", NULL, NULL, 0, &r2, 0, NULL},
};
static gql_input_value m_directive_args_args[] = {
    {"includeDeprecated", NULL, &r0, &v_false, 0, NULL},
};
static gql_field m_directive_fields[] = {
    {"name", NULL, NULL, 0, &r22, 0, NULL},
    {"description", NULL, NULL, 0, &r2, 0, NULL},
    {"isRepeatable", NULL, NULL, 0, &r1, 0, NULL},
    {"locations", NULL, NULL, 0, &r27, 0, NULL},
    {"args", NULL, m_directive_args_args, 1, &r23, 0, NULL},
    {"isDeprecated", NULL, NULL, 0, &r1, 0, NULL},
    {"deprecationReason", NULL, NULL, 0, &r2, 0, NULL},
};
static gql_enum_value m_directivelocation_values[] = {
    {"QUERY", NULL, 0, NULL},
    {"MUTATION", NULL, 0, NULL},
    {"SUBSCRIPTION", NULL, 0, NULL},
    {"FIELD", NULL, 0, NULL},
    {"FRAGMENT_DEFINITION", NULL, 0, NULL},
    {"FRAGMENT_SPREAD", NULL, 0, NULL},
    {"INLINE_FRAGMENT", NULL, 0, NULL},
    {"VARIABLE_DEFINITION", NULL, 0, NULL},
    {"SCHEMA", NULL, 0, NULL},
    {"SCALAR", NULL, 0, NULL},
    {"OBJECT", NULL, 0, NULL},
    {"FIELD_DEFINITION", NULL, 0, NULL},
    {"ARGUMENT_DEFINITION", NULL, 0, NULL},
    {"INTERFACE", NULL, 0, NULL},
    {"UNION", NULL, 0, NULL},
    {"ENUM", NULL, 0, NULL},
    {"ENUM_VALUE", NULL, 0, NULL},
    {"INPUT_OBJECT", NULL, 0, NULL},
    {"INPUT_FIELD_DEFINITION", NULL, 0, NULL},
    {"DIRECTIVE_DEFINITION", NULL, 0, NULL},
};

static gql_input_value m_type_args[] = {
    {"name", NULL, &r22, NULL, 0, NULL},
};

static gql_type m_string = {.kind = GQL_KIND_SCALAR, .name = "String", .builtin = GQL_SCALAR_STRING};
static gql_type m_boolean = {.kind = GQL_KIND_SCALAR, .name = "Boolean", .builtin = GQL_SCALAR_BOOLEAN};
static gql_type m_schema = {
    .kind = GQL_KIND_OBJECT, .name = "__Schema", .fields = m_schema_fields, .nfields = 6};
static gql_type m_type = {.kind = GQL_KIND_OBJECT, .name = "__Type", .fields = m_type_fields, .nfields = 11};
static gql_type m_typekind = {
    .kind = GQL_KIND_ENUM, .name = "__TypeKind", .values = m_typekind_values, .nvalues = 8};
static gql_type m_field = {
    .kind = GQL_KIND_OBJECT, .name = "__Field", .fields = m_field_fields, .nfields = 6};
static gql_type m_inputvalue = {
    .kind = GQL_KIND_OBJECT, .name = "__InputValue", .fields = m_inputvalue_fields, .nfields = 6};
static gql_type m_enumvalue = {
    .kind = GQL_KIND_OBJECT, .name = "__EnumValue", .fields = m_enumvalue_fields, .nfields = 4};
static gql_type m_directive = {
    .kind = GQL_KIND_OBJECT, .name = "__Directive", .fields = m_directive_fields, .nfields = 7};
static gql_type m_directivelocation = {.kind = GQL_KIND_ENUM,
                                       .name = "__DirectiveLocation",
                                       .values = m_directivelocation_values,
                                       .nvalues = 20};

const gql_field gql_v_typename_field = {"__typename", NULL, NULL, 0, &r22, 0, NULL};
const gql_field gql_v_schema_field = {"__schema", NULL, NULL, 0, &r29, 0, NULL};
const gql_field gql_v_type_field = {"__type", NULL, m_type_args, 1, &r3, 0, NULL};

const gql_type *const gql_v_introspection_types[] = {
    &m_schema,     &m_type,      &m_typekind,  &m_field,
    &m_inputvalue, &m_enumvalue, &m_directive, &m_directivelocation,
};
const size_t gql_v_nintrospection_types = 8;

const char *const gql_v_introspection_names[] = {
    "__Schema",     "__Type",      "__TypeKind",  "__Field",
    "__InputValue", "__EnumValue", "__Directive", "__DirectiveLocation",
};
const size_t gql_v_nintrospection_names = 8;
