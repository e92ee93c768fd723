"""Annotated dependencies shared by the routes."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Request

from basalt.server.auth import principal_of
from basalt.services.container import Services
from basalt.spec.auth import Principal


def get_services(request: Request) -> Services:
    """The Services the app was built with."""
    services: Services = request.app.state.services
    return services


ServicesDep = Annotated[Services, Depends(get_services)]

PrincipalDep = Annotated[Principal, Depends(principal_of)]
