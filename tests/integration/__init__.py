"""End-to-end tests over a real gRPC server on SQLite or a real PostgreSQL."""
