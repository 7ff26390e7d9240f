"""The README's Python examples pass `mypy --strict` against the installed package, as a service's would.

All blocks are checked in one mypy run (each block its own module), beside two control modules: one
must fail in known places, which proves the run really checks and really sees the package's types;
the other pins the types `xcover_offers.value` gives. The README must also stay free of the escape
hatches a typed service should not need.
"""

from __future__ import annotations

import re
import tomllib
from dataclasses import dataclass
from pathlib import Path

import pytest
from mypy import api as mypy_api
from xcover_offers._values import value
from xcover_offers_api.models import Tax
from xcover_offers_api.types import UNSET

# mypy reads the README the same way whatever Python runs it: once (pyproject's `once` marker).
pytestmark = pytest.mark.once

ROOT = Path(__file__).resolve().parent.parent
README = ROOT / "README.md"
# The oldest Python the package supports: the README's examples must check there too.
PYTHON_VERSION = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["tool"]["mypy"][
    "python_version"
]


@dataclass(frozen=True)
class Block:
    module: str
    line: int  # README line of the block's first code line
    code: str


def readme_blocks() -> list[Block]:
    """Every ```python block, and the pytest example (a ```text block, so test_readme.py does not
    exec it: it runs under pytest, through the installed plugin)."""
    text = README.read_text(encoding="utf-8")
    found = [
        m
        for m in re.finditer(r"^```(python|text)\n(.*?)^```", text, re.S | re.M)
        if m.group(1) == "python" or "def test_" in m.group(2)
    ]
    return [
        Block(f"readme_example_{i}", text.count("\n", 0, m.start(2)) + 1, m.group(2))
        for i, m in enumerate(found, start=1)
    ]


BLOCKS = readme_blocks()

# Must fail exactly on the marked lines: a wrong builtin, and a wrong use of a generated model (so
# the installed package's types are in play, not `Any`).
CONTROL_FAILS = """\
from xcover_offers_api.models import Offer

wrong: int = "not an int"  # error


def offer_id(offer: Offer) -> int:
    return offer.id  # error
"""

# Must pass: the accessor's types, whatever the spec fixes make required, and `call`'s inference.
CONTROL_VALUE = """\
from typing import assert_type

from xcover_offers import AsyncOffersClient, CallResult, OffersClient
from xcover_offers._values import value
from xcover_offers_api.api.create_offer import create_offer
from xcover_offers_api.models import Finance, OfferContent, OfferRequest, OfferResponse, Product, Tax


async def called(client: OffersClient, aclient: AsyncOffersClient, body: OfferRequest) -> None:
    # client.call types its result from the generated endpoint module it is given.
    assert_type(client.call(create_offer, body=body), CallResult[OfferResponse])
    assert_type(await aclient.call(create_offer, body=body), CallResult[OfferResponse])
    assert_type(client.create_offer_with_response(customer={}, events=[]).parsed, OfferResponse)


def check(product: Product, finance: Finance, content: OfferContent) -> None:
    assert_type(value(product.product_config_id), str | None)
    assert_type(value(product.product_config_id, ""), str)
    assert_type(value(product.type_, default="n/a"), str)
    assert_type(value(finance.tax), Tax | None)
    assert_type(value(content.locale, "en"), str)
"""


@dataclass(frozen=True)
class MypyRun:
    errors: dict[str, list[str]]  # module -> "line: message", errors only
    output: str


@pytest.fixture(scope="module")
def mypy_run(tmp_path_factory: pytest.TempPathFactory) -> MypyRun:
    folder = tmp_path_factory.mktemp("readme_types")
    sources = {block.module: block.code for block in BLOCKS}
    sources |= {"control_fails": CONTROL_FAILS, "control_value": CONTROL_VALUE}
    for module, code in sources.items():
        (folder / f"{module}.py").write_text(code, encoding="utf-8")
    config = folder / "mypy.ini"  # our own, so the checkout's pyproject.toml cannot loosen anything
    config.write_text(f"[mypy]\nstrict = True\npython_version = {PYTHON_VERSION}\n", encoding="utf-8")
    stdout, stderr, _ = mypy_api.run(
        [
            "--config-file", str(config),
            "--cache-dir", str(folder / ".mypy_cache"),
            "--show-absolute-path", "--hide-error-context", "--no-pretty",
            *(str(folder / f"{module}.py") for module in sources),
        ]
    )  # fmt: skip
    errors: dict[str, list[str]] = {module: [] for module in sources}
    for line in stdout.splitlines():
        match = re.match(r"(?P<path>.+?\.py):(?P<line>\d+): error: (?P<message>.*)$", line)
        if match is None:
            continue
        module = Path(match["path"]).stem
        assert module in errors, f"mypy reports an error outside the checked modules:\n{stdout}"
        errors[module].append(f"{match['line']}: {match['message']}")
    return MypyRun(errors, stdout + stderr)


def test_readme_has_python_examples() -> None:
    assert len(BLOCKS) >= 2


@pytest.mark.parametrize("block", BLOCKS, ids=[f"README.md line {b.line}" for b in BLOCKS])
def test_readme_example_passes_mypy_strict(block: Block, mypy_run: MypyRun) -> None:
    found = [
        f"README.md:{block.line + int(n) - 1}:{message}"
        for n, message in (entry.split(":", 1) for entry in mypy_run.errors[block.module])
    ]
    assert found == [], "\n".join(found)


def test_mypy_run_checks_for_real(mypy_run: MypyRun) -> None:
    marked = [str(n) for n, text in enumerate(CONTROL_FAILS.splitlines(), start=1) if "# error" in text]
    failed_lines = [entry.split(":", 1)[0] for entry in mypy_run.errors["control_fails"]]
    assert failed_lines == marked, mypy_run.output


def test_value_types(mypy_run: MypyRun) -> None:
    assert mypy_run.errors["control_value"] == [], mypy_run.output


@pytest.mark.parametrize("block", BLOCKS, ids=[f"README.md line {b.line}" for b in BLOCKS])
def test_readme_example_needs_no_escape_hatch(block: Block) -> None:
    """What a typed service should not need: casts, ignores, or the generator's `Unset` sentinel."""
    for hatch in (r"\bcast\(", r"type:\s*ignore", r"\bUnset\b", r"\bAny\b"):
        assert not re.search(hatch, block.code), f"README.md block at line {block.line} uses {hatch!r}"


@pytest.mark.parametrize(
    ("field", "default", "expected"),
    [
        ("etp-basic", "", "etp-basic"),
        (UNSET, "", ""),  # not sent
        (None, "", ""),  # sent as null
        (0, 5, 0),  # falsy values are values
        ("", "x", ""),
        ([], None, []),
    ],
)
def test_value_returns_the_field_or_the_default(field: object, default: object, expected: object) -> None:
    assert value(field, default) == expected


def test_value_defaults_to_none() -> None:
    tax = Tax(total_amount=1.5, total_amount_formatted="$1.50")
    assert value(tax) is tax
    assert value(UNSET) is None
    assert value(None) is None
