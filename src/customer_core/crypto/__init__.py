"""Cryptography: SM4-GCM, SM3, HMAC-SM3 and SM2 primitives, the key hierarchy and envelope encryption."""
