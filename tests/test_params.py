"""Query-parameter helpers: validation and encoding, before anything is sent."""

from __future__ import annotations

import pytest
from xcover_offers import ExtraField, RequestValidationError
from xcover_offers._params import (
    ALLOWED_EXTRA_FIELDS,
    encode_exclude_offer_ids,
    encode_extra_fields,
    encode_flag,
)
from xcover_offers._spec import document
from xcover_offers_api import _spec_facts
from xcover_offers_api.types import UNSET


def test_extra_field_enum_matches_the_spec_description() -> None:
    """ALLOWED_EXTRA_FIELDS comes from generated data (read from the prose when generating)."""
    parameters = document()["paths"][_spec_facts.CREATE_OFFER_PATH]["post"]["parameters"]
    description = next(p["description"] for p in parameters if p["name"] == "extra_fields")
    assert description.endswith("Available fields: tax, commission, benefits, surcharge")
    assert ALLOWED_EXTRA_FIELDS == _spec_facts.EXTRA_FIELDS == ("tax", "commission", "benefits", "surcharge")
    assert {f.value for f in ExtraField} == set(ALLOWED_EXTRA_FIELDS)


@pytest.mark.parametrize(
    ("given", "sent"),
    [
        ([ExtraField.TAX, "commission"], "tax,commission"),
        (["surcharge", ExtraField.SURCHARGE, "tax", "surcharge"], "surcharge,tax"),
        (("benefits",), "benefits"),
        (iter(["TAX", " commission "]), "tax,commission"),
        ("tax,benefits", "tax,benefits"),
        ([], UNSET),
        ("", UNSET),
        (None, UNSET),
    ],
)
def test_extra_fields_encoding(given: object, sent: object) -> None:
    assert encode_extra_fields(given) == sent  # type: ignore[arg-type]


def test_unknown_extra_field_lists_the_allowed_values() -> None:
    with pytest.raises(ValueError, match="extra_fields\\[1\\]: unknown value 'vat'") as info:
        encode_extra_fields(["tax", "vat"])
    assert "allowed values: tax, commission, benefits, surcharge" in str(info.value)


def test_extra_fields_rejects_non_strings() -> None:
    with pytest.raises(RequestValidationError, match=r"extra_fields\[0\]: expected a string, got int"):
        encode_extra_fields([1])  # type: ignore[list-item]
    with pytest.raises(RequestValidationError, match="expected an iterable"):
        encode_extra_fields(5)  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("given", "sent"),
    [
        (["cfg_1", "cfg_2", "cfg_1"], "cfg_1,cfg_2"),
        (("a",), "a"),
        ([], UNSET),
        (None, UNSET),
    ],
)
def test_exclude_offer_ids_encoding(given: object, sent: object) -> None:
    assert encode_exclude_offer_ids(given) == sent  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("given", "message"),
    [
        (["ok", ""], r"exclude_offer_ids\[1\]: an id cannot be empty"),
        (["   "], r"exclude_offer_ids\[0\]: an id cannot be empty"),
        (["a,b"], r"exclude_offer_ids\[0\]: an id cannot contain a comma"),
        ([None], r"exclude_offer_ids\[0\]: expected a string"),
    ],
)
def test_exclude_offer_ids_rejects(given: list[object], message: str) -> None:
    with pytest.raises(RequestValidationError, match=message):
        encode_exclude_offer_ids(given)  # type: ignore[arg-type]


def test_flags() -> None:
    assert encode_flag(None, "active_only") is UNSET
    assert encode_flag(True, "active_only") is True
    assert encode_flag(False, "include_content") is False
    with pytest.raises(RequestValidationError, match="include_content: expected True, False or None"):
        encode_flag("false", "include_content")  # type: ignore[arg-type]
