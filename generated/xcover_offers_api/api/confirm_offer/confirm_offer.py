from http import HTTPStatus
from typing import Any, Final
from urllib.parse import quote
from uuid import UUID

import httpx

from ... import errors
from ...client import AuthenticatedClient, Client
from ...models.booking import Booking
from ...models.confirm_offer_request import ConfirmOfferRequest
from ...models.error_response import ErrorResponse
from ...models.validation_error_response import ValidationErrorResponse
from ...operation import Operation
from ...types import UNSET, Response, Unset


def _get_kwargs(
    partner_code: str,
    offer_id: str,
    *,
    body: ConfirmOfferRequest,
    x_idempotency_key: UUID | Unset = UNSET,
) -> dict[str, Any]:
    headers: dict[str, Any] = {}
    if not isinstance(x_idempotency_key, Unset):
        headers["x-idempotency-key"] = x_idempotency_key

    _kwargs: dict[str, Any] = {
        "method": "post",
        "url": "/partners/{partner_code}/offers/{offer_id}/confirm/".format(
            partner_code=quote(str(partner_code), safe=""),
            offer_id=quote(str(offer_id), safe=""),
        ),
    }

    _kwargs["json"] = body.to_dict()

    headers["Content-Type"] = "application/json"

    _kwargs["headers"] = headers
    return _kwargs


def _parse_response(
    *, client: AuthenticatedClient | Client, response: httpx.Response
) -> Booking | ErrorResponse | ValidationErrorResponse | None:
    if response.status_code == 200:
        response_200 = Booking.from_dict(response.json())

        return response_200

    if response.status_code == 201:
        response_201 = Booking.from_dict(response.json())

        return response_201

    if response.status_code == 403:
        response_403 = ErrorResponse.from_dict(response.json())

        return response_403

    if response.status_code == 404:
        response_404 = ErrorResponse.from_dict(response.json())

        return response_404

    if response.status_code == 409:
        response_409 = Booking.from_dict(response.json())

        return response_409

    if response.status_code == 422:
        response_422 = ValidationErrorResponse.from_dict(response.json())

        return response_422

    if response.status_code == 423:
        response_423 = ErrorResponse.from_dict(response.json())

        return response_423

    if client.raise_on_unexpected_status:
        raise errors.UnexpectedStatus(response.status_code, response.content)
    else:
        return None


def _build_response(
    *, client: AuthenticatedClient | Client, response: httpx.Response
) -> Response[Booking | ErrorResponse | ValidationErrorResponse]:
    return Response(
        status_code=HTTPStatus(response.status_code),
        content=response.content,
        headers=response.headers,
        parsed=_parse_response(client=client, response=response),
    )


def sync_detailed(
    partner_code: str,
    offer_id: str,
    *,
    client: AuthenticatedClient | Client,
    body: ConfirmOfferRequest,
    x_idempotency_key: UUID | Unset = UNSET,
) -> Response[Booking | ErrorResponse | ValidationErrorResponse]:
    """Confirm Offer

     Turns the chosen quotes of an offer into a booking once payment has been taken. offer_id is Create
    Offer's data.id.

    Args:
        partner_code (str):
        offer_id (str):
        x_idempotency_key (UUID | Unset):
        body (ConfirmOfferRequest): What to buy and for whom, sent once the partner has taken
            payment.

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Response[Booking | ErrorResponse | ValidationErrorResponse]
    """

    kwargs = _get_kwargs(
        partner_code=partner_code,
        offer_id=offer_id,
        body=body,
        x_idempotency_key=x_idempotency_key,
    )

    response = client.get_httpx_client().request(
        **kwargs,
    )

    return _build_response(client=client, response=response)


def sync(
    partner_code: str,
    offer_id: str,
    *,
    client: AuthenticatedClient | Client,
    body: ConfirmOfferRequest,
    x_idempotency_key: UUID | Unset = UNSET,
) -> Booking | ErrorResponse | ValidationErrorResponse | None:
    """Confirm Offer

     Turns the chosen quotes of an offer into a booking once payment has been taken. offer_id is Create
    Offer's data.id.

    Args:
        partner_code (str):
        offer_id (str):
        x_idempotency_key (UUID | Unset):
        body (ConfirmOfferRequest): What to buy and for whom, sent once the partner has taken
            payment.

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Booking | ErrorResponse | ValidationErrorResponse
    """

    return sync_detailed(
        partner_code=partner_code,
        offer_id=offer_id,
        client=client,
        body=body,
        x_idempotency_key=x_idempotency_key,
    ).parsed


async def asyncio_detailed(
    partner_code: str,
    offer_id: str,
    *,
    client: AuthenticatedClient | Client,
    body: ConfirmOfferRequest,
    x_idempotency_key: UUID | Unset = UNSET,
) -> Response[Booking | ErrorResponse | ValidationErrorResponse]:
    """Confirm Offer

     Turns the chosen quotes of an offer into a booking once payment has been taken. offer_id is Create
    Offer's data.id.

    Args:
        partner_code (str):
        offer_id (str):
        x_idempotency_key (UUID | Unset):
        body (ConfirmOfferRequest): What to buy and for whom, sent once the partner has taken
            payment.

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Response[Booking | ErrorResponse | ValidationErrorResponse]
    """

    kwargs = _get_kwargs(
        partner_code=partner_code,
        offer_id=offer_id,
        body=body,
        x_idempotency_key=x_idempotency_key,
    )

    response = await client.get_async_httpx_client().request(**kwargs)

    return _build_response(client=client, response=response)


async def asyncio(
    partner_code: str,
    offer_id: str,
    *,
    client: AuthenticatedClient | Client,
    body: ConfirmOfferRequest,
    x_idempotency_key: UUID | Unset = UNSET,
) -> Booking | ErrorResponse | ValidationErrorResponse | None:
    """Confirm Offer

     Turns the chosen quotes of an offer into a booking once payment has been taken. offer_id is Create
    Offer's data.id.

    Args:
        partner_code (str):
        offer_id (str):
        x_idempotency_key (UUID | Unset):
        body (ConfirmOfferRequest): What to buy and for whom, sent once the partner has taken
            payment.

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Booking | ErrorResponse | ValidationErrorResponse
    """

    return (
        await asyncio_detailed(
            partner_code=partner_code,
            offer_id=offer_id,
            client=client,
            body=body,
            x_idempotency_key=x_idempotency_key,
        )
    ).parsed


OPERATION: Final[Operation[Booking]] = Operation(
    id="confirm_offer",
    method="POST",
    path="/partners/{partner_code}/offers/{offer_id}/confirm/",
    path_parameters=(
        "partner_code",
        "offer_id",
    ),
    query_parameters=(),
    header_parameters=(("x-idempotency-key", "x_idempotency_key"),),
    has_body=True,
    readers={
        "200": Booking.from_dict,
        "201": Booking.from_dict,
        "403": ErrorResponse.from_dict,
        "404": ErrorResponse.from_dict,
        "409": Booking.from_dict,
        "422": ValidationErrorResponse.from_dict,
        "423": ErrorResponse.from_dict,
    },
    build=_get_kwargs,
)
