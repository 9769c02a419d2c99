"""Participant tokens: how a browser (or any client) comes back as the same participant.

A token is the participant's public id signed with the app's secret key. It is
not an account: it is only good for the one session that issued it.
"""

from __future__ import annotations

from itsdangerous import BadSignature, URLSafeSerializer

_SALT = "workshop.participant.v1"


class ParticipantTokens:
    def __init__(self, secret_key: str):
        self._serializer = URLSafeSerializer(secret_key, salt=_SALT)

    def issue(self, public_id: str) -> str:
        return self._serializer.dumps({"p": public_id})

    def read(self, token: str) -> str | None:
        """The public id inside a valid token, else None."""
        try:
            payload = self._serializer.loads(token)
        except BadSignature:
            return None
        if not isinstance(payload, dict) or not isinstance(payload.get("p"), str):
            return None
        return payload["p"]
