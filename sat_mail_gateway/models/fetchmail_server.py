import codecs
import email
import email.policy
import hashlib
import logging
import re
import time
from datetime import timedelta
from imaplib import IMAP4, IMAP4_SSL

from psycopg2.errors import SerializationFailure, UniqueViolation

from odoo import api, fields, models
from odoo.exceptions import UserError
from odoo.tools import SQL, exception_to_unicode, split_every
from odoo.tools.mail import decode_message_header, email_split_and_format

from odoo.addons.sat_support.batch_reads import batch_reads

from .res_partner import error_text

_logger = logging.getLogger(__name__)

MAILBOX_DOWN = "sat_mail_gateway.mail_activity_type_mailbox_down"

ENCODED_WORD_CHARSET = re.compile(rb"=\?([^?\s]+)\?")
UID_RE = re.compile(rb"UID (\d+)")
SIZE_RE = re.compile(rb"RFC822\.SIZE (\d+)")
HEADERS_END = re.compile(rb"\r?\n\r?\n")


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


def with_message_id(raw, server_id):
    """The mail with a Message-Id of its own when it has none, derived from its
    bytes: fetched twice (a connection lost between the commit and the \\Seen
    flag), it is recognised as the same mail, where Odoo would make up a new id."""
    head = HEADERS_END.split(raw, maxsplit=1)[0]
    if re.search(rb"^message-id:[ \t]*\S", head, re.IGNORECASE | re.MULTILINE):
        return raw
    digest = hashlib.sha256(raw).hexdigest()[:40]
    return b"Message-Id: <sat-%s@mailbox-%d.invalid>\r\n%s" % (
        digest.encode(),
        server_id,
        raw,
    )


