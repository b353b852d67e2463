import re

from markupsafe import Markup

from odoo import api, fields, models, tools
from odoo.tools.mail import email_split_and_format, parse_contact_from_email

from odoo.addons.sat_support.batch_reads import batch_read

REFERENCE_RE = re.compile(r"\[?(SAT/\d{4}/\d+)\]?")


class SatCase(models.Model):
    _inherit = "sat.case"

    fetchmail_server_id = fields.Many2one(
        "fetchmail.server",
        string="Received in Mailbox",
        readonly=True,
        copy=False,
        index="btree_not_null",
        groups="base.group_system",
    )

    # ------------------------------------------------------------------ incoming
    @api.model
    def _sat_mailbox_server(self):
        """The customer mailbox being read, whoever runs the fetch and whoever
        wrote the mail (see ``fetchmail.server._sat_message_process``)."""
        return (
            self.env["fetchmail.server"]
            .sudo()
            .browse(
                self.env.context.get("sat_fetchmail_server_id")
                or self.env.context.get("default_fetchmail_server_id")
            )
            .filtered("sat_partner_id")
        )

    @api.model
    def message_new(self, msg_dict, custom_values=None):
        """A mail to a customer's support mailbox: a case of that customer, whoever
        the sender is; the sender becomes the reporting contact."""
        server = self._sat_mailbox_server()
        if not server:
            return super().message_new(msg_dict, custom_values)
        self._sat_register_message(msg_dict)
        self._sat_limit_attachments(msg_dict)
        return super(SatCase, self.with_context(sat_mailbox_id=server.id)).message_new(
            msg_dict, {"fetchmail_server_id": server.id, **(custom_values or {})}
        )

    @api.model
    def _get_mail_case_company(self, custom_values):
        account = self._sat_mailbox_server().sat_partner_id
        if account and not custom_values.get("team_id"):
            return account.company_id or self.env.company
        return super()._get_mail_case_company(custom_values)

    @api.model
    def _find_mail_customer(self, msg_dict, company):
        account = self._sat_mailbox_server().sat_partner_id
        if not account:
            return super()._find_mail_customer(msg_dict, company)
        return account, self._sat_find_or_create_contact(account, msg_dict)

    @api.model
    def _get_classification_facts(self, vals, sender_email):
        facts = super()._get_classification_facts(vals, sender_email)
        facts["mailbox_id"] = self.env.context.get("sat_mailbox_id")
        return facts

    def message_update(self, msg_dict, update_vals=None):
        """A customer's answer moves a case waiting for it (see the stage's
        *Stage on Customer Reply*)."""
        if self._sat_mailbox_server():
            self._sat_register_message(msg_dict)
        self._sat_limit_attachments(msg_dict)
        if not self.env.context.get("sat_received_automatic"):
            self._sat_move_on_customer_reply()
        return super().message_update(msg_dict, update_vals=update_vals)

    def _sat_move_on_customer_reply(self):
        # The customer may be a portal user, who cannot read stages.
        for stage, cases in self.sudo().grouped("stage_id").items():
            if stage.reply_stage_id:
                cases.write({"stage_id": stage.reply_stage_id.id})

    def _message_post_after_hook(self, message, msg_values):
        """An answer the customer writes on the portal moves the case as a mail does."""
        res = super()._message_post_after_hook(message, msg_values)
        author = message.author_id
        if (
            message.message_type == "comment"
            and not message.is_internal
            and author
            and not author.user_ids.filtered(lambda user: not user.share)
        ):
            self._sat_move_on_customer_reply()
        return res

    @api.model
    def _sat_register_message(self, msg_dict):
        """Claims the Message-Id: a second worker processing the same mail fails on
        the unique index instead of creating a second case."""
        if msg_dict.get("message_id"):
            self.env["sat.mail.gateway.message"].sudo().create(
                {"message_id": msg_dict["message_id"]}
            )
            self.env.flush_all()

    @api.model
    def _sat_case_from_subject(self, subject, account):
        match = REFERENCE_RE.search(subject or "")
        if not match:
            return self.browse()
        return self.sudo().search(
            [("reference", "=", match.group(1)), ("partner_id", "=", account.id)],
            limit=1,
        )

    @api.model
    def _sat_find_or_create_contact(self, account, msg_dict):
        emails = email_split_and_format(msg_dict.get("email_from") or "")
        if not emails:
            return account
        name, email = parse_contact_from_email(emails[0])
        normalized = tools.email_normalize(email)
        Partner = self.env["res.partner"].sudo()
        # Odoo processes a mail from one of its users as that user.
        user = self.env.user
        if not user.share and tools.email_normalize(user.email or "") == normalized:
            # A member of our staff writes on the customer's behalf: the account
            # reports it, no contact of the customer is made of our employee.
            return account
        # Odoo's parsing of the mail already looked the sender up.
        author = Partner.browse(msg_dict.get("author_id"))
        if (
            author.commercial_partner_id == account.commercial_partner_id
            and author.email_normalized == normalized
        ):
            return author
        contact = Partner.browse(
            batch_read(self.env, self._sat_contact_key(account, normalized), list)
        ) or self._sat_search_contacts(account, [normalized], limit=1)
        return contact or Partner.create(
            {
                "name": name or email,
                "email": email,
                "parent_id": account.id,
                "type": "contact",
            }
        )

    @api.model
    def _sat_find_contacts(self, account, senders):
        """The account's contacts writing a group of mails, and their users, found
        for the whole group in two queries instead of two for each mail. A sender
        who has no contact yet is searched for again with their mail: another mail
        of the group may have made one."""
        emails = {tools.email_normalize(sender) for sender in senders} - {False}
        if not (account and emails):
            return
        contacts = self._sat_search_contacts(account, emails)
        # Their users, whom the acknowledgement's portal link names: for the group.
        contacts.fetch(["user_ids"])
        # In the order of a search for one address: the first contact is kept.
        for contact in contacts:
            key = self._sat_contact_key(account, contact.email_normalized)
            batch_read(self.env, key, lambda contact=contact: contact.ids)

    @api.model
    def _sat_search_contacts(self, account, emails, limit=None):
        # Read with the fields reading a contact fetches next: one query.
        Partner = self.env["res.partner"].sudo()
        return Partner.search_fetch(
            [
                ("commercial_partner_id", "=", account.commercial_partner_id.id),
                ("email_normalized", "in", list(emails)),
            ],
            [
                name
                for name, field in Partner._fields.items()
                if field.store and field.prefetch is True
            ],
            limit=limit,
        )

    @api.model
    def _sat_contact_key(self, account, email):
        return ("sat.contact", account.commercial_partner_id.id, email)

    @api.model
    def _sat_limit_attachments(self, msg_dict):
        """Drops attachments above the configured size, with a note in the body."""
        limit = int(
            self.env["ir.config_parameter"]
            .sudo()
            .get_param("sat_mail_gateway.max_attachment_size", 25 * 1024 * 1024)
        )
        kept, dropped = [], []
        for attachment in msg_dict.get("attachments") or []:
            content = attachment[1] if len(attachment) > 1 else b""
            (dropped if len(content or b"") > limit else kept).append(attachment)
        if dropped:
            msg_dict["attachments"] = kept
            note = self.env._(
                "Attachments too large to keep (over %(size)s MB): %(names)s",
                size=limit // (1024 * 1024),
                names=", ".join(attachment[0] for attachment in dropped),
            )
            msg_dict["body"] = Markup("%s<p><em>%s</em></p>") % (
                Markup(msg_dict.get("body") or ""),
                note,
            )

    # ------------------------------------------------------------------ outgoing
    def _sat_mailbox(self):
        self.ensure_one()
        account = self.partner_id.commercial_partner_id.sudo()
        if account.sat_mailbox_email and account.sat_mail_server_id.active:
            return account
        return self.env["res.partner"]

    def _notify_get_reply_to(self, default=None):
        reply_to, others = {}, self.browse()
        for case in self:
            account = case._sat_mailbox()
            if account:
                reply_to[case.id] = tools.formataddr(
                    (account.name, account.sat_mailbox_email)
                )
            else:
                others |= case
        if others or not self:
            # Odoo's alias look-ups only for cases answered at the company's address.
            reply_to.update(
                super(SatCase, others)._notify_get_reply_to(default=default)
            )
        return reply_to

    def _sat_sender_values(self):
        """The mailbox customer's support address and SMTP server, for what leaves
        about this case; empty for a case answered at the company's address."""
        account = self._sat_mailbox() if len(self) == 1 else None
        if not account:
            return {}
        sender = tools.formataddr((account.name, account.sat_mailbox_email))
        return {
            "email_from": sender,
            "reply_to": sender,
            "mail_server_id": account.sat_mail_server_id.id,
        }

    def _message_create(self, values_list):
        """The case's own messages (answers, notices, acknowledgements) are written
        from the support address and its server from the start: their mails inherit
        both, instead of rewriting each message as its mail is made."""
        sender = self._sat_sender_values()
        if sender:
            values_list = [
                {**values, **sender}
                if values.get("message_type") != "email"
                else values
                for values in values_list
            ]
        return super()._message_create(values_list)

    def _notify_by_email_get_base_mail_values(self, message, additional_values=None):
        values = super()._notify_by_email_get_base_mail_values(
            message, additional_values=additional_values
        )
        sender = self._sat_sender_values()
        # Only what the message does not say already: a mail writes what it is
        # given on its message (mail.mail inherits mail.message).
        message_values = {
            "email_from": message.email_from,
            "reply_to": message.reply_to,
            "mail_server_id": message.mail_server_id.id,
        }
        values.update(
            {
                key: value
                for key, value in sender.items()
                if message_values[key] != value
            }
        )
        return values

    def _notify_by_email_get_headers(self, headers=None):
        headers = super()._notify_by_email_get_headers(headers=headers)
        # Mails sent by the system (acknowledgement, stage changes) say so, so that
        # the customer's auto-responder does not answer them.
        if self.env.context.get("sat_sending_automatic"):
            headers["Auto-Submitted"] = "auto-generated"
        return headers

    def _track_template(self, changes):
        """At most ``sat_mail_gateway.acknowledgements_per_hour`` acknowledgements
        to one sender: a ticketing robot that answers each of them with a new mail
        would loop with us forever. Its cases are still opened."""
        res = super()._track_template(changes)
        if "stage_id" in res and self[:1]._sat_acknowledgement_throttled():
            del res["stage_id"]
        return res

    def _sat_acknowledgement_throttled(self):
        case = self.sudo()
        # The stage mail of a case a mail creates in this very transaction is its
        # acknowledgement.
        if not (
            self.env.context.get("sat_mail_intake")
            and case.reporter_id
            and case.create_date == self.env.cr.now()
        ):
            return False
        limit = int(
            self.env["ir.config_parameter"]
            .sudo()
            .get_param("sat_mail_gateway.acknowledgements_per_hour", 5)
        )
        recent = case.search_count(
            [
                ("reporter_id", "=", case.reporter_id.id),
                (
                    "create_date",
                    ">=",
                    fields.Datetime.subtract(self.env.cr.now(), hours=1),
                ),
            ]
        )
        if recent <= limit:
            return False
        case.message_post(
            body=self.env._(
                "No acknowledgement sent: %(count)s cases came from %(sender)s within "
                "an hour (at most %(limit)s are acknowledged).",
                count=recent,
                sender=case.reporter_id.email,
                limit=limit,
            ),
            message_type="notification",
            subtype_xmlid="mail.mt_note",
        )
        return True

    def _message_track_post_template(self, changes):
        return super(
            SatCase, self.with_context(sat_sending_automatic=True)
        )._message_track_post_template(changes)
