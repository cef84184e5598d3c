"""The one exception type that means "the user gave us something we cannot use".

The CLI turns it into a single line on stderr and exit code 2; library code raises it
wherever input from outside (files, names, config) is wrong, never for our own bugs.
"""


class BadInput(Exception):
    """Input from the user (a file, a name, a setting) is missing or malformed."""
