"""Org-unit subtrees and channel scopes."""

from __future__ import annotations

import pytest

from customer_core.authz.principal import Grant, Principal, covers
from customer_core.authz.roles import BUILT_IN, RECORDS_READ, RECORDS_WRITE


@pytest.mark.parametrize(
    ("scope", "unit", "covered"),
    [
        ("HO01-BJ", "HO01-BJ", True),
        ("HO01-BJ", "HO01-BJ-SB03", True),
        ("HO01-B", "HO01-BJ", False),
        ("HO01-BJ", "HO01-SH", False),
        ("HO01-BJ-SB03", "HO01-BJ", False),
        ("*", "ANY-UNIT", True),
    ],
    ids=[
        "same",
        "sub-branch",
        "prefix-is-not-parent",
        "sibling",
        "child-does-not-cover-parent",
        "whole-bank",
    ],
)
def test_a_binding_covers_its_subtree_only(scope: str, unit: str, covered: bool) -> None:
    assert covers(scope, unit) is covered


def test_channel_scope_narrows_subjects() -> None:
    channel = Principal(
        "mobile-bank",
        (
            Grant(
                "channel_system",
                "*",
                BUILT_IN["channel_system"].permissions,
                frozenset({"contact"}),
                frozenset({"contact"}),
            ),
        ),
    )
    assert channel.allows_subject(RECORDS_WRITE, "contact", "HO01")
    assert not channel.allows_subject(RECORDS_WRITE, "identification", "HO01")
    assert channel.allows_subject(RECORDS_READ, "contact", "HO01")
    assert not channel.allows_subject(RECORDS_READ, "individual", "HO01")


def test_token_roles_restrict_grants() -> None:
    both = Principal(
        "pat",
        (
            Grant("teller", "HO01", BUILT_IN["teller"].permissions),
            Grant("auditor", "*", BUILT_IN["auditor"].permissions),
        ),
    )
    auditor_only = both.restricted_to(["auditor"])
    assert both.allows(RECORDS_WRITE, "HO01")
    assert not auditor_only.allows(RECORDS_WRITE, "HO01")
    assert auditor_only.allows(RECORDS_READ, "HO99")
