"""The Telegram adapter: the help desk on python-telegram-bot, calling the desk.

- ``app``: the Application (handlers, jobs, the pacer) and ``helpdesk-bot run``
- ``officials``, ``profiles``, ``browsing``, ``common``: the officials' side
- ``staff``: Secretariat triage in the staff chat, cards and their buttons
- ``sending``: every Bot API call through one pacer; retries, splitting, delivery marks
- ``intake``: each update stored before Telegram is told it arrived (polling or webhook)
"""
