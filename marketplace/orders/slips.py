"""Transfer slips: the buyer's photo of a bank or PromptPay transfer, stored privately.

A slip goes through the same checks as a product photo (`catalog.images.open_image`:
the format read from the content, a pixel limit against decompression bombs,
EXIF orientation applied, every piece of metadata left behind) and is stored
as one JPEG under `slips/<random key>.jpg` in the store (`marketplace/storage.py`). The public media
route serves only `products/`, so a slip is reachable only through views that
checked who is asking: the buyer's order page (`send_slip`) and the group's
back office (`slip_bytes` / `send_slip`).

Submitting a slip moves the order's transfer payment to SUBMITTED, which also
stops the order expiring while the leader decides. A rejected slip can be
replaced by a new one (and so can one still waiting, if the buyer sent the
wrong picture); the old file is deleted when the transaction commits.
"""

import contextlib
import io
import secrets
from dataclasses import dataclass
from datetime import UTC, datetime

from flask import Response, abort, current_app
from flask_babel import gettext
from sqlalchemy import event
from sqlalchemy.orm import Session

from ..catalog import images
from ..catalog.service import IMAGE_MESSAGES
from ..extensions import db
from ..models import FulfilmentStatus, OrderStatus, PaymentMethod, PaymentStatus
from ..storage import PRIVATE_FILE_CSP, StorageError, storage, upload_failed_message
from . import notify, promptpay, service, states

SLIP_FOLDER = "slips"
# Long enough to read every digit of a slip; a 12-megapixel phone photo shrinks to this.
MAX_SLIP_EDGE = 2000
_WRITTEN = "slip_files_written"


class SlipError(Exception):
    """A slip that cannot be accepted; `message` is for the buyer. Nothing was stored.

    `status`: 400 for the buyer's file or the order's state, 503 when the store is down.
    """

    def __init__(self, message, field="slip", status=400):
        self.message = message
        self.field = field
        self.status = status
        super().__init__(str(message))


def can_submit(order, part=None):
    """True when the buyer may (still) upload a slip for this order, or for this part of an
    order paid part by part (each part has its own slip; the order as a whole takes none)."""
    if order.payment_method != PaymentMethod.TRANSFER:
        return False
    if order.status != OrderStatus.PENDING_PAYMENT:
        return False
    if order.paid_per_part:
        if part is None or part.status != FulfilmentStatus.PENDING_PAYMENT:
            return False
    else:
        part = None
    payment = service.open_payment(order, PaymentMethod.TRANSFER, part)
    return payment is None or payment.status in (
        PaymentStatus.PENDING,
        PaymentStatus.SUBMITTED,
        PaymentStatus.REJECTED,
    )


@dataclass(frozen=True)
class Payee:
    """Where a transfer for an order goes: a group's account, or the platform's, and whom to ask."""

    name: str
    promptpay_id: str
    bank: str
    account_no: str
    is_platform: bool
    phone: str = ""
    email: str = ""
    line_id: str = ""

    @property
    def is_known(self):
        return bool(self.promptpay_id or self.account_no)

    @property
    def has_contact(self):
        return bool(self.phone or self.email or self.line_id)


def group_payee(group):
    """A group's own account and contacts, as its leader gave them in the office profile."""
    return Payee(
        name=group.payout_account_name or group.name_th,
        promptpay_id=group.promptpay_id,
        bank=group.payout_bank,
        account_no=group.payout_account_no,
        is_platform=False,
        phone=group.phone,
        email=group.email,
        line_id=group.line_id,
    )


def transfer_payee(order, fulfilment=None):
    """The account a buyer transfers to: the group's for a one-group order, else the platform's.

    The same rule as `checkout.payment_methods`: a cart of several groups is
    paid to the platform (PLATFORM_* settings), which pays each group out.
    With `fulfilment`, the account of that part's group.
    """
    if fulfilment is not None:
        return group_payee(fulfilment.group)
    groups = [f.group for f in order.fulfilments]
    if len(groups) == 1:
        return group_payee(groups[0])
    config = current_app.config
    return Payee(
        name=config.get("PLATFORM_PAYEE_NAME", ""),
        promptpay_id=config.get("PLATFORM_PROMPTPAY_ID", ""),
        bank=config.get("PLATFORM_BANK", ""),
        account_no=config.get("PLATFORM_BANK_ACCOUNT_NO", ""),
        is_platform=True,
    )


def amount_due(order, fulfilment=None):
    """What one transfer pays, in satang: the part's total, or the whole order's."""
    return fulfilment.total_satang if fulfilment is not None else order.total_satang


def promptpay_payload(order, fulfilment=None):
    """The PromptPay QR payload for exactly the amount due, or None when there is no usable id."""
    payee = transfer_payee(order, fulfilment)
    if not payee.promptpay_id:
        return None
    try:
        return promptpay.payload(payee.promptpay_id, amount_due(order, fulfilment))
    except (promptpay.PromptPayIdError, ValueError):
        return None


