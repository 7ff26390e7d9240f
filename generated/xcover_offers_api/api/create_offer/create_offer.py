from http import HTTPStatus
from typing import Any, Final
from urllib.parse import quote

import httpx

from ... import errors
from ...client import AuthenticatedClient, Client
from ...models.error_response import ErrorResponse
from ...models.offer_request import OfferRequest
from ...models.offer_response import OfferResponse
from ...models.validation_error_response import ValidationErrorResponse
from ...operation import Operation
from ...types import UNSET, Response, Unset


def _get_kwargs(
    partner_code: str,
    *,
    body: OfferRequest,
    active_only: bool | Unset = False,
    include_content: bool | Unset = True,
    extra_fields: str | Unset = UNSET,
    exclude_offer_ids: str | Unset = UNSET,
    x_idempotency_key: str | Unset = UNSET,
) -> dict[str, Any]:
    headers: dict[str, Any] = {}
    if not isinstance(x_idempotency_key, Unset):
        headers["x-idempotency-key"] = x_idempotency_key

    params: dict[str, Any] = {}

    params["active_only"] = active_only

    params["include_content"] = include_content

    params["extra_fields"] = extra_fields

    params["exclude_offer_ids"] = exclude_offer_ids

    params = {k: v for k, v in params.items() if v is not UNSET and v is not None}

    _kwargs: dict[str, Any] = {
        "method": "post",
        "url": "/partners/{partner_code}/offers/".format(
            partner_code=quote(str(partner_code), safe=""),
        ),
        "params": params,
    }

    _kwargs["json"] = body.to_dict()

    headers["Content-Type"] = "application/json"

    _kwargs["headers"] = headers
    return _kwargs


def _parse_response(
    *, client: AuthenticatedClient | Client, response: httpx.Response
) -> ErrorResponse | OfferResponse | ValidationErrorResponse | None:
    if response.status_code == 200:
        response_200 = OfferResponse.from_dict(response.json())

        return response_200

    if response.status_code == 403:
        response_403 = ErrorResponse.from_dict(response.json())

        return response_403

    if response.status_code == 422:
        response_422 = ValidationErrorResponse.from_dict(response.json())

        return response_422

    if client.raise_on_unexpected_status:
        raise errors.UnexpectedStatus(response.status_code, response.content)
    else:
        return None


def _build_response(
    *, client: AuthenticatedClient | Client, response: httpx.Response
) -> Response[ErrorResponse | OfferResponse | ValidationErrorResponse]:
    return Response(
        status_code=HTTPStatus(response.status_code),
        content=response.content,
        headers=response.headers,
        parsed=_parse_response(client=client, response=response),
    )


def sync_detailed(
    partner_code: str,
    *,
    client: AuthenticatedClient | Client,
    body: OfferRequest,
    active_only: bool | Unset = False,
    include_content: bool | Unset = True,
    extra_fields: str | Unset = UNSET,
    exclude_offer_ids: str | Unset = UNSET,
    x_idempotency_key: str | Unset = UNSET,
) -> Response[ErrorResponse | OfferResponse | ValidationErrorResponse]:
    """Create Offer

     The Create Offer endpoint generates event ticket protection offerings based on the events and
    tickets being purchased. Multiple events may be quoted in a single request; the response returns one
    or more protection products with pricing.

    Args:
        partner_code (str):
        active_only (bool | Unset):  Default: False.
        include_content (bool | Unset):  Default: True.
        extra_fields (str | Unset):
        exclude_offer_ids (str | Unset):
        x_idempotency_key (str | Unset):
        body (OfferRequest):

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Response[ErrorResponse | OfferResponse | ValidationErrorResponse]
    """

    kwargs = _get_kwargs(
        partner_code=partner_code,
        body=body,
        active_only=active_only,
        include_content=include_content,
        extra_fields=extra_fields,
        exclude_offer_ids=exclude_offer_ids,
        x_idempotency_key=x_idempotency_key,
    )

    response = client.get_httpx_client().request(
        **kwargs,
    )

    return _build_response(client=client, response=response)


