"""The desk's refusal: an official or staff action that cannot be done."""


class DeskError(Exception):
    """A staff or official action that cannot be done (unknown ticket, closed ticket...)."""
