"""The one exception type for problems a user can cause and fix."""


class LeadscoreError(Exception):
    """A user-fixable problem; the CLI prints it as one line and exits with ``exit_code``.

    The message names the file, column or row and what to do about it.
    """

    exit_code = 2

    def __init__(self, message: str, exit_code: int = 2):
        super().__init__(message)
        self.exit_code = exit_code
