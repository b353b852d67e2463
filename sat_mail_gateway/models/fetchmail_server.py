import codecs
import email
import email.policy
import logging
import re
import time
from datetime import timedelta
from imaplib import IMAP4, IMAP4_SSL

from psycopg2.errors import UniqueViolation

from odoo import api, fields, models
from odoo.exceptions import UserError
from odoo.tools import SQL, exception_to_unicode, split_every

_logger = logging.getLogger(__name__)

ENCODED_WORD_CHARSET = re.compile(rb"=\?([^?\s]+)\?")


def _known(charset):
    try:
        codecs.lookup(charset)
    except LookupError:
        return False
    return True


def sanitize_charsets(raw):
    """The mail with every unknown charset read as Latin-1, which decodes any byte:
    a mail in a charset Python does not know still becomes a case."""
    raw = ENCODED_WORD_CHARSET.sub(
        lambda m: (
            m.group(0)
            if _known(m.group(1).decode("ascii", "replace"))
            else b"=?latin-1?"
        ),
        raw,
    )
    message = email.message_from_bytes(raw, policy=email.policy.compat32)
    for part in message.walk():
        charset = part.get_content_charset()
        if charset and not _known(charset):
            part.set_param("charset", "latin-1")
    return message.as_bytes()


class FetchmailServer(models.Model):
    _inherit = "fetchmail.server"

    sat_partner_id = fields.Many2one(
        "res.partner",
        string="Support Mailbox of",
        index="btree_not_null",
        readonly=True,
    )
    sat_folder = fields.Char(string="IMAP Folder", default="INBOX")
    sat_starttls = fields.Boolean(string="STARTTLS")
    sat_next_fetch = fields.Datetime(
        string="Next Fetch",
        readonly=True,
        copy=False,
        help="When a cron worker reads this mailbox next; while a worker reads it, a "
        "lease ahead, so that no other worker takes it.",
    )

    def connect(self, allow_archived=False):
        """Customer mailboxes connect with a timeout: Odoo's IMAP connection has none,
        and one silent customer server would hold the whole fetch."""
        if not self.sat_partner_id or self._get_connection_type() != "imap":
            return super().connect(allow_archived=allow_archived)
        self.ensure_one()
        if not allow_archived and not self.active:
            raise UserError(
                self.env._("The mailbox %(name)s is archived.", name=self.display_name)
            )
        imap_class = IMAP4_SSL if self.is_ssl else IMAP4
        connection = imap_class(
            self.server, int(self.port), timeout=self._sat_timeout()
        )
        self._imap_login(connection)
        return connection

    def _sat_timeout(self):
        return float(
            self.env["ir.config_parameter"]
            .sudo()
            .get_param("sat_mail_gateway.timeout", 30)
        )

    def _imap_login(self, connection):
        if self.sat_starttls and not self.is_ssl:
            connection.starttls()
        return super()._imap_login(connection)

    @api.model
    def _fetch_mails(self):
        """Odoo's fetch cron reads the other servers; customer mailboxes are read by
        the SAT fetch crons (``_cron_sat_fetch``), several at once."""
        return self.search(
            [
                ("state", "=", "done"),
                ("server_type", "!=", "local"),
                ("sat_partner_id", "=", False),
            ]
        ).fetch_mail(raise_exception=False)

    @api.model
    def _cron_sat_fetch(self):
        """Reads the due customer mailboxes one after another until none is left or
        the run's time (``sat_mail_gateway.cron_seconds``) is up.

        Several cron jobs run this at once (one per cron worker): each takes the next
        due mailbox with ``SKIP LOCKED`` and leases it, so that no mailbox is read by
        two workers and one slow mailbox holds one worker only. A run that leaves
        mailboxes due tells Odoo, which runs the job again at once."""
        start, done = time.monotonic(), 0
        while time.monotonic() - start < self._sat_param("cron_seconds", 60):
            server = self._sat_claim()
            if not server:
                break
            server._sat_fetch()
            done += 1
        self.env.cr.execute(
            SQL("SELECT count(*) FROM fetchmail_server WHERE %s", self._sat_due())
        )
        self.env["ir.cron"]._notify_progress(
            done=done, remaining=self.env.cr.fetchone()[0]
        )

    @api.model
    def _sat_due(self):
        return SQL(
            """active AND state = 'done' AND sat_partner_id IS NOT NULL
               AND (sat_next_fetch IS NULL OR sat_next_fetch <= %s)""",
            fields.Datetime.now(),
        )

    def _sat_claim(self):
        """The next due mailbox (among ``self`` if given), leased to this worker by a
        commit; an empty recordset when none is due."""
        # Past the lease, a mailbox whose worker died is taken again.
        lease = fields.Datetime.now() + timedelta(
            minutes=self._sat_param("lease_minutes", 15)
        )
        mine = SQL("id = ANY(%s)", self.ids) if self else SQL("TRUE")
        self.env.flush_all()
        self.env.cr.execute(
            SQL(
                """
                UPDATE fetchmail_server SET sat_next_fetch = %s
                 WHERE id = (SELECT id FROM fetchmail_server
                              WHERE %s AND %s
                              ORDER BY sat_next_fetch NULLS FIRST, id
                              LIMIT 1
                                FOR NO KEY UPDATE SKIP LOCKED)
                RETURNING id
                """,
                lease,
                self._sat_due(),
                mine,
            )
        )
        row = self.env.cr.fetchone()
        self.invalidate_model(["sat_next_fetch"])
        self.env.cr.commit()  # pylint: disable=invalid-commit
        return self.browse(row[0] if row else [])

    def fetch_mail(self, raise_exception=True):
        """Customer mailboxes are fetched by ``_sat_fetch``, others as Odoo does."""
        mailboxes = self.filtered("sat_partner_id")
        others = self - mailboxes
        result = (
            super(FetchmailServer, others).fetch_mail(raise_exception)
            if others
            else True
        )
        for server in mailboxes:
            server._sat_fetch()
        return result

    def _sat_param(self, name, default):
        return int(
            self.env["ir.config_parameter"]
            .sudo()
            .get_param(f"sat_mail_gateway.{name}", default)
        )

    def _sat_fetch(self):
        """Fetch one customer mailbox (a cron job: it commits).

        Mails are processed in groups of ``sat_mail_gateway.commit_every``, each in a
        savepoint, with one commit per group: the records Odoo reads for every mail
        (stages, policies, templates) stay in its cache for the group. A mail is marked
        read only once its case is committed; a mail that fails is rolled back alone
        and stays unread for the next run, with the error shown on the customer; a
        dead server is recorded and the next mailbox is fetched all the same."""
        self.ensure_one()
        count, errors, imap, more = 0, [], None, False
        try:
            imap = self.connect()
            imap.select(self.sat_folder or "INBOX")
            _status, data = imap.search(None, "(UNSEEN)")
            unseen = data[0].split()
            nums = unseen[: self._sat_param("batch_size", 200)]
            more = len(unseen) > len(nums)
            for group in split_every(self._sat_param("commit_every", 25), nums):
                done = []
                for num in group:
                    error = self._sat_process(imap, num)
                    if error:
                        errors.append(error)
                    else:
                        done.append(num)
                # A cron job, like Odoo's own fetch: the cases are committed before
                # their mails are marked read, so that no mail is lost.
                self.env.cr.commit()  # pylint: disable=invalid-commit
                if done:
                    imap.store(b",".join(done), "+FLAGS", "\\Seen")
                    count += len(done)
        except Exception as error:
            self.env.cr.rollback()
            _logger.info("Support mailbox %s unreachable", self.name, exc_info=True)
            errors.append(
                self.env._(
                    "Mailbox unreachable: %(error)s", error=exception_to_unicode(error)
                )
            )
        finally:
            if imap:
                try:
                    imap.close()
                    imap.logout()
                except Exception:  # noqa: BLE001 - the connection is gone anyway
                    _logger.info("Support mailbox %s: logout failed", self.name)
        self._sat_record_fetch(count, errors, more)
        if count:
            self.env.ref("mail.ir_cron_mail_scheduler_action").sudo()._trigger()
            self.env.cr.commit()  # pylint: disable=invalid-commit

    def _sat_process(self, imap, num):
        """Turns one mail into a case in a savepoint; returns an error message or
        None (a duplicate of a mail already processed is done, not an error)."""
        _status, fetched = imap.fetch(num, "(BODY.PEEK[])")
        raw = fetched[0][1]
        try:
            with self.env.cr.savepoint():
                try:
                    with self.env.cr.savepoint():
                        self._sat_message_process(raw)
                except LookupError:
                    self._sat_message_process(sanitize_charsets(raw))
                # What Odoo does at commit (the acknowledgement of a new case) is done
                # now, inside the savepoint, so that a failure there undoes this mail
                # only.
                self.env.cr.precommit.run()
        except UniqueViolation as error:
            if "sat_mail_gateway_message_message_id_uniq" not in str(error):
                return self._sat_error(num, error)
            # Another worker committed this very mail meanwhile: it is a duplicate.
        except Exception as error:  # noqa: BLE001 - reported on the mailbox, mail kept
            return self._sat_error(num, error)
        return None

    def _sat_error(self, num, error):
        _logger.info(
            "Support mailbox %s: mail %s failed", self.name, num, exc_info=error
        )
        return self.env._(
            "A mail could not be processed and stays unread in the mailbox: %(error)s",
            error=exception_to_unicode(error),
        )

    def _sat_message_process(self, raw):
        return (
            self.env["mail.thread"]
            .with_context(
                fetchmail_cron_running=True,
                default_fetchmail_server_id=self.id,
                # Acknowledgements and notifications wait in Odoo's mail queue, sent by
                # its own cron: a slow customer SMTP server never holds the fetch.
                mail_notify_force_send=False,
            )
            .message_process(
                self.object_id.model,
                raw,
                save_original=self.original,
                strip_attachments=not self.attach,
            )
        )

    def _sat_record_fetch(self, count, errors, more=False):
        # A mailbox with mails left over is due again at once, after those waiting.
        self.sudo().sat_next_fetch = fields.Datetime.now() + timedelta(
            minutes=0 if more else self._sat_param("fetch_minutes", 5)
        )
        self.sat_partner_id.sudo().write(
            {
                "sat_last_fetch_date": fields.Datetime.now(),
                "sat_last_fetch_count": count,
                "sat_last_fetch_error": "\n".join(errors) or False,
            }
        )
        self.env.cr.commit()  # pylint: disable=invalid-commit
