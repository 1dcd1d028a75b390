"""The subtle parts of identification: folding, the comparison's levels and guards, clustering
without chaining, and survivorship."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta

from customer_core.kernel.matching import keys as key_ops
from customer_core.kernel.matching import policy as policy_ops
from customer_core.kernel.matching.clustering import clusters
from customer_core.kernel.matching.profiles import Profile, profile_of
from customer_core.kernel.matching.relationships import (
    FAMILY,
    MAX_HOUSEHOLD,
    Proposal,
    families,
    named_parties,
)
from customer_core.kernel.matching.scoring import Model, guard, levels
from customer_core.kernel.matching.survivorship import Version, golden
from customer_core.kernel.registry import load_registry
from customer_core_identification.v1 import identification_pb2
from customer_core_individual.v1 import individual_pb2
from tests.support.chinese_customers import check

POLICY = policy_ops.load()


def rid(body: str) -> str:
    """A resident ID number of a 17-digit body, with its valid check character."""
    return body + check(body)


NOW = datetime(2026, 12, 3, tzinfo=UTC)


def _person(name: str, birth: str, number: str = "", *, kind: int = 1) -> Profile:
    records: list[tuple[str, object]] = [
        ("individual", individual_pb2.IndividualProfile(name=name, birth_date=birth))
    ]
    if number:
        records.append(
            ("identification",
             identification_pb2.IdentificationDocument(id_type=kind, id_number=number,  # type: ignore[arg-type]
                                                       status=identification_pb2.ID_STATUS_VALID))
        )  # fmt: skip
    return profile_of(POLICY, uuid.uuid4(), "0", "INDIVIDUAL", NOW, records)  # type: ignore[arg-type]


def test_values_fold_full_width_case_and_traditional_script() -> None:
    assert key_ops.fold(
        "\uff11\uff11\uff10\uff11\uff10\uff15\uff58"
    )  # full-width == key_ops.fold("110105X")
    assert key_ops.fold("陳 東") == key_ops.fold("陈东")


def test_other_and_revoked_documents_are_kept_out() -> None:
    other = identification_pb2.IdentificationDocument(
        id_type=identification_pb2.ID_TYPE_OTHER, id_number="A1"
    )
    revoked = identification_pb2.IdentificationDocument(
        id_type=identification_pb2.ID_TYPE_RESIDENT_ID_CARD, id_number="A1",
        status=identification_pb2.ID_STATUS_REVOKED,
    )  # fmt: skip
    assert not key_ops.usable(POLICY, "identification", other)
    assert not key_ops.usable(POLICY, "identification", revoked)
    assert key_ops.usable(POLICY, "individual", individual_pb2.IndividualProfile(name="x"))


def test_homophones_romanised_names_and_transposed_ids_have_their_levels() -> None:
    a = _person("张伟", "1980-01-02", "110105198001020011")
    assert levels(a, _person("章伟", "1980-01-02"))["name"] == 2  # same sound
    assert levels(a, _person("Zhang Wei", "1980-01-02"))["name"] == 2  # romanised
    assert levels(a, _person("张玮", "1980-02-01"))["birth_date"] == 1  # day and month swapped
    swapped = _person("张伟", "1980-01-02", "110105198001020101")
    assert levels(a, swapped)["document"] == 2
    passport = _person("张伟", "1980-01-02", "E12345678", kind=identification_pb2.ID_TYPE_PASSPORT)
    assert levels(a, passport)["document"] is None  # documents of other types are not compared


def test_twins_and_issuing_errors_are_guarded() -> None:
    one = _person("李明", "1990-05-06", rid("11010519900506001"))
    twin = _person("李朋", "1990-05-06", rid("11010519900506002"))
    assert one.valid_resident_ids() and twin.valid_resident_ids()
    assert guard(one, twin, levels(one, twin)) == "different valid resident IDs"
    other = _person("王芳", "1990-05-06", rid("11010519900506001"))
    assert guard(one, other, levels(one, other)) == "one document, different names"


def test_clustering_does_not_chain_through_one_weak_link() -> None:
    a = _person("赵敏", "1970-03-04", rid("11010519700304002"))
    b = _person("赵敏", "1970-03-04")
    c = _person("赵敏", "1970-03-04", rid("11010519700304004"))
    people = [a, b, c]
    model = Model(people * 50)
    compare = {(i, j): model.compare(people[i], people[j]) for i in range(3) for j in range(3)}
    assert compare[(0, 2)].guard == "different valid resident IDs"
    edges = [(0, 1, compare[(0, 1)]), (1, 2, compare[(1, 2)])]
    groups = clusters(3, edges, lambda i, j: compare[(i, j)], 0.0)
    assert all(not {0, 2} <= set(g) for g in groups)


def test_survivorship_prefers_the_trusted_source_and_never_an_empty_value() -> None:
    registry = load_registry(None, [])
    model = registry.get("individual")
    assert model is not None
    core = individual_pb2.IndividualProfile(name="张三", occupation="")
    cards = individual_pb2.IndividualProfile(name="张叁", occupation="teacher")
    best = golden(
        model,
        [Version(core, "CORE", NOW - timedelta(days=9)), Version(cards, "CARDS", NOW)],
    )
    assert best.name == "张三"  # SOURCE_PRIORITY: CORE first
    assert best.occupation == "teacher"  # the side without a value never wins


def _resident(name: str, street: str, phone: str = "", minutes: int = 0) -> Profile:
    p = Profile(uuid.uuid4(), str(minutes), "INDIVIDUAL", NOW + timedelta(minutes=minutes))
    p.names.add(name)
    p.surnames.add(name[0])
    p.streets.add(street)
    if phone:
        p.phones.add(phone)
    return p


def test_households_need_a_surname_or_phone_and_stop_at_a_dormitory() -> None:
    home = [_resident("王甲", "建国路1号", minutes=1), _resident("王乙", "建国路1号", minutes=0),
            _resident("李丙", "建国路1号", "+8613900000001", 2),
            _resident("赵丁", "建国路1号", "+8613900000001", 3)]  # fmt: skip
    found = {(p.owner, p.counterparty): p.evidence for p in families(home, lambda a, b: False)}
    # the older customer owns the link; 王甲 and 李丙 share only the address
    assert found == {(1, 0): ("address", "surname"), (2, 3): ("address", "phone")}
    assert families(home, lambda a, b: {a, b} == {0, 1}) == [
        Proposal(2, 3, FAMILY, "", ("address", "phone"))
    ]
    dorm = [_resident(f"张{i}", "学院路37号宿舍", minutes=i) for i in range(MAX_HOUSEHOLD + 1)]
    assert families(dorm, lambda a, b: False) == []
    assert len(families(dorm[:MAX_HOUSEHOLD], lambda a, b: False)) == 28  # 8 choose 2


def test_a_representative_is_linked_by_document_number_and_never_to_itself() -> None:
    person = _person("王建国", "1970-01-01", rid("11010519700101001"))
    number = next(iter(person.valid_resident_ids()))
    company = Profile(uuid.uuid4(), "9", "ORGANIZATION", NOW)
    company.parties.add(("RELATIONSHIP_KIND_LEGAL_REPRESENTATIVE", "", number))
    person.parties.add(("RELATIONSHIP_KIND_SPOUSE", "", number))  # names its own number
    assert named_parties([person, company]) == [
        Proposal(1, 0, "RELATIONSHIP_KIND_LEGAL_REPRESENTATIVE", "", ("id_number",))
    ]
