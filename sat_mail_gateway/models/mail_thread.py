import logging
import re

from odoo import api, models
from odoo.tools import email_normalize, email_split
from odoo.tools.mail import unfold_references

from odoo.addons.sat_support.batch_reads import batch_read

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
    def _sat_is_automatic(self, message, message_dict):
        """Mails no person wrote: auto-replies, bounces, lists and newsletters."""
        auto_submitted = (message.get("Auto-Submitted") or "no").strip().lower()
        precedence = (message.get("Precedence") or "").strip().lower()
        return_path = (message.get("Return-Path") or "").strip()
        # Sender and subject as Odoo's parsing decoded them: each read of a header
        # parses it again.
        sender = email_normalize(message_dict.get("email_from") or "") or ""
        return (
            auto_submitted != "no"
            or precedence in AUTO_PRECEDENCE
            or return_path == "<>"
            or bool(message.get("X-Autoreply") or message.get("X-Autorespond"))
            or bool(message.get("List-Id") or message.get("List-Unsubscribe"))
            or sender.split("@")[0] in ROBOT_LOCALPARTS
            or message.get_content_type() == "multipart/report"
            or bool(BOUNCE_SUBJECT.match(message_dict.get("subject") or ""))
        )

    @api.model
    def _message_route_process(self, message, message_dict, routes):
        """Automatic mails (vacation replies, bounces, lists) never open a support
        case: a reply to an acknowledgement would open a case, acknowledged again, and
        so on. They still land in the thread of a case they answer."""
        automatic = self._sat_is_automatic(message, message_dict)
        if automatic:
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
            MailThread, self.with_context(sat_received_automatic=automatic)
        )._message_route_process(message, message_dict, routes)

    @api.model
    def message_route(
        self, message, message_dict, model=None, thread_id=None, custom_values=None
    ):
        """In a customer's mailbox every mail is a case of that customer: a new one,
        or an answer to one of its cases (the mail answers it, or names it in its
        subject). A mail answering another customer's case opens a case of this one
        instead of reaching the other customer's thread.

        The mailbox alone says whose case it is: Odoo's aliases and catchall
        addresses play no part, and are not looked up for each mail."""
        account = self.env["sat.case"]._sat_mailbox_server().sat_partner_id
        if (
            not account
            or model != "sat.case"
            or thread_id
            or message_dict.get("is_bounce")
        ):
            return super().message_route(
                message,
                message_dict,
                model=model,
                thread_id=thread_id,
                custom_values=custom_values,
            )
        self._sat_reset_bounce(message, message_dict)
        case = self._sat_answered_case(message_dict, account)
        if case:
            # Odoo's rule: the author of an answer is found among the case's people.
            authors = self._mail_find_partner_from_emails(
                [message_dict["email_from"]], records=case
            )
            message_dict["author_id"] = authors[0].id if authors else False
        else:
            # Odoo's rule: no thread found for the reference, no parent.
            message_dict.pop("parent_id", None)
            case = case._sat_case_from_subject(message_dict.get("subject"), account)
        user = self.env["res.users"].browse(
            batch_read(
                self.env,
                ("sat.gateway_user", email_normalize(message_dict["email_from"] or "")),
                lambda: (
                    self._mail_find_user_for_gateway(message_dict["email_from"]).ids
                ),
            )
        )
        return [
            ("sat.case", case.id or 0, custom_values, user.id or self.env.uid, None)
        ]

    @api.model
    def _sat_find_senders(self, senders):
        """Odoo's user of each sender of a group of mails, the one it runs their mail
        as (``_mail_find_user_for_gateway``: not an alias of ours, then the first
        user with that address), found for the whole group in two queries instead
        of two for each mail."""
        by_email = {email_normalize(sender): sender for sender in senders if sender}
        by_email.pop(False, None)
        if not by_email:
            return
        aliases = set(
            self.env["mail.alias"]
            .sudo()
            .search([("alias_full_name", "in", list(by_email.values()))])
            .mapped("alias_full_name")
        )
        users = {}
        for user in (
            self.env["res.users"]
            .sudo()
            .search([("email_normalized", "in", list(by_email))])
        ):
            users.setdefault(user.email_normalized, user.ids)
        for normalized, sender in by_email.items():
            found = [] if sender in aliases else users.get(normalized, [])
            batch_read(self.env, ("sat.gateway_user", normalized), lambda f=found: f)

    @api.model
    def _mail_find_partner_from_emails(
        self, emails, records=None, force_create=False, extra_domain=False
    ):
        """A mail in a customer's mailbox is addressed to its support address, which
        Odoo's parsing looks up among aliases, users and partners (three queries) for
        every mail: for that address alone, the answer is read once per group."""
        mailbox = self._sat_mailbox_address()
        if (
            mailbox
            and not (records or force_create or extra_domain)
            and {email_normalize(email) for email in emails} == {mailbox}
        ):
            find = super()._mail_find_partner_from_emails
            found = batch_read(
                self.env,
                ("sat.mailbox_partners", mailbox, self.env.uid),
                lambda: [partner.id for partner in find(emails)],
            )
            return [self.env["res.partner"].browse(pid) for pid in found]
        return super()._mail_find_partner_from_emails(
            emails,
            records=records,
            force_create=force_create,
            extra_domain=extra_domain,
        )

    @api.model
    def _sat_mailbox_address(self):
        """The support address of the customer mailbox being fetched, if any."""
        server_id = self.env.context.get("sat_fetchmail_server_id")
        if not server_id:
            return False
        return batch_read(
            self.env,
            ("sat.mailbox_address", server_id),
            lambda: email_normalize(
                self.env["fetchmail.server"]
                .sudo()
                .browse(server_id)
                .sat_partner_id.sat_mailbox_email
                or ""
            ),
        )

    @api.model
    def _sat_reset_bounce(self, message, message_dict):
        """Odoo's reset of the bounce counters of the sender (a mail came from that
        address, so it works), for the few addresses that bounced: which ones is
        read once per group of mails, not searched for every mail."""
        sender = email_normalize(message_dict.get("email_from") or "")
        if sender and sender in batch_read(
            self.env, "sat.bounced_emails", self._sat_bounced_emails
        ):
            self._routing_reset_bounce(message, {**message_dict, "email_from": sender})

    @api.model
    def _sat_bounced_emails(self):
        models = (
            self.env["ir.model"]
            .sudo()
            .search(
                [
                    ("is_mail_blacklist", "=", True),
                    ("model", "!=", "mail.thread.blacklist"),
                ]
            )
        )
        return {
            email
            for model in models
            if model.model in self.env
            for email in self.env[model.model]
            .sudo()
            .search_fetch([("message_bounce", ">", 0)], ["email_normalized"])
            .mapped("email_normalized")
            if email
        }

    @api.model
    def _detect_is_bounce(self, message, message_dict):
        """Odoo's signs of a bounce but its bounce addresses, which Odoo searches for
        every mail: a customer's mailbox receives no mail sent to them (its address
        is never on one of our domains, see res.partner._check_sat_mailbox_email)."""
        if not self.env["sat.case"]._sat_mailbox_server():
            return super()._detect_is_bounce(message, message_dict)
        sender = (email_split(message_dict.get("email_from") or "") or [""])[0]
        content_type = message.get_content_type()
        return (
            sender.split("@", 1)[0].lower() == "mailer-daemon"
            or content_type == "multipart/report"
            or "report-type=delivery-status" in content_type
        )

    @api.model
    def _detect_loop_sender(self, message, message_dict, routes):
        """Odoo drops the mails of a sender who opened many records lately; a
        customer's mailbox drops none: loops are bounded by the acknowledgements
        (see ``sat.case._track_template``)."""
        if self.env["sat.case"]._sat_mailbox_server():
            return False
        return super()._detect_loop_sender(message, message_dict, routes)

    @api.model
    def _sat_answered_case(self, message_dict, account):
        """The case of ``account`` whose message the mail answers, as Odoo finds it."""
        Case = self.env["sat.case"].sudo()
        references = [
            reference.strip()
            for reference in unfold_references(
                message_dict.get("references") or message_dict.get("in_reply_to")
            )
            if "reply_to" not in reference
        ][-32:]
        if not references:
            return Case
        answered = (
            self.env["mail.message"]
            .sudo()
            .search([("message_id", "in", references)], limit=1, order="id desc")
        )
        case = Case.browse(answered.res_id if answered.model == "sat.case" else [])
        if case.partner_id.commercial_partner_id != account.commercial_partner_id:
            return Case
        return case
