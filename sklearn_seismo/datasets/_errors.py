"""Reader errors that name a fix, in Python words or in command-line words."""

__all__ = ["ReaderOptionError", "Placeholder"]


class Placeholder(str):
    """A value to fill in, such as ``<Hz>``: written without quotes."""

    def __repr__(self):
        return str(self)


def keyword_form(option, value):
    """``on_gap='fill'``: how a Python caller passes ``option``."""
    return f"{option}={value!r}"


def flag_form(option, value):
    """``--on-gap fill``: how a command-line user passes ``option``.

    One rule for every option: the flag is the keyword with ``_`` replaced by
    ``-``; a sequence of single letters (``channels=('Z', 'E')``) is written
    as one word (``ZE``) and any other sequence as separate words.
    """
    flag = "--" + option.replace("_", "-")
    if isinstance(value, bool):
        return flag if value else f"--no-{flag[2:]}"
    if isinstance(value, (tuple, list)):
        parts = [str(v) for v in value]
        sep = "" if all(len(p) == 1 for p in parts) else " "
        value = sep.join(parts)
    return f"{flag} {value}"


class ReaderOptionError(ValueError):
    """A reader error whose fix is another value of a reader option.

    ``str(err)`` names the fix as a Python keyword (``on_gap='fill'``);
    :meth:`cli_message` names it as a command-line flag (``--on-gap fill``),
    for commands that expose reader options as flags (the flag is the
    keyword with ``_`` replaced by ``-``).

    Parameters
    ----------
    template : str
        The message, with ``{0}``, ``{1}``, ... where each suggested fix of
        ``suggestions`` goes.
    suggestions : sequence of (str, object)
        ``(option, value)`` pairs, the first being the main fix.

    Attributes
    ----------
    option : str
        Keyword of the main fix, e.g. ``"on_gap"``.
    value : object
        Its suggested value, e.g. ``"fill"``.
    suggestions : list of (str, object)
        Every suggested ``(option, value)``, the main fix first.

    Examples
    --------
    >>> import numpy as np, obspy
    >>> from sklearn_seismo.datasets import ReaderOptionError, load_waveforms
    >>> st = obspy.read()
    >>> st[0].stats.sampling_rate = 50.0
    >>> try:
    ...     load_waveforms(st)
    ... except ReaderOptionError as err:
    ...     print(err.option, err.value)
    ...     print(err.cli_message().split("; ")[-1])
    sampling_rate <Hz>
    pass --sampling-rate <Hz> to resample them to one rate.
    """

    def __init__(self, template, suggestions):
        self.template = template
        self.suggestions = [(str(o), v) for o, v in suggestions]
        if not self.suggestions:
            raise ValueError("ReaderOptionError needs at least one suggestion.")
        self.option, self.value = self.suggestions[0]
        super().__init__(
            template.format(*(keyword_form(o, v) for o, v in self.suggestions))
        )

    def __reduce__(self):
        return type(self), (self.template, self.suggestions)

    def cli_message(self, prefix=""):
        """The message with every fix written as a command-line flag.

        Parameters
        ----------
        prefix : str, default=""
            Put before the message (e.g. ``"--data x.mseed: "``).

        Returns
        -------
        message : str
        """
        return prefix + self.template.format(
            *(flag_form(o, v) for o, v in self.suggestions)
        )
