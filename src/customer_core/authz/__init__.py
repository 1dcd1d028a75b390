"""Authorization: principals, roles, org-unit and channel scopes, tokens, masking and the audit log."""
