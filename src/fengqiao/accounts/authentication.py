"""`Authorization: Token <key>` against the hashed, expiring, revocable ApiToken (docs/security.md)."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from rest_framework import exceptions
from rest_framework.authentication import TokenAuthentication

from fengqiao.accounts import services


class ApiTokenAuthentication(TokenAuthentication):
    keyword = "Token"

    def authenticate_credentials(self, key):
        try:
            token = services.token_authenticate(key)
        except ValidationError as exc:
            raise exceptions.AuthenticationFailed(exc.messages[0]) from exc
        return (token.user, token)
