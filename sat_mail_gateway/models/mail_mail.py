import re
from datetime import timedelta

from odoo import fields, models
from odoo.tools import email_normalize

# An SMTP answer that will not change by waiting: 5xx (unknown recipient, refused).
PERMANENT_SMTP_ERROR = re.compile(r"[(\s]5\d\d[,\s]")
# Failures that come from the recipient's address, not from the server.
ADDRESS_FAILURES = {"mail_email_invalid", "mail_email_missing"}


class MailMail(models.Model):
    _inherit = "mail.mail"

    sat_retry_count = fields.Integer(
        string="Delivery Retries",
        readonly=True,
        copy=False,
        help="Times a mail to a customer was put back in the queue after its "
        "customer's SMTP server failed for a temporary reason.",
    )

    def _split_by_mail_configuration(self):
        """A customer's SMTP server sends the mails of that customer's cases, from
        its support address, and nothing else: any other mail naming it goes through
        the company's own servers. Checked when the mails leave, for the batch."""
        named = self.sudo().filtered(lambda mail: mail.mail_server_id.sat_partner_id)
        if named:
            cases = (
                self.env["sat.case"]
                .sudo()
                .browse(
                    named.filtered(lambda m: m.model == "sat.case").mapped("res_id")
                )
                .exists()
            )
            owners = {case.id: case.partner_id.commercial_partner_id for case in cases}
            named.filtered(
                lambda mail: not mail._sat_is_mail_of(owners.get(mail.res_id))
            ).mail_server_id = False
        return super()._split_by_mail_configuration()

    def _sat_is_mail_of(self, owner):
        """A mail of a case of the server's customer, from its support address."""
        account = self.mail_server_id.sat_partner_id
        return (
            self.model == "sat.case"
            and owner == account
            and email_normalize(self.email_from or "")
            == email_normalize(account.sat_mailbox_email or "")
        )

    # ------------------------------------------------------------------ retries
    def _postprocess_sent_message(
        self, success_pids, failure_reason=False, failure_type=None
    ):
        res = super()._postprocess_sent_message(
            success_pids, failure_reason=failure_reason, failure_type=failure_type
        )
        if failure_type and failure_type not in ADDRESS_FAILURES:
            self.sudo().filtered(
                lambda mail: (
                    mail.state == "exception" and mail.mail_server_id.sat_partner_id
                )
            )._sat_retry_or_report()
        return res

    def _sat_retry_or_report(self):
        """A customer's SMTP server down or answering "try later": the mail waits
        and is sent again with growing delays (``sat_mail_gateway.retry_delays``,
        minutes). A refusal (5xx), or the end of the delays, leaves an activity on
        the case for its responsible, with the server's answer."""
        delays = [
            int(minutes)
            for minutes in self.env["ir.config_parameter"]
            .sudo()
            .get_param("sat_mail_gateway.retry_delays", "5,15,60,240,720")
            .split(",")
            if minutes.strip().isdigit()
        ]
        now = fields.Datetime.now()
        cron = self.env.ref("mail.ir_cron_mail_scheduler_action").sudo()
        for mail in self:
            reason = mail.failure_reason or ""
            if mail.sat_retry_count < len(delays) and not PERMANENT_SMTP_ERROR.search(
                reason
            ):
                when = now + timedelta(minutes=delays[mail.sat_retry_count])
                mail.write(
                    {
                        "state": "outgoing",
                        "scheduled_date": when,
                        "sat_retry_count": mail.sat_retry_count + 1,
                    }
                )
                cron._trigger(at=when)
            else:
                mail._sat_report_undelivered(reason)

    def _sat_report_undelivered(self, reason):
        case = (
            self.env["sat.case"].sudo().browse(self.res_id).exists()
            if self.model == "sat.case"
            else False
        )
        if not case:
            return
        user = (
            case.user_id
            or case.partner_id.commercial_partner_id.sat_responsible_id
            or self.env.ref("base.user_admin")
        )
        # No mail about the activity: it would leave through the failing server.
        case.with_context(mail_activity_quick_update=True).activity_schedule(
            "sat_mail_gateway.mail_activity_type_mail_failed",
            user_id=user.id,
            note=self.env._(
                "The mail %(subject)s to %(to)s could not be delivered (attempts: "
                "%(tries)s). The server answered: %(reason)s",
                subject=self.subject or "",
                to=self.email_to or ", ".join(self.recipient_ids.mapped("email")),
                tries=self.sat_retry_count + 1,
                reason=reason,
            ),
        )
