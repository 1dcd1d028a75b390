"""Alembic migration scripts of the kernel schema."""
