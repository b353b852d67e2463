import logging
import re

from odoo import api, models
from odoo.tools import email_normalize

_logger = logging.getLogger(__name__)

AUTO_PRECEDENCE = {"bulk", "junk", "list", "auto_reply"}
# Delivery reports written by hand-made mail systems, without any automatic header.
BOUNCE_SUBJECT = re.compile(
    r"^\s*(undeliverable|undelivered mail|delivery status notification|"
    r"delivery (has )?failed|delivery failure|mail delivery failed|"
    r"returned mail|failure notice|non remis|no se puede entregar)",
    re.IGNORECASE,
)
ROBOT_LOCALPARTS = {"postmaster", "mailer-daemon", "mail-daemon"}


class MailThread(models.AbstractModel):
    _inherit = "mail.thread"

    @api.model
    def message_parse(self, message, save_original=False):
        msg_dict = super().message_parse(message, save_original=save_original)
        msg_dict["sat_auto_submitted"] = self._sat_is_automatic(message)
        return msg_dict

    @api.model
    def _sat_is_automatic(self, message):
        """Mails no person wrote: auto-replies, bounces, lists and newsletters."""
        auto_submitted = (message.get("Auto-Submitted") or "no").strip().lower()
        precedence = (message.get("Precedence") or "").strip().lower()
        return_path = (message.get("Return-Path") or "").strip()
        sender = email_normalize(str(message.get("From") or "")) or ""
        return (
            auto_submitted != "no"
            or precedence in AUTO_PRECEDENCE
            or return_path == "<>"
            or bool(message.get("X-Autoreply") or message.get("X-Autorespond"))
            or bool(message.get("List-Id") or message.get("List-Unsubscribe"))
            or sender.split("@")[0] in ROBOT_LOCALPARTS
            or message.get_content_type() == "multipart/report"
            or bool(BOUNCE_SUBJECT.match(str(message.get("Subject") or "")))
        )

    @api.model
    def _message_route_process(self, message, message_dict, routes):
        """Automatic mails (vacation replies, bounces, lists) never open a support
        case: a reply to an acknowledgement would open a case, acknowledged again, and
        so on. They still land in the thread of a case they answer.

        In a customer's mailbox, a mail naming a case of that customer in its subject
        is a reply to it; a mail that answers a case of another customer opens a
        case of this one instead of reaching the other customer's thread."""
        # Not a message value: message_post refuses unknown keys.
        auto_submitted = message_dict.pop("sat_auto_submitted", False)
        account = self.env["sat.case"]._sat_mailbox_server().sat_partner_id
        if account:
            routes = [
                self._sat_mailbox_route(route, message_dict, account)
                for route in routes
            ]
        if auto_submitted:
            kept = [route for route in routes if route[0] != "sat.case" or route[1]]
            if len(kept) != len(routes):
                _logger.info(
                    "Automatic mail %s from %s opens no support case",
                    message_dict.get("message_id"),
                    message_dict.get("email_from"),
                )
            if not kept:
                return False
            routes = kept
        return super(
            MailThread, self.with_context(sat_auto_submitted=auto_submitted)
        )._message_route_process(message, message_dict, routes)

    @api.model
    def _sat_mailbox_route(self, route, message_dict, account):
        model, thread_id, custom_values, user_id, alias = route
        if model != "sat.case":
            return route
        Case = self.env["sat.case"].sudo()
        if thread_id and Case.browse(thread_id).partner_id.commercial_partner_id != (
            account.commercial_partner_id
        ):
            thread_id = 0
            message_dict.pop("parent_id", None)
        if not thread_id:
            thread_id = Case._sat_case_from_subject(
                message_dict.get("subject"), account
            ).id
        return (model, thread_id or 0, custom_values, user_id, alias)
