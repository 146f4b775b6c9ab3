"""The one error type of the data layer."""


class DataError(ValueError):
    """A data file is missing, damaged, or could not be downloaded.

    The message is always a single line that names the file (or URL) and says
    what the user can do about it, so that the command line can print it as is.
    It subclasses ValueError because a bad file is a bad input value.
    """
