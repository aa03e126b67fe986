# GraphQL engine sources and tests (appended by its owner).
