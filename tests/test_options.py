"""Options are declared once (TypedDicts in `_options.py`); signatures, docs and checks derive from them."""

from __future__ import annotations

import inspect
import re
import typing

import pytest
import xcover_offers
from xcover_offers import AsyncOffersClient, ClientOptions, CreateOfferParams, OffersClient, ViewOptions

CLIENTS = [OffersClient, AsyncOffersClient]


def _documented(doc: str | None) -> set[str]:
    """Names described as `name: text` (or `a, b: text`) at the start of a docstring line."""
    names: set[str] = set()
    for match in re.finditer(r"^\s+([a-z_][a-z_, ]*):\s+\S", doc or "", re.M):
        names.update(n.strip() for n in match.group(1).split(","))
    return names


def _keys(declared: typing.Any) -> set[str]:
    return set(declared.__required_keys__ | declared.__optional_keys__)


@pytest.mark.parametrize("cls", CLIENTS)
def test_every_create_offer_parameter_is_described(cls: type) -> None:
    for method in (cls.create_offer,):
        missing = _keys(CreateOfferParams) - _documented(method.__doc__)
        assert not missing, f"{cls.__name__}.create_offer's docstring does not describe {sorted(missing)}"


@pytest.mark.parametrize("cls", CLIENTS)
def test_every_constructor_option_is_described(cls: type) -> None:
    missing = (_keys(ClientOptions) | {"http_client"}) - _documented(cls.__init__.__doc__)
    assert not missing, f"{cls.__name__}'s constructor docstring does not describe {sorted(missing)}"


def test_with_options_names_every_option_it_takes() -> None:
    doc = OffersClient.with_options.__doc__ or ""
    assert all(name in doc for name in _keys(ViewOptions))


@pytest.mark.parametrize("cls", CLIENTS)
def test_signatures_come_from_the_declarations(cls: type) -> None:
    # The typed signature is `**params: Unpack[CreateOfferParams]`: one declaration for four methods.
    # (Read as written: the return types name models that load with the first call.)
    for name in ("create_offer", "create_offer_with_response"):
        params = inspect.signature(getattr(cls, name)).parameters["params"]
        assert params.annotation == "Unpack[CreateOfferParams]"
        assert params.kind is inspect.Parameter.VAR_KEYWORD
    assert inspect.signature(cls.__init__).parameters["options"].annotation == "Unpack[ClientOptions]"
    assert inspect.signature(cls.with_options).parameters["changes"].kind is inspect.Parameter.VAR_KEYWORD


def test_input_aliases_are_importable() -> None:
    for name in ("CustomerInput", "EventInput", "PartnerInput", "CreateOfferParams", "ClientOptions"):
        assert name in xcover_offers.__all__
        assert getattr(xcover_offers, name) is not None


def test_unknown_or_missing_keywords_are_type_errors() -> None:
    with pytest.raises(TypeError, match="unexpected keyword argument 'timout'"):
        OffersClient(api_key="k", api_secret="s", partner_code="P", timout=3)  # type: ignore[call-arg]
    with pytest.raises(TypeError, match="missing required keyword argument 'partner_code'"):
        OffersClient(api_key="k", api_secret="s")  # type: ignore[call-arg]
    with OffersClient(api_key="k", api_secret="s", partner_code="P") as client:
        with pytest.raises(TypeError, match="unexpected keyword argument 'custmer'"):
            client.create_offer(custmer={}, events=[])  # type: ignore[call-arg]
        with pytest.raises(TypeError, match="missing required keyword argument 'events'"):
            client.create_offer(customer={})  # type: ignore[call-arg]
        with pytest.raises(TypeError, match="unexpected keyword argument 'base_url'"):
            client.with_options(base_url="http://elsewhere")  # type: ignore[call-arg]
