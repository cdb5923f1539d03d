"""Amazon SES adapter (boto3, SESv2 ``SendEmail`` with ``Content.Simple``).

SES builds the MIME message from a UTF-8 subject, text part and HTML part; our headers
(``Content-Language``, ``X-Palm-Reference`` and the message's own) go in ``Simple.Headers``,
and the reference is also the ``reference`` message tag, so bounce and complaint events of a
configuration set name the outbox row. Only this module imports boto3; callers see
``mail.base`` types.

Error mapping (``_from_client_error``): throttling, sending quota, 5xx and connection failures
-> ``MailUnavailable``; credentials, an unverified MAIL FROM domain, a missing configuration
set, a paused or suspended account -> ``MailMisconfigured`` (retryable, and a human must
look); ``MessageRejected`` (e.g. an unverified sender or, in the SES sandbox, recipient), a
bad address or parameter -> ``MailRejected``.

SES has no idempotency key: a send whose answer is lost (read timeout) may have gone out,
and retrying it may deliver it twice. The outbox records ``SendResult.provider_message_id``
right after a send so that only such a lost answer can cause a duplicate.
"""

from __future__ import annotations

import logging
from typing import Any

import boto3
from botocore.config import Config
from botocore.exceptions import (
    BotoCoreError,
    ClientError,
    HTTPClientError,
    NoCredentialsError,
    ParamValidationError,
)
from botocore.exceptions import ConnectionError as BotoConnectionError

from .base import (
    CHARSET,
    MailError,
    MailMessage,
    MailMisconfigured,
    MailRejected,
    MailSender,
    MailUnavailable,
    SendResult,
    format_sender,
    parse_sender,
)

__all__ = ["REFERENCE_TAG", "SesMailSender"]

log = logging.getLogger(__name__)

#: Name of the SES message tag that carries ``MailMessage.reference``.
REFERENCE_TAG = "reference"

_UNAVAILABLE_CODES = frozenset(
    {
        "TooManyRequestsException",  # sending rate
        "LimitExceededException",  # daily quota: resets, so the message can wait
        "Throttling",
        "ThrottlingException",
        "RequestTimeout",
        "RequestTimeoutException",
        "ServiceUnavailable",
        "ServiceUnavailableException",
        "InternalFailure",
        "InternalServerError",
    }
)
_MISCONFIGURED_CODES = frozenset(
    {
        "AccountSuspendedException",
        "SendingPausedException",
        "MailFromDomainNotVerifiedException",
        "NotFoundException",  # the configuration set does not exist
        "AccessDeniedException",
        "AccessDenied",
        "UnrecognizedClientException",
        "InvalidClientTokenId",
        "InvalidSignatureException",
        "SignatureDoesNotMatch",
        "ExpiredTokenException",
        "IncompleteSignature",
        "MissingAuthenticationToken",
    }
)


