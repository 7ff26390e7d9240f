from http import HTTPStatus
from typing import Any, Final
from urllib.parse import quote

import httpx

from ... import errors
from ...client import AuthenticatedClient, Client
from ...models.booking import Booking
from ...models.error_response import ErrorResponse
from ...operation import Operation
from ...types import Response


def _get_kwargs(
    partner_code: str,
    booking_id: str,
) -> dict[str, Any]:

    _kwargs: dict[str, Any] = {
        "method": "get",
        "url": "/partners/{partner_code}/bookings/{booking_id}/".format(
            partner_code=quote(str(partner_code), safe=""),
            booking_id=quote(str(booking_id), safe=""),
        ),
    }

    return _kwargs


def _parse_response(
    *, client: AuthenticatedClient | Client, response: httpx.Response
) -> Booking | ErrorResponse | None:
    if response.status_code == 200:
        response_200 = Booking.from_dict(response.json())

        return response_200

    if response.status_code == 403:
        response_403 = ErrorResponse.from_dict(response.json())

        return response_403

    if response.status_code == 404:
        response_404 = ErrorResponse.from_dict(response.json())

        return response_404

    if client.raise_on_unexpected_status:
        raise errors.UnexpectedStatus(response.status_code, response.content)
    else:
        return None


def _build_response(
    *, client: AuthenticatedClient | Client, response: httpx.Response
) -> Response[Booking | ErrorResponse]:
    return Response(
        status_code=HTTPStatus(response.status_code),
        content=response.content,
        headers=response.headers,
        parsed=_parse_response(client=client, response=response),
    )


def sync_detailed(
    partner_code: str,
    booking_id: str,
    *,
    client: AuthenticatedClient | Client,
) -> Response[Booking | ErrorResponse]:
    """Get Booking

     Returns the current state of one booking. booking_id is the booking's id (its INS number), as
    Confirm Offer returns it.

    Args:
        partner_code (str):
        booking_id (str):

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Response[Booking | ErrorResponse]
    """

    kwargs = _get_kwargs(
        partner_code=partner_code,
        booking_id=booking_id,
    )

    response = client.get_httpx_client().request(
        **kwargs,
    )

    return _build_response(client=client, response=response)


def sync(
    partner_code: str,
    booking_id: str,
    *,
    client: AuthenticatedClient | Client,
) -> Booking | ErrorResponse | None:
    """Get Booking

     Returns the current state of one booking. booking_id is the booking's id (its INS number), as
    Confirm Offer returns it.

    Args:
        partner_code (str):
        booking_id (str):

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Booking | ErrorResponse
    """

    return sync_detailed(
        partner_code=partner_code,
        booking_id=booking_id,
        client=client,
    ).parsed


async def asyncio_detailed(
    partner_code: str,
    booking_id: str,
    *,
    client: AuthenticatedClient | Client,
) -> Response[Booking | ErrorResponse]:
    """Get Booking

     Returns the current state of one booking. booking_id is the booking's id (its INS number), as
    Confirm Offer returns it.

    Args:
        partner_code (str):
        booking_id (str):

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Response[Booking | ErrorResponse]
    """

    kwargs = _get_kwargs(
        partner_code=partner_code,
        booking_id=booking_id,
    )

    response = await client.get_async_httpx_client().request(**kwargs)

    return _build_response(client=client, response=response)


async def asyncio(
    partner_code: str,
    booking_id: str,
    *,
    client: AuthenticatedClient | Client,
) -> Booking | ErrorResponse | None:
    """Get Booking

     Returns the current state of one booking. booking_id is the booking's id (its INS number), as
    Confirm Offer returns it.

    Args:
        partner_code (str):
        booking_id (str):

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Booking | ErrorResponse
    """

    return (
        await asyncio_detailed(
            partner_code=partner_code,
            booking_id=booking_id,
            client=client,
        )
    ).parsed


OPERATION: Final[Operation[Booking]] = Operation(
    id="get_booking",
    method="GET",
    path="/partners/{partner_code}/bookings/{booking_id}/",
    path_parameters=(
        "partner_code",
        "booking_id",
    ),
    query_parameters=(),
    header_parameters=(),
    has_body=False,
    readers={
        "200": Booking.from_dict,
        "403": ErrorResponse.from_dict,
        "404": ErrorResponse.from_dict,
    },
    build=_get_kwargs,
)
