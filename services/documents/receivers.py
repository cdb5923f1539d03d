"""What the documents domain does when a lower domain signals a change."""

from __future__ import annotations

from services.core import signals
from services.documents.documents import forget_applicant_documents


def _forget_documents_of_deleted_applicant(applicant_id: int, **_: object) -> None:
    # Runs inside the deletion's unit of work: the rows go with the applicant, the stored
    # objects are deleted after the commit.
    forget_applicant_documents(applicant_id)


def connect() -> None:
    signals.applicant_deleted.connect(_forget_documents_of_deleted_applicant)