class SesMailSender(MailSender):
    """Sends through Amazon SES in one region.

    ``from_address`` (``"Name <addr>"`` or ``"addr"``) must be a verified identity (the
    address or its domain). Pass ``client`` to reuse a configured ``sesv2`` client;
    otherwise one is built with bounded timeouts and "standard" retries (``max_attempts``
    counts the first try) so a dead endpoint fails within seconds instead of hanging a
    worker.
    """

    def __init__(
        self,
        *,
        from_address: str,
        region: str = "us-east-1",
        endpoint_url: str | None = None,
        configuration_set: str | None = None,
        access_key_id: str | None = None,
        secret_access_key: str | None = None,
        client: Any = None,
        connect_timeout: float = 3.0,
        read_timeout: float = 10.0,
        max_attempts: int = 3,
    ) -> None:
        name, address = parse_sender(from_address)
        # SES wants the header form: a non-ASCII display name as an RFC 2047 encoded word.
        self.from_address = format_sender(name, address)
        self.configuration_set = configuration_set or None
        self._owns_client = client is None
        if client is None:
            config = Config(
                retries={"mode": "standard", "total_max_attempts": max_attempts},
                connect_timeout=connect_timeout,
                read_timeout=read_timeout,
            )
            # A private Session: boto3.client() shares the default session, whose client
            # creation is not thread-safe under gunicorn threads / Celery.
            client = boto3.session.Session().client(
                "sesv2",
                endpoint_url=endpoint_url,
                region_name=region,
                aws_access_key_id=access_key_id,
                aws_secret_access_key=secret_access_key,
                config=config,
            )
        self._client = client

    def request_for(self, message: MailMessage) -> dict[str, Any]:
        """The keyword arguments of ``send_email`` for ``message``."""
        body: dict[str, Any] = {"Text": {"Data": message.text, "Charset": CHARSET}}
        if message.html is not None:
            body["Html"] = {"Data": message.html, "Charset": CHARSET}
        request: dict[str, Any] = {
            "FromEmailAddress": self.from_address,
            "Destination": {"ToAddresses": [message.to]},
            "Content": {
                "Simple": {
                    # With a charset, SES encodes a non-ASCII subject as encoded words.
                    "Subject": {"Data": message.subject, "Charset": CHARSET},
                    "Body": body,
                    "Headers": [
                        {"Name": name, "Value": value} for name, value in message.all_headers()
                    ],
                }
            },
            # The reference grammar is the tag-value grammar, so this never fails.
            "EmailTags": [{"Name": REFERENCE_TAG, "Value": message.reference}],
        }
        if self.configuration_set:
            request["ConfigurationSetName"] = self.configuration_set
        return request

    def send(self, *, message: MailMessage) -> SendResult:
        try:
            response = self._client.send_email(**self.request_for(message))
        except ClientError as exc:
            error = _from_client_error(exc)
            self._log_failure(message, error)
            raise error from exc
        except (BotoConnectionError, HTTPClientError) as exc:
            # Refused / reset connections, DNS failures, connect and read timeouts.
            error = MailUnavailable(f"SES unreachable: {exc}")
            self._log_failure(message, error)
            raise error from exc
        except NoCredentialsError as exc:
            error = MailMisconfigured(f"no AWS credentials: {exc}")
            self._log_failure(message, error)
            raise error from exc
        except ParamValidationError as exc:
            # MailMessage validates first, so this means a field SES refuses that we do not
            # check (yet): the same message will never pass.
            error = MailRejected(f"SES refused the parameters: {exc}")
            self._log_failure(message, error)
            raise error from exc
        except BotoCoreError as exc:
            error = MailMisconfigured(f"SES client error: {exc}")
            self._log_failure(message, error)
            raise error from exc
        message_id = str(response["MessageId"])
        log.info(
            "mail sent via SES reference=%s to=%s language=%s ses_id=%s",
            message.reference,
            message.to_ref,
            message.language,
            message_id,
        )
        return SendResult(provider_message_id=message_id, reference=message.reference)

    @staticmethod
    def _log_failure(message: MailMessage, error: MailError) -> None:
        log.warning(
            "mail not sent via SES reference=%s to=%s code=%s provider_code=%s retryable=%s "
            "error=%s",
            message.reference,
            message.to_ref,
            error.code,
            error.provider_code,
            error.retryable,
            error,
        )

    def close(self) -> None:
        if self._owns_client:  # a client passed in belongs to the caller
            self._client.close()


def _from_client_error(exc: ClientError) -> MailError:
    error = exc.response.get("Error", {})
    code = str(error.get("Code", ""))
    text = f"SES {code}: {error.get('Message', '')}".strip()
    status = int(exc.response.get("ResponseMetadata", {}).get("HTTPStatusCode") or 0)
    if code in _MISCONFIGURED_CODES or status in (401, 403):
        return MailMisconfigured(text, provider_code=code or None)
    if code in _UNAVAILABLE_CODES or status == 429 or status >= 500:
        return MailUnavailable(text, provider_code=code or None)
    # MessageRejected, BadRequestException (bad address, too long...) and anything else
    # a 4xx: the same request will fail the same way.
    return MailRejected(text, provider_code=code or None)
