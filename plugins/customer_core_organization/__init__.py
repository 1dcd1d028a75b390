"""The `organization` subject model: an organization customer's registration profile.

Field rules live in `v1/organization.proto`; this module canonicalizes the registration codes
(full-width characters, spaces and hyphens as source systems send them), checks their check
characters (GB 32100, GB 11714) and the establishment date (rules that refuse), and warns when
the unified social credit code does not embed the organization code given beside it.
"""

from __future__ import annotations

import unicodedata
from datetime import date

from google.protobuf.message import Message

from customer_core.plugin import ExpectedAttribute, QualityIssue, QualityRule, Severity, hookimpl
from customer_core.plugin.checks import organization_code_problem, parse_iso_date, uscc_problem
from customer_core_organization.v1.organization_pb2 import OrganizationProfile

SUBJECT = "organization"

#: A registration code's check character (or form) is wrong.
CODE_CHECK = "ORGANIZATION_CODE_CHECK"
#: The date of establishment is not a real date, or is in the future.
ESTABLISHMENT_DATE = "ORGANIZATION_ESTABLISHMENT_DATE"
#: The unified social credit code does not embed the organization code given beside it.
USCC_EMBEDS_ORG_CODE = "ORGANIZATION_USCC_EMBEDS_ORGANIZATION_CODE"

_CODES = (
    "unified_social_credit_code", "organization_code", "business_licence_number",
    "registration_number", "loan_card_number", "account_opening_permit_number",
    "national_tax_registration_number", "local_tax_registration_number",
)  # fmt: skip


@hookimpl
def subject_models() -> list[type[Message]]:
    """Returns the message class of the `organization` subject model."""
    return [OrganizationProfile]


@hookimpl
def quality_rules() -> list[QualityRule]:
    """What `validate_record` checks."""
    return [
        QualityRule(CODE_CHECK, SUBJECT, Severity.ERROR,
                    "A unified social credit code (GB 32100) and an organization code (GB 11714) have valid check characters."),
        QualityRule(ESTABLISHMENT_DATE, SUBJECT, Severity.ERROR,
                    "The date of establishment is a real date, not in the future."),
        QualityRule(USCC_EMBEDS_ORG_CODE, SUBJECT, Severity.WARNING,
                    "Characters 9 to 17 of the unified social credit code are the organization code."),
    ]  # fmt: skip


@hookimpl
def normalize_record(record: OrganizationProfile) -> None:
    """Folds full-width characters and trims names; upper-cases the registration codes without
    spaces or hyphens (`D2143569-X` is `D2143569X`)."""
    record.legal_name = _folded(record.legal_name)
    record.english_name = " ".join(record.english_name.split())
    for field in _CODES:
        value = _folded(getattr(record, field))
        setattr(record, field, "".join(value.split()).replace("-", "").upper())
    record.industry_code = _folded(record.industry_code).replace(" ", "").upper()
    if record.HasField("registered_capital"):
        capital = record.registered_capital
        capital.amount = _folded(capital.amount).replace(",", "").replace(" ", "")
        capital.currency = capital.currency.strip().upper()
    if record.HasField("legal_representative"):
        rep = record.legal_representative
        rep.name = _folded(rep.name)
        rep.id_number = "".join(_folded(rep.id_number).split()).upper()


@hookimpl
def validate_record(record: OrganizationProfile) -> list[QualityIssue]:
    """Checks the registration codes' check characters, the establishment date, and that the
    unified social credit code embeds the organization code."""
    found: list[QualityIssue] = []
    uscc, org_code = record.unified_social_credit_code, record.organization_code
    if uscc and (problem := uscc_problem(uscc)):
        found.append(QualityIssue(CODE_CHECK, "unified_social_credit_code", problem))
    if org_code and (problem := organization_code_problem(org_code)):
        found.append(QualityIssue(CODE_CHECK, "organization_code", problem))
    if record.establishment_date:
        established = parse_iso_date(record.establishment_date)
        if established is None:
            found.append(
                QualityIssue(
                    ESTABLISHMENT_DATE, "establishment_date",
                    f"{record.establishment_date!r} is not a real date (YYYY-MM-DD)",
                )
            )  # fmt: skip
        elif established > date.today():
            found.append(QualityIssue(ESTABLISHMENT_DATE, "establishment_date", "is in the future"))
    if uscc and org_code and not found and uscc[8:17] != org_code:
        found.append(
            QualityIssue(
                USCC_EMBEDS_ORG_CODE, "organization_code",
                "is not characters 9 to 17 of the unified social credit code",
            )
        )  # fmt: skip
    return found


def _folded(value: str) -> str:
    """Full-width letters, digits and punctuation as half-width (NFKC), and trimmed."""
    return unicodedata.normalize("NFKC", value).strip()


@hookimpl
def expected_attributes(customer_type: str) -> list[ExpectedAttribute]:
    """What a complete organization's profile holds."""
    if customer_type != "ORGANIZATION":
        return []
    return [
        ExpectedAttribute(SUBJECT, "legal_name", "legal name"),
        ExpectedAttribute(SUBJECT, "unified_social_credit_code", "unified social credit code"),
        ExpectedAttribute(SUBJECT, "legal_form", "legal form"),
        ExpectedAttribute(SUBJECT, "industry_code", "industry (GB/T 4754)"),
        ExpectedAttribute(SUBJECT, "registered_capital", "registered capital"),
        ExpectedAttribute(SUBJECT, "establishment_date", "date of establishment"),
        ExpectedAttribute(SUBJECT, "legal_representative.name", "legal representative"),
    ]
