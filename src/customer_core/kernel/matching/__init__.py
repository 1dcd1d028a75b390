"""Identification and consolidation: one customer, once.

`policy` holds the bank's precision tiers (which attributes make a match key of which tier, and
which tiers merge automatically); `keys` turns a customer's records into match keys (HMAC digests
of normalized values, nothing in clear); `identify` looks a customer's keys up against the whole
base in the write's own transaction; `survivorship` decides which values a merge keeps;
`merging` merges and unmerges; `candidates` is the stewards' similar-customer list.
"""
