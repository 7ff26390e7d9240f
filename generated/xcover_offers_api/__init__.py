"""A client library for accessing Offers API - Event Ticket Protection"""

from .client import AuthenticatedClient, Client

__all__ = (
    "AuthenticatedClient",
    "Client",
)
