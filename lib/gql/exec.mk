# GraphQL execution, coercion, introspection, document cache; appended by its owner.