def oversized_mail(header, size, limit, env):
    """A mail made of an oversized mail's headers and a note: the case is opened,
    the mail itself is never loaded into memory."""
    message = email.message_from_bytes(header, policy=email.policy.compat32)
    for name in ("Content-Type", "Content-Transfer-Encoding", "MIME-Version"):
        del message[name]
    message.set_payload(
        env._(
            "This mail (%(size)s MB) is over the size limit of %(limit)s MB: its text "
            "and attachments were not loaded. It stays in the customer's mailbox.",
            size=round(size / 1024 / 1024, 1),
            limit=round(limit / 1024 / 1024, 1),
        ),
        charset="utf-8",
    )
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

    sat_failure_count = fields.Integer(
        string="Failed Fetches",
        readonly=True,
        copy=False,
        help="Fetches that failed in a row; the mailbox is read less and less often, "
        "and a person is told after a few.",
    )

    # What the last fetch did, shown on the customer's form.
    sat_last_fetch_date = fields.Datetime(string="Last Fetch", readonly=True)
    sat_last_fetch_count = fields.Integer(string="Mails Fetched", readonly=True)
    sat_last_fetch_error = fields.Text(string="Last Error", readonly=True)

    def connect(self, allow_archived=False):
        """Customer mailboxes connect with a timeout: Odoo's IMAP connection has none,
        and one silent customer server would hold the whole fetch. The connection
        comes with the mailbox's folder selected, so that Odoo's connection test
        (``button_confirm_login``) checks the folder too; the server's refusals are
        made readable (imaplib gives its answer as bytes)."""
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
        try:
            self._imap_login(connection)
            status, answer = connection.select(self.sat_folder or "INBOX")
        except IMAP4.error as error:
            raise IMAP4.error(error_text(error)) from error
        if status != "OK":
            raise IMAP4.error(
                self.env._(
                    "The folder %(folder)s cannot be opened: %(answer)s",
                    folder=self.sat_folder or "INBOX",
                    answer=error_text(IMAP4.error(*answer)),
                )
            )
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
        claim = SQL(
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
        self.env.flush_all()
        for _attempt in range(3):
            # A fresh snapshot: in Odoo's repeatable read, a mailbox that another
            # worker released since this transaction began cannot be updated here
            # ("could not serialize access"); what came before is done and committed.
            self.env.cr.commit()  # pylint: disable=invalid-commit
            try:
                self.env.cr.execute(claim, log_exceptions=False)
                break
            except SerializationFailure:
                self.env.cr.rollback()
        else:
            return self.browse()
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
        read only once its case is committed. A mail that fails is rolled back alone,
        stays unread and is skipped until its next attempt; after
        ``sat_mail_gateway.max_attempts`` it is set aside (see
        ``sat.mail.gateway.failure``). A dead server is counted, fetched less and
        less often and reported to a person; the next mailbox is fetched all the
        same."""
        self.ensure_one()
        count, errors, imap, more, reachable = 0, [], None, False, False
        try:
            imap = self.connect()
            reachable = True
            validity = (imap.response("UIDVALIDITY")[1] or [b"0"])[0]
            uids, more = self._sat_pending(imap, validity.decode())
            sizes, senders = self._sat_sizes_and_senders(imap, uids)
            for group in split_every(self._sat_param("commit_every", 25), uids):
                with batch_reads(self.env):
                    group_senders = [senders[uid] for uid in group if uid in senders]
                    self.env["mail.thread"]._sat_find_senders(group_senders)
                    self.env["sat.case"]._sat_find_contacts(
                        self.sat_partner_id, group_senders
                    )
                    done, group_errors = self._sat_process_group(
                        imap, validity.decode(), group, sizes
                    )
                errors += group_errors
                count += len(group) - len(group_errors)
                if len(group) > len(group_errors):
                    # The group's acknowledgements and notifications leave while the
                    # next group is read, sent by another cron worker.
                    self.env.ref("mail.ir_cron_mail_scheduler_action").sudo()._trigger()
                # A cron job, like Odoo's own fetch: the cases are committed before
                # their mails are marked read, so that no mail is lost.
                self.env.cr.commit()  # pylint: disable=invalid-commit
                if done:
                    imap.uid("STORE", b",".join(done), "+FLAGS", "(\\Seen)")
        except Exception as error:
            self.env.cr.rollback()
            _logger.info("Support mailbox %s unreachable", self.name, exc_info=True)
            errors.append(
                self.env._("Mailbox unreachable: %(error)s", error=error_text(error))
            )
        finally:
            if imap:
                try:
                    imap.close()
                    imap.logout()
                except Exception:  # noqa: BLE001 - the connection is gone anyway
                    _logger.info("Support mailbox %s: logout failed", self.name)
        self._sat_record_fetch(count, errors, more, reachable)
        if count:
            self.env.cr.commit()  # pylint: disable=invalid-commit

    def _sat_process_group(self, imap, validity, uids, sizes):
        """The mails to mark read, and the errors of those that failed."""
        done, errors = [], []
        for uid in uids:
            key = f"{validity}:{uid.decode()}"
            error, set_aside = self._sat_process(imap, uid, key, sizes.get(uid))
            if error:
                errors.append(error)
            if not error or set_aside:
                done.append(uid)
        return done, errors

    def _sat_pending(self, imap, validity):
        """UIDs of the unread mails to process in this run, and whether more are
        left for the next one. Mails waiting for their next attempt or set aside
        are skipped: they never hold the mails behind them, and never make the
        mailbox due again at once."""
        _status, data = imap.uid("SEARCH", None, "UNSEEN")
        keys = {f"{validity}:{uid.decode()}": uid for uid in (data[0] or b"").split()}
        waiting = self.env["sat.mail.gateway.failure"]._sat_waiting_keys(self, keys)
        uids = [uid for key, uid in keys.items() if key not in waiting]
        batch = self._sat_param("batch_size", 200)
        return uids[:batch], len(uids) > batch

    def _sat_sizes_and_senders(self, imap, uids):
        """The size and the sender of each mail, read before any mail is: one
        command for all. Senders as in Odoo's parsing (its ``email_from``)."""
        if not uids:
            return {}, {}
        _status, data = imap.uid(
            "FETCH", b",".join(uids), "(RFC822.SIZE BODY.PEEK[HEADER.FIELDS (FROM)])"
        )
        sizes, senders = {}, {}
        for item in data:
            line = item if isinstance(item, bytes) else item[0]
            uid, size = UID_RE.search(line), SIZE_RE.search(line)
            if not (uid and size):
                continue
            sizes[uid.group(1)] = int(size.group(1))
            if isinstance(item, tuple):
                header = email.message_from_bytes(item[1], policy=email.policy.SMTP)
                sender = decode_message_header(header, "From", separator=",")
                senders[uid.group(1)] = (email_split_and_format(sender) or [sender])[0]
        return sizes, senders

    def _sat_read(self, imap, uid, size):
        """The mail's raw source; a mail over ``sat_mail_gateway.max_mail_size``
        is never loaded whole: its headers and a note make the case."""
        limit = self._sat_param("max_mail_size", 50 * 1024 * 1024)
        if size and size > limit:
            _status, fetched = imap.uid("FETCH", uid, "(BODY.PEEK[HEADER])")
            return oversized_mail(fetched[0][1], size, limit, self.env)
        _status, fetched = imap.uid("FETCH", uid, "(BODY.PEEK[])")
        return fetched[0][1]

    def _sat_process(self, imap, uid, key, size=None):
        """Turns one mail into a case in a savepoint. Returns an error message or
        None (a duplicate of a mail already processed is done, not an error), and
        whether the mail was set aside, to be marked read."""
        raw = b""
        try:
            raw = with_message_id(self._sat_read(imap, uid, size), self.id)
            self._sat_process_raw(raw)
        except UniqueViolation as error:
            if "sat_mail_gateway_message_message_id_uniq" not in str(error):
                return self._sat_error(key, raw, error, size)
            # Another worker committed this very mail meanwhile: it is a duplicate.
        except Exception as error:  # noqa: BLE001 - reported on the mailbox, mail kept
            return self._sat_error(key, raw, error, size)
        return None, False

    def _sat_process_raw(self, raw):
        """One mail, in a savepoint of its own; returns the id of its case."""
        try:
            return self._sat_process_in_savepoint(raw)
        except LookupError:
            # Undone with its savepoint: read again with its charsets mended.
            self.env.cr.precommit.clear()
            return self._sat_process_in_savepoint(sanitize_charsets(raw))

    def _sat_process_in_savepoint(self, raw):
        with self.env.cr.savepoint():
            thread_id = self._sat_message_process(raw)
            # What Odoo does at commit (the acknowledgement of a new case) is done now,
            # inside the savepoint, so that a failure there undoes this mail only.
            self.env.cr.precommit.run()
        return thread_id

    def _sat_error(self, key, raw, error, size):
        _logger.info(
            "Support mailbox %s: mail %s failed", self.name, key, exc_info=error
        )
        self.env.cr.precommit.clear()
        failure = self.env["sat.mail.gateway.failure"]._sat_record(
            self, key, raw, error, size
        )
        if failure.state == "failed":
            return self.env._(
                "A mail failed %(attempts)s times and was set aside (Support Mails "
                "That Failed): %(error)s",
                attempts=failure.attempts,
                error=exception_to_unicode(error),
            ), True
        return self.env._(
            "A mail could not be processed and stays unread in the mailbox: %(error)s",
            error=exception_to_unicode(error),
        ), False

    def _sat_message_process(self, raw):
        return (
            self.env["mail.thread"]
            .with_context(
                fetchmail_cron_running=True,
                default_fetchmail_server_id=self.id,
                # Odoo runs a mail from one of its users as that user, in superuser
                # mode, which drops every default_ key: this one stays.
                sat_fetchmail_server_id=self.id,
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

    def _sat_record_fetch(self, count, errors, more=False, reachable=True):
        previous = self.sat_failure_count
        failures = 0 if reachable else previous + 1
        # A mailbox with mails left over is due again at once; a dead one later and
        # later (5, 10, 20 ... minutes, at most 32 times the interval).
        minutes = self._sat_param("fetch_minutes", 5) * 2 ** min(
            max(failures - 1, 0), 5
        )
        # On the server's row, which this worker holds: the customer's row is
        # written by answers and notifications at the same time.
        self.sudo().write(
            {
                "sat_next_fetch": fields.Datetime.now()
                + timedelta(minutes=0 if more and reachable else minutes),
                "sat_failure_count": failures,
                "sat_last_fetch_date": fields.Datetime.now(),
                "sat_last_fetch_count": count,
                "sat_last_fetch_error": "\n".join(errors) or False,
            }
        )
        if failures == self._sat_param("alert_after", 3):
            self._sat_report_dead(errors)
        elif reachable and previous >= self._sat_param("alert_after", 3):
            self.sat_partner_id.sudo().activity_feedback(
                [MAILBOX_DOWN], feedback=self.env._("The mailbox works again.")
            )
        self.env.cr.commit()  # pylint: disable=invalid-commit

    def _sat_report_dead(self, errors):
        """A person is told once, when the mailbox has failed a few times in a row:
        the customer's SAT responsible, else the administrator."""
        partner = self.sat_partner_id.sudo()
        user = partner.sat_responsible_id or self.env.ref("base.user_admin")
        partner.activity_schedule(
            MAILBOX_DOWN,
            user_id=user.id,
            note=self.env._(
                "The support mailbox of %(customer)s failed %(count)s times in a row; "
                "its mails are not read. Last error: %(error)s",
                customer=partner.display_name,
                count=self.sat_failure_count,
                error="\n".join(errors),
            ),
        )
