"""How each view field is composed from loaders.

Nullability is criticality: a resolver of a non-null field lets a dependency
error propagate; a resolver of a nullable field raises it too and the field
degrades to null with a coded error (GraphQL semantics do the rest).
"""