def slip_payment(order, part=None):
    """The order's (or, paid part by part, the part's) latest transfer payment with a slip."""
    for payment in reversed(service.payments_of(order, part)):
        if payment.method == PaymentMethod.TRANSFER and payment.slip_key:
            return payment
    return None


def _clean_jpeg(data):
    """Upload bytes as a metadata-free JPEG no larger than MAX_SLIP_EDGE, or SlipError."""
    try:
        image = images.open_image(data)
    except images.ImageRejected as error:
        raise SlipError(IMAGE_MESSAGES.get(error.reason, IMAGE_MESSAGES["format"])) from error
    image.thumbnail((MAX_SLIP_EDGE, MAX_SLIP_EDGE))
    buffer = io.BytesIO()
    image.save(buffer, "JPEG", quality=85, optimize=True)
    return buffer.getvalue()


def _relative(key):
    return f"{SLIP_FOLDER}/{key}.jpg"


def submit_slip(order, data, part=None, now=None):
    """Store a slip photo for a transfer order (or one part of an order paid part by part)
    and mark its payment SUBMITTED; the payment.

    Raises SlipError when the order or part takes no slip (not a transfer, already
    paid or closed) or the file is not a picture we accept. Flushes; the
    caller commits (the file is removed again if the transaction rolls back).
    """
    now = now or datetime.now(UTC)
    service._lock_order(order)  # a leader's decision on the same payment waits for us
    if not order.paid_per_part:
        part = None
    if not can_submit(order, part):
        if order.status != OrderStatus.PENDING_PAYMENT:
            raise SlipError(gettext("This order is no longer waiting for a payment."))
        if order.payment_method != PaymentMethod.TRANSFER:
            raise SlipError(gettext("This order is not paid by transfer."))
        if part is None:
            raise SlipError(gettext("Choose the group whose transfer this slip shows."))
        raise SlipError(gettext("This group's part is no longer waiting for a payment."))
    if not data:
        raise SlipError(gettext("Choose a photo of your transfer slip."))
    jpeg = _clean_jpeg(data)

    payment = service.open_payment(order, PaymentMethod.TRANSFER, part)
    if payment is None:
        payment = service.new_payment(order, PaymentMethod.TRANSFER, part)
    old_key = payment.slip_key
    key = secrets.token_hex(16)
    try:
        images.save_bytes(_relative(key), jpeg)
    except StorageError as error:  # a bucket down: nothing changed, try again later
        raise SlipError(upload_failed_message(), status=503) from error
    db.session.info.setdefault(_WRITTEN, []).append((storage(), _relative(key)))
    states.change_payment(payment, PaymentStatus.SUBMITTED)
    payment.slip_key = key
    payment.slip_uploaded_at = now
    # A new slip is a new question for the leader: the last answer no longer applies
    # (the rejection stays in the audit log).
    payment.decided_by_id = None
    payment.decided_at = None
    payment.decision_note = ""
    db.session.flush()
    if old_key:
        images.delete_stored_file(_relative(old_key))
    # A group paid directly is told; a slip to the platform's account is the admins' to check.
    paid_group = part or (order.fulfilments[0] if len(order.fulfilments) == 1 else None)
    if paid_group is not None:
        notify.slip_to_check(payment, paid_group)
    return payment


def slip_bytes(payment):
    """The stored slip of a payment, or None (no slip, or the file is gone).

    For views that have already checked who may see it (the buyer, the group's leader).
    """
    if not payment.slip_key:
        return None
    try:
        return images.read_bytes(_relative(payment.slip_key), within=SLIP_FOLDER)
    except FileNotFoundError:
        return None


def send_slip(payment):
    """The slip image as a private, never-cached response (404 when there is none)."""
    data = slip_bytes(payment)
    if data is None:
        abort(404)
    # Read whole (a slip is at most a few hundred kB): no file handle outlives the request.
    response = Response(data, mimetype="image/jpeg")
    response.headers["Content-Disposition"] = f'inline; filename="slip-{payment.id}.jpg"'
    response.headers["Cache-Control"] = "private, no-store"
    response.headers["X-Content-Type-Options"] = "nosniff"
    response.headers["Content-Security-Policy"] = PRIVATE_FILE_CSP
    return response


@event.listens_for(Session, "after_commit")
def _forget_written(session):
    session.info.pop(_WRITTEN, None)


@event.listens_for(Session, "after_soft_rollback")
def _remove_written(session, previous_transaction):
    """A slip stored by a transaction that rolled back belongs to no payment: remove it."""
    if previous_transaction.parent is not None:
        return
    for store, relative in session.info.pop(_WRITTEN, []):
        with contextlib.suppress(OSError, RuntimeError):
            store.delete(relative)
