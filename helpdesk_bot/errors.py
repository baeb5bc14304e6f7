"""The desk's exceptions: what a channel (the Telegram adapter, the console) catches from a desk
call, without knowing what the desk is built on."""


class DeskError(Exception):
    """A staff or official action that cannot be done (unknown ticket, closed ticket...)."""


class DatabaseFailure(Exception):
    """The database could not do what a desk call asked (unreachable, locked, a table missing);
    trying again later may work.

    The desk raises it in place of SQLAlchemy's error, which stays attached as ``__cause__`` (and
    in tracebacks): channels tell a database failure from any other by this type alone, so they
    never import SQLAlchemy. Not a DeskError: the request itself was fine. (``db.DatabaseError``
    is another matter: a database the desk cannot open at all, found at start-up.)
    """
