"""The catalogue: posts, service types, and the fee of each service at each post.

Fees are integers in the minor unit of the post's currency (ISO 4217 exponent: JPY and VND
have none, KWD has three); admins may give a decimal string instead and it is converted
exactly, or refused when it has more decimals than the currency allows.
"""

from __future__ import annotations

from decimal import Decimal, InvalidOperation
from typing import Any

from sqlalchemy import Select, select

from payments.currency import minor_unit_exponent
from services.accounts.audit import record_audit
from services.core.db import after_commit, db, transactional
from services.core.errors import Conflict, InvalidInput, NotFound
from services.models import Account, Fee, Post, ServiceType

_version = 0


def catalogue_version() -> int:
    """A number that changes (in this process) whenever a catalogue change commits."""
    return _version


def _changed() -> None:
    def bump() -> None:
        global _version
        _version += 1

    after_commit(bump)


POST_FIELDS = (
    "kind",
    "names",
    "country",
    "city",
    "time_zone",
    "address",
    "phone",
    "currency",
    "mobile_payment_enabled",
    "walk_in_applications",
    "weekend_days",
    "is_active",
)
SERVICE_FIELDS = ("names", "materials", "processing_days", "is_active")


def posts_query(*, country: str | None = None, include_inactive: bool = False) -> Select:
    query = select(Post).order_by(Post.code)
    if country:
        query = query.where(Post.country == country.upper())
    if not include_inactive:
        query = query.where(Post.is_active.is_(True))
    return query


def get_post(code: str, *, include_inactive: bool = False) -> Post:
    post = db.session.scalar(select(Post).where(Post.code == code.upper()))
    if post is None or (not post.is_active and not include_inactive):
        raise NotFound("post_not_found")
    return post


def post_services(post: Post) -> list[Fee]:
    """The services a post offers, each with its fee, in a stable order."""
    return list(
        db.session.scalars(
            select(Fee)
            .join(ServiceType)
            .where(Fee.post_id == post.id, ServiceType.is_active.is_(True))
            .order_by(ServiceType.code)
        )
    )


def services_query(*, include_inactive: bool = False) -> Select:
    query = select(ServiceType).order_by(ServiceType.code)
    if not include_inactive:
        query = query.where(ServiceType.is_active.is_(True))
    return query


def get_service_type(code: str) -> ServiceType:
    service = db.session.scalar(select(ServiceType).where(ServiceType.code == code))
    if service is None:
        raise NotFound("service_not_found")
    return service


def to_minor_units(amount: str | int | Decimal, currency: str) -> int:
    """Convert a decimal amount into the currency's minor unit, exactly or not at all."""
    exponent = minor_unit_exponent(currency)
    try:
        value = Decimal(str(amount))
    except InvalidOperation:
        raise InvalidInput("fee_not_representable", currency=currency, exponent=exponent) from None
    scaled = value.scaleb(exponent)
    if value < 0 or scaled != scaled.to_integral_value():
        raise InvalidInput("fee_not_representable", currency=currency, exponent=exponent)
    return int(scaled)


@transactional
def create_post(actor: Account, data: dict[str, Any]) -> Post:
    code = data["code"].upper()
    if db.session.scalar(select(Post.id).where(Post.code == code)):
        raise Conflict("post_exists")
    post = Post(code=code, **{k: data[k] for k in POST_FIELDS if k in data})
    db.session.add(post)
    db.session.flush()
    record_audit(actor, "post.create", "post", post.code, post_id=post.id)
    _changed()
    return post


@transactional
def update_post(actor: Account, code: str, changes: dict[str, Any]) -> Post:
    post = get_post(code, include_inactive=True)
    for field in POST_FIELDS:
        if field in changes:
            setattr(post, field, changes[field])
    db.session.flush()
    record_audit(
        actor,
        "post.update",
        "post",
        post.code,
        post_id=post.id,
        details={"fields": sorted(changes)},
    )
    _changed()
    return post


@transactional
def create_service_type(actor: Account, data: dict[str, Any]) -> ServiceType:
    if db.session.scalar(select(ServiceType.id).where(ServiceType.code == data["code"])):
        raise Conflict("service_exists")
    service = ServiceType(code=data["code"], **{k: data[k] for k in SERVICE_FIELDS if k in data})
    db.session.add(service)
    db.session.flush()
    record_audit(actor, "service.create", "service_type", service.code)
    _changed()
    return service


@transactional
def update_service_type(actor: Account, code: str, changes: dict[str, Any]) -> ServiceType:
    service = get_service_type(code)
    for field in SERVICE_FIELDS:
        if field in changes:
            setattr(service, field, changes[field])
    db.session.flush()
    record_audit(actor, "service.update", "service_type", code, details={"fields": sorted(changes)})
    _changed()
    return service


@transactional
def set_fee(actor: Account, post_code: str, service_code: str, amount: Any) -> Fee:
    """Create or change the fee of a service at a post, in the post's currency."""
    post = get_post(post_code, include_inactive=True)
    service = get_service_type(service_code)
    amount_minor = to_minor_units(amount, post.currency)
    fee = db.session.scalar(
        select(Fee).where(Fee.post_id == post.id, Fee.service_type_id == service.id)
    )
    old = fee.amount_minor if fee else None
    if fee is None:
        fee = Fee(post_id=post.id, service_type_id=service.id, currency=post.currency)
        db.session.add(fee)
    fee.amount_minor = amount_minor
    fee.currency = post.currency
    db.session.flush()
    record_audit(
        actor,
        "fee.set",
        "fee",
        f"{post.code}/{service.code}",
        post_id=post.id,
        details={"old": old, "new": amount_minor, "currency": post.currency},
    )
    _changed()
    return fee
