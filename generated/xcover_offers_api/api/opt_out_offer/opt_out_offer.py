from http import HTTPStatus
from typing import Any, Final, cast
from urllib.parse import quote

import httpx

from ... import errors
from ...client import AuthenticatedClient, Client
from ...models.error_response import ErrorResponse
from ...operation import Operation
from ...types import UNSET, Response, Unset


def _get_kwargs(
    partner_code: str,
    offer_id: str,
    *,
    x_idempotency_key: str | Unset = UNSET,
) -> dict[str, Any]:
    headers: dict[str, Any] = {}
    if not isinstance(x_idempotency_key, Unset):
        headers["x-idempotency-key"] = x_idempotency_key

    _kwargs: dict[str, Any] = {
        "method": "post",
        "url": "/partners/{partner_code}/offers/{offer_id}/opt_out/".format(
            partner_code=quote(str(partner_code), safe=""),
            offer_id=quote(str(offer_id), safe=""),
        ),
    }

    _kwargs["headers"] = headers
    return _kwargs


def _parse_response(
    *, client: AuthenticatedClient | Client, response: httpx.Response
) -> Any | ErrorResponse | None:
    if response.status_code == 204:
        response_204 = cast("Any", None)
        return response_204

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
) -> Response[Any | ErrorResponse]:
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
    x_idempotency_key: str | Unset = UNSET,
) -> Response[Any | ErrorResponse]:
    """Opt-out Offer

     Records that the customer was shown the offer and did not take it.

    Args:
        partner_code (str):
        offer_id (str):
        x_idempotency_key (str | Unset):

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Response[Any | ErrorResponse]
    """

    kwargs = _get_kwargs(
        partner_code=partner_code,
        offer_id=offer_id,
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
    x_idempotency_key: str | Unset = UNSET,
) -> Any | ErrorResponse | None:
    """Opt-out Offer

     Records that the customer was shown the offer and did not take it.

    Args:
        partner_code (str):
        offer_id (str):
        x_idempotency_key (str | Unset):

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Any | ErrorResponse
    """

    return sync_detailed(
        partner_code=partner_code,
        offer_id=offer_id,
        client=client,
        x_idempotency_key=x_idempotency_key,
    ).parsed


async def asyncio_detailed(
    partner_code: str,
    offer_id: str,
    *,
    client: AuthenticatedClient | Client,
    x_idempotency_key: str | Unset = UNSET,
) -> Response[Any | ErrorResponse]:
    """Opt-out Offer

     Records that the customer was shown the offer and did not take it.

    Args:
        partner_code (str):
        offer_id (str):
        x_idempotency_key (str | Unset):

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Response[Any | ErrorResponse]
    """

    kwargs = _get_kwargs(
        partner_code=partner_code,
        offer_id=offer_id,
        x_idempotency_key=x_idempotency_key,
    )

    response = await client.get_async_httpx_client().request(**kwargs)

    return _build_response(client=client, response=response)


async def asyncio(
    partner_code: str,
    offer_id: str,
    *,
    client: AuthenticatedClient | Client,
    x_idempotency_key: str | Unset = UNSET,
) -> Any | ErrorResponse | None:
    """Opt-out Offer

     Records that the customer was shown the offer and did not take it.

    Args:
        partner_code (str):
        offer_id (str):
        x_idempotency_key (str | Unset):

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Any | ErrorResponse
    """

    return (
        await asyncio_detailed(
            partner_code=partner_code,
            offer_id=offer_id,
            client=client,
            x_idempotency_key=x_idempotency_key,
        )
    ).parsed


OPERATION: Final[Operation[None]] = Operation(
    id="opt_out_offer",
    method="POST",
    path="/partners/{partner_code}/offers/{offer_id}/opt_out/",
    path_parameters=(
        "partner_code",
        "offer_id",
    ),
    query_parameters=(),
    header_parameters=(("x-idempotency-key", "x_idempotency_key"),),
    has_body=False,
    readers={
        "204": None,
        "403": ErrorResponse.from_dict,
        "404": ErrorResponse.from_dict,
    },
    build=_get_kwargs,
)
