/* POST and GET /graphql: GraphQL over HTTP from request bytes to response. */
#ifndef CRM_API_GRAPHQL_ENDPOINT_H
#define CRM_API_GRAPHQL_ENDPOINT_H

#include <fcgiapp.h>

#include "api.h"

/* Serves one /graphql request with engine. */
void graphql_handle(FCGX_Request *req, struct api *api, gql_engine *engine);

#endif
