"""Room names. Rooms are server-side only; clients never see these names."""


def session_room(session_id: int) -> str:
    return f"session:{session_id}"


def participant_room(participant_id: int) -> str:
    return f"participant:{participant_id}"
