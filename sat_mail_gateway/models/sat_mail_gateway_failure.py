import base64
import email
import email.policy
import logging

from odoo import api, fields, models
from odoo.exceptions import AccessError, UserError
from odoo.tools import exception_to_unicode

_logger = logging.getLogger(__name__)


class SatMailGatewayFailure(models.Model):
    """A mail of a customer mailbox that could not be turned into a case.

    While it is tried again it stays unread in the mailbox and is skipped until its
    next attempt, so that it never holds the mails behind it; after
    ``sat_mail_gateway.max_attempts`` it is set aside: its raw source is kept here,
    it is marked read in the mailbox, and an administrator replays or discards it."""

    _name = "sat.mail.gateway.failure"
    _description = "Support Mail That Failed"
    _order = "date_last_attempt desc, id desc"
    _rec_name = "subject"

    fetchmail_server_id = fields.Many2one(
        "fetchmail.server",
        string="Mailbox",
        required=True,
        ondelete="cascade",
        index=True,
    )
    partner_id = fields.Many2one(
        related="fetchmail_server_id.sat_partner_id", string="Customer", store=True
    )
    imap_key = fields.Char(
        string="IMAP Key",
        required=True,
        help="UIDVALIDITY and UID of the mail in its IMAP folder.",
    )
    message_id = fields.Char(string="Message-Id")
    email_from = fields.Char(string="From")
    subject = fields.Char()
    date = fields.Char(help="The mail's own Date header.")
    size = fields.Integer(string="Size (bytes)")
    error = fields.Text(readonly=True)
    attempts = fields.Integer(readonly=True)
    date_last_attempt = fields.Datetime(string="Last Attempt", readonly=True)
    date_next_attempt = fields.Datetime(string="Next Attempt", readonly=True)
    state = fields.Selection(
        [
            ("retry", "Tried Again"),
            ("failed", "Set Aside"),
            ("replayed", "Replayed"),
            ("discarded", "Discarded"),
        ],
        default="retry",
        required=True,
        index=True,
        readonly=True,
    )
    raw = fields.Binary(
        string="Original Mail", attachment=True, readonly=True, copy=False
    )
    case_id = fields.Many2one("sat.case", readonly=True, ondelete="set null")

    _sql_constraints = [
        (
            "mail_uniq",
            "UNIQUE(fetchmail_server_id, imap_key)",
            "A mail of a mailbox is listed once.",
        ),
    ]

    # ------------------------------------------------------------------ recording
    @api.model
    def _sat_headers(self, raw):
        """Sender, subject, date and Message-Id for the list, from a mail that may be
        malformed: a failure is recorded whatever its headers hold."""
        try:
            message = email.message_from_bytes(raw or b"", policy=email.policy.compat32)
            return {
                key: str(message.get(header) or "")[:250] or False
                for key, header in (
                    ("email_from", "From"),
                    ("subject", "Subject"),
                    ("date", "Date"),
                    ("message_id", "Message-Id"),
                )
            }
        except Exception:
            _logger.info("Headers of a failed support mail unreadable", exc_info=True)
            return {}

    @api.model
    def _sat_record(self, server, imap_key, raw, error, size=0):
        """Counts a failed attempt; returns the failure, set aside (state
        ``failed``, raw source kept) once the attempts are used up."""
        params = self.env["ir.config_parameter"].sudo()
        max_attempts = int(params.get_param("sat_mail_gateway.max_attempts", 3))
        delay = int(params.get_param("sat_mail_gateway.fetch_minutes", 5))
        now = fields.Datetime.now()
        failure = self.sudo().search(
            [("fetchmail_server_id", "=", server.id), ("imap_key", "=", imap_key)]
        )
        if not failure:
            failure = self.sudo().create(
                {
                    "fetchmail_server_id": server.id,
                    "imap_key": imap_key,
                    "size": size or len(raw or b""),
                    **self._sat_headers(raw),
                }
            )
        attempts = failure.attempts + 1
        values = {
            "attempts": attempts,
            "error": exception_to_unicode(error),
            "date_last_attempt": now,
            # Later and later, so that a failing mail never spins the fetch.
            "date_next_attempt": fields.Datetime.add(
                now, minutes=delay * 2 ** (attempts - 1)
            ),
        }
        if attempts >= max_attempts:
            values.update(state="failed", raw=base64.b64encode(raw or b""))
        failure.write(values)
        return failure

    @api.model
    def _sat_waiting_keys(self, server, keys):
        """Those of the IMAP ``keys`` of ``server`` not to try in this run: waiting
        for their next attempt, or set aside."""
        if not keys:
            return set()
        failures = self.sudo().search_fetch(
            [
                ("fetchmail_server_id", "=", server.id),
                ("imap_key", "in", list(keys)),
                "|",
                ("state", "!=", "retry"),
                ("date_next_attempt", ">", fields.Datetime.now()),
            ],
            ["imap_key"],
        )
        return set(failures.mapped("imap_key"))

    # ------------------------------------------------------------------ actions
    def _check_administrator(self):
        if not self.env.is_admin():
            raise AccessError(
                self.env._("Only administrators replay or discard support mails.")
            )

    def action_replay(self):
        """Processes the kept mail again, as the mailbox would (after a fix)."""
        self._check_administrator()
        for failure in self.sudo():
            if failure.state != "failed" or not failure.raw:
                raise UserError(
                    self.env._(
                        "Only a mail set aside can be replayed: %(mail)s.",
                        mail=failure.display_name,
                    )
                )
            raw = base64.b64decode(failure.raw)
            try:
                case = failure.fetchmail_server_id._sat_process_raw(raw)
            except Exception as error:
                raise UserError(
                    self.env._(
                        "The mail still fails: %(error)s",
                        error=exception_to_unicode(error),
                    )
                ) from error
            failure.write(
                {
                    "state": "replayed",
                    "case_id": self.env["sat.case"].browse(case).exists().id,
                }
            )
        return True

    def action_discard(self):
        self._check_administrator()
        self.sudo().write({"state": "discarded"})
        return True
