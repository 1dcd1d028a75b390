"""E-mail address syntax, and the one form to store an address in (the domain lower-cased).

Built on `email-validator` without its DNS check: deliverability is for a verification mail to
prove, not for a write to guess at.
"""

from __future__ import annotations

from email_validator import EmailNotValidError, validate_email

__all__ = ["email_problem", "normalize_email"]


def _validated(address: str) -> str:
    return validate_email(address, check_deliverability=False).normalized


def email_problem(address: str) -> str | None:
    """Why `address` is not a well-formed e-mail address, or None if it is one."""
    try:
        _validated(address)
    except EmailNotValidError as error:
        return str(error)
    return None


def normalize_email(address: str) -> str | None:
    """`address` as stored (surrounding spaces dropped, the domain lower-cased, Unicode in its
    NFC form), or None if it is not well-formed. The local part keeps its case: it is the mail
    server's to interpret."""
    try:
        return _validated(address.strip())
    except EmailNotValidError:
        return None