def sync(
    partner_code: str,
    *,
    client: AuthenticatedClient | Client,
    body: OfferRequest,
    active_only: bool | Unset = False,
    include_content: bool | Unset = True,
    extra_fields: str | Unset = UNSET,
    exclude_offer_ids: str | Unset = UNSET,
    x_idempotency_key: str | Unset = UNSET,
) -> ErrorResponse | OfferResponse | ValidationErrorResponse | None:
    """Create Offer

     The Create Offer endpoint generates event ticket protection offerings based on the events and
    tickets being purchased. Multiple events may be quoted in a single request; the response returns one
    or more protection products with pricing.

    Args:
        partner_code (str):
        active_only (bool | Unset):  Default: False.
        include_content (bool | Unset):  Default: True.
        extra_fields (str | Unset):
        exclude_offer_ids (str | Unset):
        x_idempotency_key (str | Unset):
        body (OfferRequest):

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        ErrorResponse | OfferResponse | ValidationErrorResponse
    """

    return sync_detailed(
        partner_code=partner_code,
        client=client,
        body=body,
        active_only=active_only,
        include_content=include_content,
        extra_fields=extra_fields,
        exclude_offer_ids=exclude_offer_ids,
        x_idempotency_key=x_idempotency_key,
    ).parsed


async def asyncio_detailed(
    partner_code: str,
    *,
    client: AuthenticatedClient | Client,
    body: OfferRequest,
    active_only: bool | Unset = False,
    include_content: bool | Unset = True,
    extra_fields: str | Unset = UNSET,
    exclude_offer_ids: str | Unset = UNSET,
    x_idempotency_key: str | Unset = UNSET,
) -> Response[ErrorResponse | OfferResponse | ValidationErrorResponse]:
    """Create Offer

     The Create Offer endpoint generates event ticket protection offerings based on the events and
    tickets being purchased. Multiple events may be quoted in a single request; the response returns one
    or more protection products with pricing.

    Args:
        partner_code (str):
        active_only (bool | Unset):  Default: False.
        include_content (bool | Unset):  Default: True.
        extra_fields (str | Unset):
        exclude_offer_ids (str | Unset):
        x_idempotency_key (str | Unset):
        body (OfferRequest):

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Response[ErrorResponse | OfferResponse | ValidationErrorResponse]
    """

    kwargs = _get_kwargs(
        partner_code=partner_code,
        body=body,
        active_only=active_only,
        include_content=include_content,
        extra_fields=extra_fields,
        exclude_offer_ids=exclude_offer_ids,
        x_idempotency_key=x_idempotency_key,
    )

    response = await client.get_async_httpx_client().request(**kwargs)

    return _build_response(client=client, response=response)


async def asyncio(
    partner_code: str,
    *,
    client: AuthenticatedClient | Client,
    body: OfferRequest,
    active_only: bool | Unset = False,
    include_content: bool | Unset = True,
    extra_fields: str | Unset = UNSET,
    exclude_offer_ids: str | Unset = UNSET,
    x_idempotency_key: str | Unset = UNSET,
) -> ErrorResponse | OfferResponse | ValidationErrorResponse | None:
    """Create Offer

     The Create Offer endpoint generates event ticket protection offerings based on the events and
    tickets being purchased. Multiple events may be quoted in a single request; the response returns one
    or more protection products with pricing.

    Args:
        partner_code (str):
        active_only (bool | Unset):  Default: False.
        include_content (bool | Unset):  Default: True.
        extra_fields (str | Unset):
        exclude_offer_ids (str | Unset):
        x_idempotency_key (str | Unset):
        body (OfferRequest):

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        ErrorResponse | OfferResponse | ValidationErrorResponse
    """

    return (
        await asyncio_detailed(
            partner_code=partner_code,
            client=client,
            body=body,
            active_only=active_only,
            include_content=include_content,
            extra_fields=extra_fields,
            exclude_offer_ids=exclude_offer_ids,
            x_idempotency_key=x_idempotency_key,
        )
    ).parsed


OPERATION: Final[Operation[OfferResponse]] = Operation(
    id="create_offer",
    method="POST",
    path="/partners/{partner_code}/offers/",
    path_parameters=("partner_code",),
    query_parameters=(
        "active_only",
        "include_content",
        "extra_fields",
        "exclude_offer_ids",
    ),
    header_parameters=(("x-idempotency-key", "x_idempotency_key"),),
    has_body=True,
    readers={
        "200": OfferResponse.from_dict,
        "403": ErrorResponse.from_dict,
        "422": ValidationErrorResponse.from_dict,
    },
    build=_get_kwargs,
)
