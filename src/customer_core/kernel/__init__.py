"""The kernel: plugin registry, request pipeline, customers, cross-references and subject records."""
