# GraphQL validation (section 5 of the spec); appended by its owner.
