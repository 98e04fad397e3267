"""Error hierarchy: every message says what went wrong and what the user can do about it."""


class NewslakeError(Exception):
    """Base class for all newslake errors."""


class ConfigError(NewslakeError):
    """Bad settings or sources file (the message names the key and line)."""


class FetchError(NewslakeError):
    """A URL could not be fetched (recorded per URL, never fails a batch)."""

    def __init__(self, reason: str, http_status: int | None = None, attempt: int = 1, *, retryable: bool = False, retry_after: float | None = None):
        super().__init__(reason)
        self.reason = reason
        self.http_status = http_status
        self.attempt = attempt
        self.retryable = retryable  # network errors worth another try
        self.retry_after = retry_after  # seconds, from a Retry-After header


class ExtractError(NewslakeError):
    """No article body could be extracted from a page."""


class LakeError(NewslakeError):
    """The lake could not be read or written."""


class ValidationError(NewslakeError):
    """A written slice failed its checks (empty while sources listed articles, too many nulls)."""
