import codecs
import email
import email.policy
import logging
import re
from imaplib import IMAP4, IMAP4_SSL

from psycopg2.errors import UniqueViolation

from odoo import fields, models
from odoo.exceptions import UserError
from odoo.tools import exception_to_unicode, split_every

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
        count, errors, imap = 0, [], None
        try:
            imap = self.connect()
            imap.select(self.sat_folder or "INBOX")
            _status, data = imap.search(None, "(UNSEEN)")
            nums = data[0].split()[: self._sat_param("batch_size", 200)]
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
        self._sat_record_fetch(count, errors)
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

    def _sat_record_fetch(self, count, errors):
        self.sat_partner_id.sudo().write(
            {
                "sat_last_fetch_date": fields.Datetime.now(),
                "sat_last_fetch_count": count,
                "sat_last_fetch_error": "\n".join(errors) or False,
            }
        )
        self.env.cr.commit()  # pylint: disable=invalid-commit
