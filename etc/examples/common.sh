# Shared by the admin scripts: where the API is and how to call it.
#   CRM_URL    base URL (default http://127.0.0.1:3000)
#   CRM_TOKEN  a token from login.sh (admin scripts need an ADMIN's)
# Needs curl and jq.
CRM_URL=${CRM_URL:-http://127.0.0.1:3000}

# gql QUERY [VARIABLES_JSON]: POSTs a GraphQL request, prints the JSON response,
# and fails (exit 1, errors on stderr) when the response has errors.
gql() {
  local body resp
  body=$(jq -n --arg q "$1" --argjson v "${2:-{\}}" '{query: $q, variables: $v}')
  resp=$(curl -sS --fail-with-body -H 'Content-Type: application/json' \
    -H 'Accept: application/graphql-response+json' \
    ${CRM_TOKEN:+-H "Authorization: Bearer $CRM_TOKEN"} \
    --data-binary "$body" "$CRM_URL/graphql") || { echo "$resp" >&2; return 1; }
  if [ "$(jq '.errors | length' <<<"$resp")" != 0 ]; then
    jq -r '.errors[] | "error: \(.message) (\(.extensions.code // "?"))"' <<<"$resp" >&2
    return 1
  fi
  printf '%s\n' "$resp"
}
